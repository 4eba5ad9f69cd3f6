#include "stages/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/rootless.h"
#include "stages/userns.h"

bool barco_idmap_is_wanted(const struct barco_config *cfg, int rootfs_fd)
{
	struct stat st;

	if (cfg->is_userns_host || cfg->bundle || strcmp(cfg->rootfs, "/") == 0 ||
	    fstat(rootfs_fd, &st) < 0 || st.st_uid != 0)
		return false;
	for (size_t i = 0; i < cfg->uidmap_len; i++)
		if (cfg->uidmap[i].inside == 0 && cfg->uidmap[i].outside == 0)
			return false;
	return true;
}

/*
 * A child in a new user namespace with cfg's maps, kept until its
 * namespace is open: *ret_fd is /proc/PID/ns/user. The child is killed
 * and reaped on return (the namespace lives on in the fd).
 */
static int open_mapped_userns(const struct barco_config *cfg, int *ret_fd, struct barco_err *err)
{
	cleanup_pid pid_t pid = 0;
	cleanup_close int ready_r = -1;
	cleanup_close int ready_w = -1;
	struct barco_report ignored = {0};
	char path[64];
	int fds[2];
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return barco_err_errno(err, "pipe");
	ready_r = fds[0];
	ready_w = fds[1];
	pid = fork();
	if (pid < 0)
		return barco_err_errno(err, "fork");
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) == 0 && write(ready_w, "u", 1) == 1)
			pause(); /* until SIGKILL */
		_exit(1);
	}
	(void)close(barco_steal_fd(&ready_w));
	if (read(ready_r, &c, 1) != 1)
		return barco_err_set(err, 0, "unshare(CLONE_NEWUSER) failed in the helper");
	if (barco_userns_write_maps(pid, cfg, &ignored, err) < 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	*ret_fd = open(path, O_RDONLY | O_CLOEXEC);
	return *ret_fd < 0 ? barco_err_errno(err, "open %s", path) : 0;
}

/* What mount_setattr(2)'s errno means here. */
static const char *idmap_refusal(int errnum)
{
	if (errnum == EINVAL)
		return "EINVAL: a filesystem of the tree does not support id-mapped mounts";
	if (errnum == ENOSYS)
		return "ENOSYS: the kernel has no mount_setattr(2) (Linux 5.12)";
	return strerrorname_np(errnum) ? strerrorname_np(errnum) : "error";
}

int barco_idmap_rootfs(const struct barco_config *cfg, int rootfs_fd, int *ret_fd,
		       struct barco_report *rep, struct barco_err *err)
{
	cleanup_close int userns = -1;
	cleanup_close int tree = -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP};

	if (barco_rootless_is())
		return barco_err_set(
			err, 0,
			"rootless: mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN "
			"over the filesystem, which only the host's root has");
	if (open_mapped_userns(cfg, &userns, err) < 0)
		return barco_err_wrap(err, "a user namespace for the id-mapped mount");
	tree = open_tree(rootfs_fd, "",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return barco_err_errno(err, "open_tree(rootfs, OPEN_TREE_CLONE)");
	attr.userns_fd = (uint64_t)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return barco_err_set(err, 0, "mount_setattr(MOUNT_ATTR_IDMAP) on a clone of %s: %s",
				     cfg->rootfs, idmap_refusal(errno));
	barco_report_add(rep,
			 "rootfs %s belongs to host root: open_tree(rootfs_fd, \"\", "
			 "OPEN_TREE_CLONE|AT_RECURSIVE) = treefd, mount_setattr(treefd, \"\", "
			 "AT_RECURSIVE, {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = the maps "
			 "below}) = 0: host uid 0 on disk is root inside",
			 cfg->rootfs);
	*ret_fd = barco_steal_fd(&tree);
	return 0;
}
