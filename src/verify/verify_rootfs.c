/*
 * The rootfs barco verify runs its rows in, $BARCO_HOME/verify-rootfs
 * (default /var/lib/barco/verify-rootfs): a busybox rootfs like the default
 * one, made on first use, plus the static test helper (copied again only
 * when it changed) and, for each row, a link /bin/v-ROW to the helper, so
 * that each row's processes carry their own comm. Everything in it belongs
 * to container root (MAPPED_ROOT on the host), but /host-root-file, host
 * root's.
 */
#include "verify/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/rootfs.h"
#include "stages/rootless.h"

#define MAPPED_ROOT    100000 /* container root with the default map (0:100000:65536) */
#define HELPER_IN_ROOT "bin/barco-testhelper"

/* Container root on the host; an ordinary user can give files only to themselves (chown(2)). */
static uid_t owner_uid(void)
{
	return barco_rootless_is() ? geteuid() : MAPPED_ROOT;
}

static gid_t owner_gid(void)
{
	return barco_rootless_is() ? getegid() : MAPPED_ROOT;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0)
		return barco_err_errno(err, "open %s", path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return barco_err_errno(err, "reading %s", path);
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		return barco_err_set(err, EIO, "short read of %s", path);
	}
	*ret = buf;
	*ret_len = (size_t)st.st_size;
	return 0;
}

static bool same_content(const char *path, const char *data, size_t len)
{
	cleanup_free char *old = NULL;
	struct barco_err ignored;
	size_t old_len = 0;

	return read_file(path, &old, &old_len, &ignored) == 0 && old && data && old_len == len &&
	       memcmp(old, data, len) == 0;
}

/* Copies the helper into the rootfs (only when it changed), owned by container root. */
static int install_helper(const char *rootfs, const char *helper, struct barco_err *err)
{
	cleanup_free char *data = NULL;
	char dest[PATH_MAX + 32], tmp[PATH_MAX + 48];
	cleanup_close int fd = -1;
	size_t len = 0;

	(void)snprintf(dest, sizeof(dest), "%s/" HELPER_IN_ROOT, rootfs);
	if (read_file(helper, &data, &len, err) < 0)
		return barco_err_wrap(err, "the test helper (build it: make bin/barco-testhelper)");
	if (same_content(dest, data, len))
		return 0;
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dest, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return barco_err_errno(err, "open %s", tmp);
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, owner_uid(), owner_gid()) < 0 ||
	    fchmod(fd, 0755) < 0 || rename(tmp, dest) < 0) {
		barco_err_errno(err, "installing %s", dest);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* /bin/v-ROW -> barco-testhelper: each row's processes get their own comm. */
static int link_rows(const char *rootfs, const struct barco_verify_row *rows, size_t n,
		     struct barco_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *comm = rows[i].comm;
		char path[PATH_MAX + 32];

		if (strncmp(comm, "v-", 2) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/bin/%s", rootfs, comm);
		if (symlink("barco-testhelper", path) < 0 && errno != EEXIST)
			return barco_err_errno(err, "symlink %s", path);
		if (lchown(path, owner_uid(), owner_gid()) < 0)
			return barco_err_errno(err, "lchown %s", path);
	}
	return 0;
}

/* /host-root-file: host root's, 0644, written anew (the userns row writes to it). */
static int make_host_root_file(const char *rootfs, struct barco_err *err)
{
	char path[PATH_MAX + 32];
	cleanup_close int fd = -1;

	(void)snprintf(path, sizeof(path), "%s/host-root-file", rootfs);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0 ||
	    write(fd, "host root's\n", 12) != 12)
		return barco_err_errno(err, "writing %s", path);
	return 0;
}

int barco_verify_prepare_rootfs(struct barco_verify_opts *o, struct barco_err *err)
{
	char def[PATH_MAX], busybox[PATH_MAX + 16];

	if (barco_rootfs_ensure_default(def, sizeof(def), owner_uid(), owner_gid(), err) < 0)
		return barco_err_wrap(err, "default rootfs");
	(void)snprintf(o->rootfs, sizeof(o->rootfs), "%s/verify-rootfs", dirname(def));
	(void)snprintf(busybox, sizeof(busybox), "%s/bin/busybox", o->rootfs);
	if (access(busybox, X_OK) < 0 &&
	    barco_rootfs_create(o->rootfs, owner_uid(), owner_gid(), err) < 0)
		return -1;
	if (install_helper(o->rootfs, o->helper, err) < 0 ||
	    link_rows(o->rootfs, barco_verify_rows, barco_verify_rows_len, err) < 0 ||
	    link_rows(o->rootfs, barco_verify_lesson_rows, barco_verify_lesson_rows_len, err) < 0 ||
	    /* Only root can give a file to host root; rootless has no userns row to skip. */
	    (geteuid() == 0 && make_host_root_file(o->rootfs, err) < 0))
		return barco_err_wrap(err, "verify rootfs %s", o->rootfs);
	return 0;
}
