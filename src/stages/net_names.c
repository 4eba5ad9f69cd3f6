/*
 * The name files, shared by --net=bridge (the runner binds files of the
 * state directory) and --net=slirp4netns (the container binds files of a
 * tmpfs of its own): see stages/net_names.h.
 */
#include "stages/net_names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* A state file's "mountpoints" holds at most the three lines of BARCO_NAME_FILES. */
#define MOUNTPOINTS_MAX 16384

/* Whether line, up to its end or its newline, is "UID PATH" with this PATH of len bytes. */
static bool is_line_of(const char *line, const char *path, size_t len)
{
	const char *at = line + strspn(line, "0123456789");

	if (at == line || *at != ' ')
		return false;
	at++;
	return strncmp(at, path, len) == 0 && (at[len] == '\n' || at[len] == '\0');
}

bool barco_net_names_lists(const char *text, const char *path)
{
	size_t len = strlen(path);

	while (text && *text) {
		if (is_line_of(text, path, len))
			return true;
		text = strchr(text, '\n');
		if (text)
			text++;
	}
	return false;
}

/* dir_fd's "mountpoints", malloc()ed; NULL when there is none. */
static char *read_list(int dir_fd)
{
	cleanup_close int fd =
		dir_fd < 0 ? -1 : openat(dir_fd, "mountpoints", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *text = NULL;

	if (fd < 0 || barco_read_all(fd, MOUNTPOINTS_MAX, &text, NULL) < 0)
		return NULL;
	return text;
}

/* Whether fd is another directory than own (not the same inode). */
static bool is_other(int fd, const struct stat *own)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 &&
	       (st.st_dev != own->st_dev || st.st_ino != own->st_ino);
}

/*
 * Whether a container directory of run_fd other than own_fd lists path
 * in its "mountpoints"; with is_live, only a live container's counts.
 * Dot names are directories being made (see runtime/state.c).
 */
static bool listed_elsewhere(int run_fd, int own_fd, const char *path, barco_lease_live_fn is_live)
{
	int dup_fd = openat(run_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_closedir DIR *dir = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	struct dirent *de;
	struct stat own;

	if (!dir) {
		if (dup_fd >= 0)
			(void)close(dup_fd);
		return false;
	}
	if (fstat(own_fd, &own) < 0)
		return false;
	while ((de = readdir(dir))) {
		cleanup_close int fd = -1;
		cleanup_free char *text = NULL;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(run_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (!is_other(fd, &own))
			continue;
		text = read_list(fd);
		if (text && barco_net_names_lists(text, path) && (!is_live || is_live(de->d_name)))
			return true;
	}
	return false;
}

int barco_net_names_lock(int dir_fd, int *ret_fd, struct barco_err *err)
{
	cleanup_close int fd = openat(dir_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return barco_err_errno(err, "flock(the run directory, LOCK_EX)");
	*ret_fd = steal_fd(&fd);
	return 0;
}

/*
 * The mount points bound over, in the state directory's "mountpoints":
 * one "UID PATH" line each, PATH on the host, UID the rootfs's owner
 * there, which is what the file was made as.
 */
int barco_net_names_note(int dir_fd, int run_fd, const char *rootfs, const bool *made,
			 struct barco_report *rep, struct barco_err *err)
{
	char text[3 * 4220] = "";
	char path[4200];
	size_t used = 0;
	struct stat st;

	if (lstat(rootfs, &st) < 0)
		return barco_err_errno(err, "lstat %s", rootfs);
	for (size_t i = 0; i < BARCO_NAME_FILES; i++) {
		(void)snprintf(path, sizeof(path), "%s%s", strcmp(rootfs, "/") == 0 ? "" : rootfs,
			       barco_name_files[i].target);
		if (!made[i] && !listed_elsewhere(run_fd, dir_fd, path, NULL))
			continue;
		if (!made[i])
			barco_report_add(rep,
					 "%s: the mount point another container made, shared: "
					 "noted here too, removed by the last of them to go",
					 barco_name_files[i].target);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%u %s\n",
					 (unsigned)st.st_uid, path);
	}
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

/* Each listed mount point no other live container lists: removed (remove_mount_point). */
static void remove_listed(int dir_fd, int run_fd, char *text, barco_lease_live_fn is_live,
			  struct barco_report *rep)
{
	char *save = NULL;
	unsigned uid;
	int at;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u %n", &uid, &at) != 1)
			continue;
		if (listed_elsewhere(run_fd, dir_fd, line + at, is_live))
			barco_report_add(rep, "%s: kept, another live container binds over it",
					 line + at);
		else
			remove_mount_point(line + at, uid, rep);
	}
}

/*
 * Under the run directory's lock; the list goes with its last use, so
 * that of two containers leaving at once the second sees the first's
 * gone and removes what they shared.
 */
void barco_net_names_remove(int dir_fd, barco_lease_live_fn is_live, struct barco_report *rep)
{
	struct barco_report scratch;
	cleanup_free char *text = read_list(dir_fd);
	cleanup_close int run_fd = -1;
	struct barco_err err;

	if (!text)
		return;
	if (!rep) {
		barco_report_clear(&scratch);
		rep = &scratch;
	}
	/* Without the lock nothing is known of the others: a file left beats binds taken. */
	if (barco_net_names_lock(dir_fd, &run_fd, &err) < 0) {
		barco_report_add(rep, "mount points left: %s", err.msg);
		return;
	}
	remove_listed(dir_fd, run_fd, text, is_live, rep);
	(void)unlinkat(dir_fd, "mountpoints", 0);
}
