/*
 * barco's binary out of the container's reach (CVE-2019-5736): see
 * exe_guard.h and lessons/12-oci.md.
 */
#include "runtime/exe_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"

/* Set across the re-execution: a second pass that still finds a writable binary is an error. */
#define GUARD_ENV "BARCO_EXE_GUARDED"
/* What /proc/self/cmdline may hold: barco's longest command lines are a few KiB. */
#define CMDLINE_MAX (256u << 10)

extern char **environ;

static bool idmap_covers(const struct barco_idmap *map, size_t len, uint32_t host_id)
{
	for (size_t i = 0; i < len; i++)
		if (host_id >= map[i].outside && host_id - map[i].outside < map[i].count)
			return true;
	return false;
}

bool barco_exe_guard_is_needed(const struct barco_config *cfg)
{
	struct stat st;

	/*
	 * Rootless too: a single-id map makes container root the user, who
	 * owns a barco built in their home; a subordinate range covers no file
	 * of the user's.
	 */
	if (cfg->is_userns_host || stat("/proc/self/exe", &st) < 0)
		return true;
	return idmap_covers(cfg->uidmap, cfg->uidmap_len, st.st_uid) ||
	       ((st.st_mode & S_IWGRP) && idmap_covers(cfg->gidmap, cfg->gidmap_len, st.st_gid)) ||
	       (st.st_mode & S_IWOTH);
}

/* statvfs(3) reports the mount's flags: ST_RDONLY for a read-only mount (or filesystem). */
static int exe_is_readonly(bool *ret, struct barco_err *err)
{
	struct statvfs sv;

	if (statvfs("/proc/self/exe", &sv) < 0)
		return barco_err_errno(err, "statvfs(/proc/self/exe)");
	*ret = sv.f_flag & ST_RDONLY;
	return 0;
}

/* argv again, from /proc/self/cmdline: callers deep in a command need not carry it. */
static int read_cmdline(char *buf, size_t size, char ***ret_argv, struct barco_err *err)
{
	cleanup_close int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	size_t len = 0, argc = 0;
	char **argv;
	ssize_t n;

	if (fd < 0)
		return barco_err_errno(err, "open /proc/self/cmdline");
	while (len < size && (n = read(fd, buf + len, size - len)) > 0)
		len += (size_t)n;
	if (len == 0 || len >= size || buf[len - 1] != '\0')
		return barco_err_set(err, E2BIG, "/proc/self/cmdline: empty or too long");
	for (size_t i = 0; i < len; i++)
		argc += buf[i] == '\0';
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		return barco_err_errno(err, "argv");
	for (size_t i = 0, at = 0; i < argc; i++, at += strlen(buf + at) + 1)
		argv[i] = buf + at;
	*ret_argv = argv;
	return 0;
}

/* A bind mount of the binary alone, attached nowhere, read-only: no mount table changes. */
static int open_readonly_self(struct barco_err *err)
{
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	int fd = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return barco_err_errno(err, "open_tree(\"/proc/self/exe\", OPEN_TREE_CLONE)");
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		barco_err_errno(err, "mount_setattr(MOUNT_ATTR_RDONLY) on barco's binary");
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* The seals that make a memfd's contents final (memfd_create(2), fcntl(2) "File Sealing"). */
#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* linux/memfd.h, 6.3: executable even where vm.memfd_noexec says not */
#endif

/* Whether barco runs from a memfd whose contents are sealed (F_GET_SEALS on its inode). */
static bool exe_is_sealed(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals = fd < 0 ? -1 : fcntl(fd, F_GET_SEALS);

	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

static int copy_self(int to, struct barco_err *err)
{
	cleanup_close int from = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	off_t at = 0;

	if (from < 0 || fstat(from, &st) < 0)
		return barco_err_errno(err, "open /proc/self/exe");
	while (at < st.st_size)
		if (sendfile(to, from, &at, (size_t)(st.st_size - at)) <= 0)
			return barco_err_errno(err, "copying barco's binary into a memfd");
	return 0;
}

/*
 * Rootless: a user cannot make the read-only bind (open_tree needs
 * CAP_SYS_ADMIN), so crun's answer: a copy of the binary in a memfd,
 * sealed against every change. The container can reach only the copy.
 */
static int open_sealed_self(struct barco_err *err)
{
	int fd = memfd_create("barco", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	/* Before 6.3 MFD_EXEC is unknown (EINVAL), and every memfd may be executed. */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("barco", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return barco_err_errno(err, "memfd_create(\"barco\", MFD_ALLOW_SEALING)");
	if (copy_self(fd, err) < 0) {
		(void)close(fd);
		return -1;
	}
	if (fcntl(fd, F_ADD_SEALS, EXE_SEALS) < 0) {
		barco_err_errno(err, "fcntl(F_ADD_SEALS, F_SEAL_WRITE|…) on barco's memfd copy");
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int reexec_protected(struct barco_err *err)
{
	cleanup_close int fd = geteuid() == 0 ? open_readonly_self(err) : open_sealed_self(err);
	cleanup_free char *buf = NULL;
	cleanup_free char **argv = NULL;

	if (fd < 0)
		return -1;
	buf = malloc(CMDLINE_MAX);
	if (!buf)
		return barco_err_errno(err, "cmdline");
	if (read_cmdline(buf, CMDLINE_MAX, &argv, err) < 0)
		return -1;
	if (setenv(GUARD_ENV, "1", 1) < 0)
		return barco_err_errno(err, "setenv(%s)", GUARD_ENV);
	(void)fflush(NULL);
	/* The mount (the memfd) goes when fd closes at exec; the new image keeps it alive. */
	(void)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	barco_err_errno(err, "execveat(barco's protected binary)");
	(void)unsetenv(GUARD_ENV);
	return -1;
}

int barco_exe_guard(struct barco_err *err)
{
	bool was_reexecuted = getenv(GUARD_ENV) != NULL;
	bool is_readonly = false;

	(void)unsetenv(GUARD_ENV);
	if (exe_is_readonly(&is_readonly, err) < 0)
		return barco_err_wrap(err, "protecting barco's binary");
	if (is_readonly || exe_is_sealed()) {
		/* execveat(fd, "") named the process after the fd ("3"): barco again. */
		if (was_reexecuted)
			(void)prctl(PR_SET_NAME, program_invocation_short_name);
		return 0;
	}
	if (was_reexecuted)
		return barco_err_set(err, EROFS,
				     "protecting barco's binary: still writable after re-executing "
				     "from a read-only bind mount or a sealed memfd");
	if (reexec_protected(err) < 0)
		return barco_err_wrap(err, "protecting barco's binary (CVE-2019-5736)");
	return 0;
}
