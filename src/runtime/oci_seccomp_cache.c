/* Compiled linux.seccomp profiles, kept between containers: see oci_seccomp_cache.h. */
#include "runtime/oci_seccomp_cache.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "runtime/state.h"

#define CACHE_DIR_NAME ".seccomp-cache"
#define CACHE_MAGIC    "barcoSC1"

/* The file: this header, then the key, the program, the skipped lines (each NUL-ended). */
struct cache_head {
	char magic[8];
	uint32_t key_len;
	uint32_t program_len; /* instructions */
	uint32_t flags;
	uint32_t rules_len;
	uint32_t skipped_len; /* lines */
	uint32_t skipped_bytes;
	uint32_t has_notify;
	uint32_t reserved;
};

/* Larger than any file barco writes: a key of BARCO_OCI_CONFIG_MAX and more. */
#define CACHE_FILE_MAX (8u << 20)

static char cache_dir[PATH_MAX];
static bool is_enabled;

void barco_oci_seccomp_cache_enable(const char *dir)
{
	is_enabled = true;
	(void)snprintf(cache_dir, sizeof(cache_dir), "%s", dir ? dir : "");
}

void barco_oci_seccomp_cache_disable(void)
{
	is_enabled = false;
	cache_dir[0] = '\0';
}

/* The GNU build id of this binary, in hex (dl_iterate_phdr(3), the NT_GNU_BUILD_ID note). */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	char *hex = data;

	(void)size;
	/* The first object is the executable itself. */
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the load address is an integer */
		const char *at = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = at + ph->p_memsz;

		while (ph->p_type == PT_NOTE && at + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)at;
			const unsigned char *desc =
				(const unsigned char *)at + sizeof(*n) + ((n->n_namesz + 3) & ~3u);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(at + sizeof(*n), "GNU", 4) == 0 && n->n_descsz <= 64) {
				for (size_t b = 0; b < n->n_descsz; b++)
					(void)snprintf(hex + 2 * b, 3, "%02x", desc[b]);
				return 1;
			}
			at = (const char *)desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

char *barco_oci_seccomp_cache_key(struct json_object *sc, size_t *ret_len)
{
	char build_id[129] = "";
	struct utsname u;
	char *key = NULL;
	int n;

	if (!is_enabled || uname(&u) < 0)
		return NULL;
	/* BARCO_RUN_DIR's when not told: found when first needed (it looks at $XDG_RUNTIME_DIR). */
	if (!cache_dir[0])
		(void)snprintf(cache_dir, sizeof(cache_dir), "%s/" CACHE_DIR_NAME, BARCO_RUN_DIR);
	(void)dl_iterate_phdr(find_build_id, build_id);
	if (!build_id[0])
		return NULL;
	n = asprintf(&key, "barco build %s\nkernel %s %s\nlinux.seccomp %s\n", build_id, u.release,
		     u.version,
		     json_object_to_json_string_ext(sc, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	if (n < 0)
		return NULL;
	*ret_len = (size_t)n;
	return key;
}

/* FNV-1a, 64 bits: a file name, not a proof (the key inside is). */
static void file_name(const char *key, size_t len, char name[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	(void)snprintf(name, 17, "%016llx", (unsigned long long)h);
}

/* The cache directory when it is barco's user's alone; with is_make, made if missing. */
static int open_dir(bool is_make)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (is_make && mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))
		return -1;
	return steal_fd(&fd);
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* The count NUL-ended lines of text, malloc()ed; NULL when they are not exactly that. */
static char **copy_lines(const char *text, size_t bytes, size_t count)
{
	char **lines = calloc(count ? count : 1, sizeof(*lines));
	const char *at = text;
	const char *end = text + bytes;

	for (size_t i = 0; lines && i < count; i++) {
		const char *nul = memchr(at, '\0', (size_t)(end - at));

		if (!nul || !(lines[i] = strdup(at))) {
			free_lines(lines, i);
			return NULL;
		}
		at = nul + 1;
	}
	if (lines && at != end) {
		free_lines(lines, count);
		return NULL;
	}
	return lines;
}

/* 1 with s filled in when buf is a file barco wrote for exactly key; else 0. */
static int parse_file(const char *buf, size_t len, const char *key, size_t key_len,
		      struct barco_oci_seccomp *s)
{
	const char *at = buf + sizeof(struct cache_head);
	struct cache_head h;
	size_t program_bytes;
	char **skipped;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	program_bytes = (size_t)h.program_len * sizeof(*s->program);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.key_len != key_len ||
	    h.program_len == 0 || h.program_len > BPF_MAXINSNS ||
	    len != sizeof(h) + key_len + program_bytes + h.skipped_bytes ||
	    memcmp(at, key, key_len) != 0)
		return 0;
	at += key_len;
	skipped = copy_lines(at + program_bytes, h.skipped_bytes, h.skipped_len);
	s->program = skipped ? malloc(program_bytes) : NULL;
	if (!s->program) {
		free_lines(skipped, skipped ? h.skipped_len : 0);
		return 0;
	}
	memcpy(s->program, at, program_bytes);
	s->program_len = h.program_len;
	s->skipped = skipped;
	s->skipped_len = h.skipped_len;
	s->flags = h.flags;
	s->rules_len = h.rules_len;
	s->has_notify = h.has_notify != 0;
	return 1;
}

int barco_oci_seccomp_cache_load(const char *key, size_t key_len, struct barco_oci_seccomp *s)
{
	cleanup_close int dir = open_dir(false);
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char name[17];
	size_t len = 0;
	struct stat st;

	if (dir < 0)
		return 0;
	file_name(key, key_len, name);
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    barco_read_all(fd, CACHE_FILE_MAX, &buf, &len) < 0 ||
	    parse_file(buf, len, key, key_len, s) == 0)
		return 0;
	if (asprintf(&s->cache_file, "%s/%s", cache_dir, name) < 0)
		s->cache_file = NULL;
	return 1;
}

/* A store's temporary file this old was left by a barco killed while writing it. */
#define STALE_TMP_SECONDS 60

/*
 * When the directory holds BARCO_OCI_SECCOMP_CACHE_MAX programs: the oldest
 * goes; so does any temporary (dot) file a killed store left behind.
 */
static void make_room(int dir)
{
	int dup_fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_closedir DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	char oldest[NAME_MAX + 1] = "";
	struct timespec oldest_at = {0};
	struct dirent *de;
	size_t count = 0;

	if (!d) {
		if (dup_fd >= 0)
			(void)close(dup_fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (de->d_name[0] == '.') {
			if (st.st_mtim.tv_sec + STALE_TMP_SECONDS < time(NULL))
				(void)unlinkat(dir, de->d_name, 0);
			continue;
		}
		count++;
		if (!oldest[0] || st.st_mtim.tv_sec < oldest_at.tv_sec ||
		    (st.st_mtim.tv_sec == oldest_at.tv_sec &&
		     st.st_mtim.tv_nsec < oldest_at.tv_nsec)) {
			(void)snprintf(oldest, sizeof(oldest), "%s", de->d_name);
			oldest_at = st.st_mtim;
		}
	}
	if (count >= BARCO_OCI_SECCOMP_CACHE_MAX)
		(void)unlinkat(dir, oldest, 0);
}

static bool write_all(int fd, const void *data, size_t len)
{
	return len == 0 || write(fd, data, len) == (ssize_t)len;
}

void barco_oci_seccomp_cache_store(const char *key, size_t key_len,
				   const struct barco_oci_seccomp *s)
{
	cleanup_close int dir = open_dir(true);
	cleanup_close int fd = -1;
	struct cache_head h = {.key_len = (uint32_t)key_len,
			       .program_len = (uint32_t)s->program_len,
			       .flags = s->flags,
			       .rules_len = (uint32_t)s->rules_len,
			       .skipped_len = (uint32_t)s->skipped_len,
			       .has_notify = s->has_notify};
	char name[17], tmp[64];
	bool ok;

	if (dir < 0 || key_len > CACHE_FILE_MAX / 2)
		return;
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	for (size_t i = 0; i < s->skipped_len; i++)
		h.skipped_bytes += (uint32_t)strlen(s->skipped[i]) + 1;
	file_name(key, key_len, name);
	make_room(dir);
	/* Whole or not at all: written under a dot name, renamed into place. */
	(void)snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ok = write_all(fd, &h, sizeof(h)) && write_all(fd, key, key_len) &&
	     write_all(fd, s->program, s->program_len * sizeof(*s->program));
	for (size_t i = 0; ok && i < s->skipped_len; i++)
		ok = write_all(fd, s->skipped[i], strlen(s->skipped[i]) + 1);
	if (!ok || renameat(dir, tmp, dir, name) < 0)
		(void)unlinkat(dir, tmp, 0);
}
