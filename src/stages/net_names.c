/*
 * The name files, shared by --net=bridge (the runner binds files of the
 * state directory) and --net=slirp4netns (the container binds files of a
 * tmpfs of its own): see stages/net_names.h.
 */
#include "stages/net_names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

const struct barco_name_file barco_name_files[BARCO_NAME_FILES] = {
	{"hosts", "/etc/hosts"},
	{"hostname", "/etc/hostname"},
	{"resolv.conf", "/etc/resolv.conf"},
};

int barco_net_names_write(int dir_fd, const char *file, const char *text, struct barco_err *err)
{
	cleanup_close int fd =
		openat(dir_fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return barco_err_errno(err, "write %s", file);
	return 0;
}

/*
 * Creates target (O_EXCL) as the owner of the container's "/", as the
 * runner sees it from inside: on an id-mapped rootfs that is container
 * root's host uid, the only one the mount maps (host root there would get
 * EOVERFLOW), and the file lands on disk as the rootfs's own owner.
 */
static int create_as_root_owner(const char *target)
{
	struct stat root;
	int fd, saved;
	uid_t uid;
	gid_t gid;

	if (stat("/", &root) < 0)
		return -1;
	gid = (gid_t)setfsgid(root.st_gid);
	uid = (uid_t)setfsuid(root.st_uid);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	saved = errno;
	(void)setfsuid(uid);
	(void)setfsgid(gid);
	errno = saved;
	return fd;
}

/*
 * In the container's mount namespace: an fd of target, a regular file; an
 * empty one is made when missing (a mount point, as runc makes). -2: not a
 * regular file (a symlink to a resolver's file, say), or none and none can
 * be made: left alone.
 */
static int open_target(const char *target, bool *ret_made, struct barco_report *rep,
		       struct barco_err *err)
{
	int fd = create_as_root_owner(target);
	struct stat st;

	if (fd >= 0) {
		(void)close(fd);
		*ret_made = true;
		barco_report_add(rep,
				 "%s: none in the rootfs, an empty mount point made (removed "
				 "when the container goes)",
				 target);
	} else if (errno == EACCES || errno == EPERM || errno == EROFS) {
		barco_report_add(rep,
				 "%s: none in the rootfs, and no mount point can be made "
				 "(%s): left alone",
				 target, strerrorname_np(errno));
		return -2;
	} else if (errno != EEXIST) {
		return barco_err_errno(err, "create the mount point %s", target);
	}
	fd = open(target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return barco_err_errno(err, "open %s (in the container)", target);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	(void)close(fd);
	barco_report_add(rep, "%s: not a regular file in the rootfs, left alone", target);
	return -2;
}

/*
 * In the container's mount namespace (the runner after setns(2), or the
 * container itself): each tree over its target.
 */
int barco_net_names_attach(const int *trees, const char *from, bool *ret_made,
			   struct barco_report *rep, struct barco_err *err)
{
	for (size_t i = 0; i < BARCO_NAME_FILES; i++) {
		int fd = open_target(barco_name_files[i].target, &ret_made[i], rep, err);
		int r;

		if (fd == -2)
			continue;
		if (fd < 0)
			return -1;
		r = move_mount(trees[i], "", fd, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		(void)close(fd);
		if (r < 0)
			return barco_err_errno(err, "move_mount(%s onto %s)",
					       barco_name_files[i].file,
					       barco_name_files[i].target);
		barco_report_add(rep, "open_tree(%s/%s, OPEN_TREE_CLONE), move_mount onto %s = 0",
				 from, barco_name_files[i].file, barco_name_files[i].target);
	}
	return 0;
}

void barco_net_names_close(int *trees)
{
	for (size_t i = 0; i < BARCO_NAME_FILES; i++)
		if (trees[i] >= 0)
			(void)close(trees[i]);
}

/*
 * The mount points made in the rootfs, in the state directory's
 * "mountpoints": one "UID PATH" line each, PATH on the host, UID the
 * rootfs's owner there, which is what the file was made as.
 */
int barco_net_names_note(int dir_fd, const char *rootfs, const bool *made, struct barco_err *err)
{
	char text[3 * 4220] = "";
	size_t used = 0;
	struct stat st;

	if (lstat(rootfs, &st) < 0)
		return barco_err_errno(err, "lstat %s", rootfs);
	for (size_t i = 0; i < BARCO_NAME_FILES; i++)
		if (made[i])
			used += (size_t)snprintf(
				text + used, sizeof(text) - used, "%u %s%s\n", (unsigned)st.st_uid,
				strcmp(rootfs, "/") == 0 ? "" : rootfs, barco_name_files[i].target);
	return used ? barco_net_names_write(dir_fd, "mountpoints", text, err) : 0;
}

/*
 * Removes path if it is still what barco made: an empty regular file of
 * uid. Its directory is opened with RESOLVE_NO_SYMLINKS: the container may
 * have made its /etc a symlink to "/etc" meanwhile, which on the host is
 * the host's.
 */
static void remove_mount_point(char *path, unsigned uid, struct barco_report *rep)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_SYMLINKS};
	char *slash = strrchr(path, '/');
	cleanup_close int dir = -1;
	struct stat st;

	if (!slash || slash == path)
		return;
	*slash = '\0';
	dir = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	*slash = '/';
	if (dir < 0 || fstatat(dir, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size != 0 || st.st_uid != uid)
		return;
	if (unlinkat(dir, slash + 1, 0) == 0)
		barco_report_add(rep, "unlink(%s) = 0: the mount point barco made", path);
}

/* Removes the mount points barco_net_names_note() listed (remove_mount_point). */
void barco_net_names_remove(int dir_fd, struct barco_report *rep)
{
	struct barco_report scratch;
	cleanup_close int fd =
		dir_fd < 0 ? -1 : openat(dir_fd, "mountpoints", O_RDONLY | O_CLOEXEC);
	cleanup_fclose FILE *f = fd < 0 ? NULL : fdopen(steal_fd(&fd), "re");
	char line[4220];
	unsigned uid;
	int at;

	if (!rep) {
		barco_report_clear(&scratch);
		rep = &scratch;
	}
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%u %n", &uid, &at) == 1)
			remove_mount_point(line + at, uid, rep);
	}
}
