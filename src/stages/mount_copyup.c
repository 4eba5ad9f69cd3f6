/*
 * tmpcopyup (runc's mount option, podman's --read-only gives it to /run,
 * /tmp and /var/tmp): a tmpfs mounted over a directory of the image starts
 * with that directory's content. The directory is opened before the mount;
 * the descriptor still reaches the covered directory afterwards, so the
 * tree is copied from it into the new tmpfs: directories, regular files,
 * symbolic links, with their modes and owners. Other file types (devices,
 * fifos, sockets) are not copied, as the mount is nosuid,nodev anyway.
 */
#include "stages/mount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

/* How deep a copied tree may go: a limit, not a guess at images. */
#define COPYUP_DEPTH_MAX 32

static int copy_tree(int from, int to, int depth, struct barco_err *err);

static int copy_file(int from, int to, const char *name, const struct stat *st,
		     struct barco_err *err)
{
	cleanup_close int in = openat(from, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_close int out = -1;
	ssize_t n;

	if (in < 0)
		return barco_err_errno(err, "open %s", name);
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
	if (out < 0)
		return barco_err_errno(err, "create %s", name);
	/* sendfile(2) copies between two regular files in the kernel, a chunk a call. */
	while ((n = sendfile(out, in, NULL, 1 << 20)) > 0)
		;
	if (n < 0)
		return barco_err_errno(err, "copy %s", name);
	return 0;
}

static int copy_entry(int from, int to, const char *name, int depth, struct barco_err *err)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return barco_err_errno(err, "stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int sub_from = -1, sub_to = -1;

		if (mkdirat(to, name, st.st_mode & 07777) < 0)
			return barco_err_errno(err, "mkdir %s", name);
		sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub_from < 0 || sub_to < 0)
			return barco_err_errno(err, "open %s", name);
		if (copy_tree(sub_from, sub_to, depth + 1, err) < 0)
			return barco_err_wrap(err, "%s", name);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return barco_err_errno(err, "readlink %s", name);
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0)
			return barco_err_errno(err, "symlink %s", name);
	} else if (S_ISREG(st.st_mode)) {
		if (copy_file(from, to, name, &st, err) < 0)
			return -1;
	} else {
		return 0;
	}
	if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return barco_err_errno(err, "chown %s", name);
	return 0;
}

static int copy_tree(int from, int to, int depth, struct barco_err *err)
{
	cleanup_closedir DIR *d = NULL;
	int fd = dup(from);
	struct dirent *e;

	if (depth > COPYUP_DEPTH_MAX)
		return barco_err_set(err, ELOOP, "deeper than %d directories", COPYUP_DEPTH_MAX);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			(void)close(fd);
		return barco_err_errno(err, "read the directory");
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    copy_entry(from, to, e->d_name, depth, err) < 0)
			return -1;
	return 0;
}

int barco_mount_copy_up(int covered_fd, const char *path, struct barco_err *err)
{
	cleanup_close int to = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (to < 0)
		return barco_err_errno(err, "tmpcopyup: open %s", path);
	/* The tmpfs root takes the covered directory's mode, not its owner (as runc). */
	if (fstat(covered_fd, &st) < 0 || fchmod(to, st.st_mode & 07777) < 0)
		return barco_err_errno(err, "tmpcopyup: %s", path);
	if (copy_tree(covered_fd, to, 0, err) < 0)
		return barco_err_wrap(err, "tmpcopyup into %s", path);
	return 0;
}
