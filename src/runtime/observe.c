/*
 * Snapshots of a process as the host sees it, and their difference: what
 * `barco step --diff` prints after each stage.
 */
#include "runtime/observe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/caps.h"

/* Far more than any /proc/PID file barco reads (mountinfo of a busy host: ~100 KiB). */
#define PROC_TEXT_MAX ((size_t)16 << 20)

const char *const barco_observe_ns_names[BARCO_OBSERVE_NS_MAX] = {
	"user",
	"mnt",
	"uts",
	"ipc",
	"net",
	"pid",
	"cgroup",
	"time",
	"pid_for_children",
	"time_for_children",
	NULL,
	NULL,
};

static const char *const cap_set_names[BARCO_OBSERVE_CAP_SETS] = {
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
};

/* Copies a status value, its tabs as spaces. */
static void copy_value(char *dst, size_t size, const char *value, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(dst, value, n);
	for (size_t i = 0; i < n; i++)
		if (dst[i] == '\t')
			dst[i] = ' ';
	dst[n] = '\0';
}

static void parse_status_line(const char *key, size_t key_len, const char *value, size_t len,
			      struct barco_observe *ret)
{
	for (size_t i = 0; i < BARCO_OBSERVE_CAP_SETS; i++)
		if (key_len == strlen(cap_set_names[i]) && !strncmp(key, cap_set_names[i], key_len))
			ret->caps[i] = strtoull(value, NULL, 16);
#define IS_KEY(k) (key_len == sizeof(k) - 1 && !strncmp(key, k, key_len))
	if (IS_KEY("NoNewPrivs"))
		ret->no_new_privs = atoi(value);
	else if (IS_KEY("Seccomp"))
		ret->seccomp = atoi(value);
	else if (IS_KEY("Seccomp_filters"))
		ret->seccomp_filters = atoi(value);
	else if (IS_KEY("Uid"))
		copy_value(ret->uid, sizeof(ret->uid), value, len);
	else if (IS_KEY("Gid"))
		copy_value(ret->gid, sizeof(ret->gid), value, len);
	else if (IS_KEY("NSpid"))
		copy_value(ret->nspid, sizeof(ret->nspid), value, len);
#undef IS_KEY
}

/* Calls fn on each line of text (without its newline). */
static void each_line(const char *text, void (*fn)(const char *, size_t, struct barco_observe *),
		      struct barco_observe *ret)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");

		fn(line, len, ret);
		line += len + (line[len] == '\n');
	}
}

/* "Key:\tvalue" (proc(5), /proc/PID/status). */
static void parse_status_key(const char *line, size_t len, struct barco_observe *ret)
{
	const char *colon = memchr(line, ':', len);
	const char *value;

	if (!colon)
		return;
	value = colon + 1 + strspn(colon + 1, " \t");
	parse_status_line(line, (size_t)(colon - line), value, len - (size_t)(value - line), ret);
}

void barco_observe_parse_status(const char *text, struct barco_observe *ret)
{
	ret->no_new_privs = ret->seccomp = ret->seccomp_filters = -1;
	each_line(text, parse_status_key, ret);
}

/* FNV-1a over one field and a separator: a mount is the hash of what identifies it. */
static uint64_t hash_field(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Up to max space-separated fields of one line into f (start, length). */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t start = i;

		while (i < len && line[i] != ' ')
			i++;
		f[n] = line + start;
		flen[n++] = i - start;
		while (i < len && line[i] == ' ')
			i++;
	}
	return n;
}

/*
 * One mountinfo line (proc(5)): ID PARENT MAJ:MIN ROOT POINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE SUPER. Mount ids and propagation (the
 * optional fields) are left out: a new mount namespace copies every mount
 * with new ids, and that is not a mount added or removed. The device
 * (MAJ:MIN) is kept: a fresh /proc where the host has one is a new mount.
 */
static void parse_mount_line(const char *line, size_t len, struct barco_observe *ret)
{
	const char *f[32];
	size_t flen[32], n = split_fields(line, len, f, flen, 32), dash = 6;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (dash < n && !(flen[dash] == 1 && f[dash][0] == '-'))
		dash++;
	if (dash + 2 >= n || ret->mounts_len >= BARCO_OBSERVE_MOUNTS_MAX)
		return;
	h = hash_field(h, f[2], flen[2]);
	h = hash_field(h, f[3], flen[3]);
	h = hash_field(h, f[4], flen[4]);
	h = hash_field(h, f[5], flen[5]);
	h = hash_field(h, f[dash + 1], flen[dash + 1]);
	h = hash_field(h, f[dash + 2], flen[dash + 2]);
	ret->mounts[ret->mounts_len++] = h;
	if (flen[4] == 1 && f[4][0] == '/')
		(void)snprintf(ret->root, sizeof(ret->root), "%.*s on %.*s (%.*s)", (int)flen[3],
			       f[3], (int)flen[dash + 2], f[dash + 2], (int)flen[dash + 1],
			       f[dash + 1]);
}

void barco_observe_parse_mountinfo(const char *text, struct barco_observe *ret)
{
	ret->mounts_len = 0;
	ret->root[0] = '\0';
	each_line(text, parse_mount_line, ret);
	qsort(ret->mounts, ret->mounts_len, sizeof(ret->mounts[0]), compare_u64);
}

/* "N:CONTROLLERS:PATH" (cgroups(7)); the path is relative to the reader's cgroup ns. */
static void parse_cgroup_line(const char *line, size_t len, struct barco_observe *ret)
{
	const char *first = memchr(line, ':', len);
	const char *second =
		first ? memchr(first + 1, ':', len - (size_t)(first + 1 - line)) : NULL;
	struct barco_observe_cgroup *cg;

	if (!second || ret->cgroups_len >= BARCO_OBSERVE_CGROUPS_MAX)
		return;
	cg = &ret->cgroups[ret->cgroups_len++];
	(void)snprintf(cg->hierarchy, sizeof(cg->hierarchy), "%.*s", (int)(second - line), line);
	(void)snprintf(cg->path, sizeof(cg->path), "%.*s", (int)(len - (size_t)(second + 1 - line)),
		       second + 1);
}

void barco_observe_parse_cgroup(const char *text, struct barco_observe *ret)
{
	ret->cgroups_len = 0;
	each_line(text, parse_cgroup_line, ret);
}

static int read_proc(pid_t pid, const char *file,
		     void (*parse)(const char *, struct barco_observe *), struct barco_observe *ret,
		     struct barco_err *err)
{
	char path[64];
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || barco_read_all(fd, PROC_TEXT_MAX, &text, NULL) < 0)
		return barco_err_set(err, errno, "read %s", path);
	parse(text, ret);
	return 0;
}

/* The inode of each namespace link ("mnt:[4026531841]"); 0 where the kernel has none. */
static void read_namespaces(pid_t pid, struct barco_observe *ret)
{
	for (size_t i = 0; i < BARCO_OBSERVE_NS_MAX && barco_observe_ns_names[i]; i++) {
		char path[64];
		struct stat st;

		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
			       barco_observe_ns_names[i]);
		ret->ns[i] = stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
	}
}

/*
 * The hostname belongs to the uts namespace, and nothing under /proc/PID
 * shows another namespace's: /proc/sys/kernel/hostname answers for the
 * reader's uts namespace whichever procfs it is read through (so
 * /proc/PID/root/proc/sys/kernel/hostname is ours, not the container's),
 * and /etc/hostname is a file of the rootfs, not the kernel's. So a child
 * joins the namespace (setns(2): we hold CAP_SYS_ADMIN over every user
 * namespace below the host's) and asks uname(2). A child, not us: a
 * failed setns back would leave this process in the container's namespace.
 */
static int read_hostname(pid_t pid, char *buf, size_t size, struct barco_err *err)
{
	char path[64];
	cleanup_close int ns_fd = -1;
	int pipe_fds[2];
	cleanup_close int rd = -1;
	pid_t child;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) < 0)
		return barco_err_set(err, errno, "open %s", path);
	rd = pipe_fds[0];
	child = fork();
	if (child == 0) {
		struct utsname u;

		if (setns(ns_fd, CLONE_NEWUTS) < 0 || uname(&u) < 0)
			_exit(1);
		_exit(write(pipe_fds[1], u.nodename, strlen(u.nodename)) < 0);
	}
	(void)close(pipe_fds[1]);
	if (child < 0)
		return barco_err_set(err, errno, "fork to read the hostname of pid %d", (int)pid);
	n = read(rd, buf, size - 1);
	(void)barco_waitpid(child, NULL);
	if (n < 0)
		return barco_err_set(err, errno, "hostname of pid %d", (int)pid);
	buf[n] = '\0';
	return 0;
}

int barco_observe_take(pid_t pid, struct barco_observe *ret, struct barco_err *err)
{
	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	if (read_proc(pid, "status", barco_observe_parse_status, ret, err) < 0 ||
	    read_proc(pid, "mountinfo", barco_observe_parse_mountinfo, ret, err) < 0 ||
	    read_proc(pid, "cgroup", barco_observe_parse_cgroup, ret, err) < 0)
		return -1;
	read_namespaces(pid, ret);
	return read_hostname(pid, ret->hostname, sizeof(ret->hostname), err);
}

static struct barco_observe_change *add_change(struct barco_observe_diff *d, const char *what,
					       const char *from, const char *to)
{
	struct barco_observe_change *c;

	if (d->len >= BARCO_OBSERVE_CHANGES_MAX)
		return NULL;
	c = &d->changes[d->len++];
	(void)snprintf(c->what, sizeof(c->what), "%s", what);
	(void)snprintf(c->from, sizeof(c->from), "%s", from);
	(void)snprintf(c->to, sizeof(c->to), "%s", to);
	c->detail[0] = '\0';
	return c;
}

/* "-CAP_SYS_ADMIN +CAP_X ... (41 -> 14)": the capabilities that left, then those that came. */
static void caps_detail(uint64_t from, uint64_t to, char *buf, size_t size)
{
	size_t len = 0;

	for (int sign = 0; sign < 2; sign++)
		for (int cap = 0; cap < 64; cap++) {
			uint64_t bit = 1ULL << cap;
			bool is_change = sign == 0 ? (from & bit) && !(to & bit)
						   : !(from & bit) && (to & bit);

			if (is_change && len < size)
				len += (size_t)snprintf(buf + len, size - len, "%c%s ",
							sign == 0 ? '-' : '+', barco_cap_name(cap));
		}
	if (len < size)
		(void)snprintf(buf + len, size - len, "(%d -> %d)", __builtin_popcountll(from),
			       __builtin_popcountll(to));
}

static void diff_caps(const struct barco_observe *a, const struct barco_observe *b,
		      struct barco_observe_diff *d)
{
	for (size_t i = 0; i < BARCO_OBSERVE_CAP_SETS; i++) {
		char from[32], to[32];
		struct barco_observe_change *c;

		if (a->caps[i] == b->caps[i])
			continue;
		(void)snprintf(from, sizeof(from), "%016" PRIx64, a->caps[i]);
		(void)snprintf(to, sizeof(to), "%016" PRIx64, b->caps[i]);
		c = add_change(d, cap_set_names[i], from, to);
		if (c)
			caps_detail(a->caps[i], b->caps[i], c->detail, sizeof(c->detail));
	}
}

static void diff_int(const char *what, int from, int to, struct barco_observe_diff *d)
{
	char f[16], t[16];

	if (from == to)
		return;
	(void)snprintf(f, sizeof(f), "%d", from);
	(void)snprintf(t, sizeof(t), "%d", to);
	(void)add_change(d, what, f, t);
}

static void diff_str(const char *what, const char *from, const char *to,
		     struct barco_observe_diff *d)
{
	if (strcmp(from, to) != 0)
		(void)add_change(d, what, from, to);
}

static void diff_namespaces(const struct barco_observe *a, const struct barco_observe *b,
			    struct barco_observe_diff *d)
{
	for (size_t i = 0; i < BARCO_OBSERVE_NS_MAX && barco_observe_ns_names[i]; i++) {
		char what[32], from[32], to[32];

		if (a->ns[i] == b->ns[i])
			continue;
		(void)snprintf(what, sizeof(what), "ns/%s", barco_observe_ns_names[i]);
		(void)snprintf(from, sizeof(from), "%llu", a->ns[i]);
		(void)snprintf(to, sizeof(to), "%llu", b->ns[i]);
		(void)add_change(d, what, from, to);
	}
}

/* Mounts of a not in b (sorted multisets of hashes). */
static size_t count_missing(const struct barco_observe *a, const struct barco_observe *b)
{
	size_t missing = 0, j = 0;

	for (size_t i = 0; i < a->mounts_len; i++) {
		while (j < b->mounts_len && b->mounts[j] < a->mounts[i])
			j++;
		if (j < b->mounts_len && b->mounts[j] == a->mounts[i])
			j++;
		else
			missing++;
	}
	return missing;
}

static void diff_mounts(const struct barco_observe *a, const struct barco_observe *b,
			struct barco_observe_diff *d)
{
	size_t removed = count_missing(a, b), added = count_missing(b, a);
	char from[32], to[32];
	struct barco_observe_change *c;

	if (added || removed) {
		(void)snprintf(from, sizeof(from), "%zu", a->mounts_len);
		(void)snprintf(to, sizeof(to), "%zu", b->mounts_len);
		c = add_change(d, "mounts", from, to);
		if (c)
			(void)snprintf(c->detail, sizeof(c->detail), "+%zu mounts, -%zu mounts",
				       added, removed);
	}
	diff_str("root", a->root, b->root, d);
}

static const char *cgroup_path(const struct barco_observe *o, const char *hierarchy)
{
	for (size_t i = 0; i < o->cgroups_len; i++)
		if (strcmp(o->cgroups[i].hierarchy, hierarchy) == 0)
			return o->cgroups[i].path;
	return "";
}

static void diff_cgroups(const struct barco_observe *a, const struct barco_observe *b,
			 struct barco_observe_diff *d)
{
	for (size_t i = 0; i < b->cgroups_len; i++) {
		char what[sizeof(b->cgroups[i].hierarchy) + 8];

		(void)snprintf(what, sizeof(what), "cgroup %s", b->cgroups[i].hierarchy);
		diff_str(what, cgroup_path(a, b->cgroups[i].hierarchy), b->cgroups[i].path, d);
	}
}

void barco_observe_diff(const struct barco_observe *a, const struct barco_observe *b,
			struct barco_observe_diff *ret)
{
	ret->len = 0;
	diff_str("Uid", a->uid, b->uid, ret);
	diff_str("Gid", a->gid, b->gid, ret);
	diff_str("NSpid", a->nspid, b->nspid, ret);
	diff_namespaces(a, b, ret);
	diff_str("hostname", a->hostname, b->hostname, ret);
	diff_mounts(a, b, ret);
	diff_cgroups(a, b, ret);
	diff_caps(a, b, ret);
	diff_int("NoNewPrivs", a->no_new_privs, b->no_new_privs, ret);
	diff_int("Seccomp", a->seccomp, b->seccomp, ret);
	diff_int("Seccomp_filters", a->seccomp_filters, b->seccomp_filters, ret);
}
