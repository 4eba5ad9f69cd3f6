/*
 * The container's filesystem, built inside its own mount namespace. Every
 * mount is a row in a table below and one loop walks each table; see
 * mount_namespaces(7), pivot_root(2), mount_setattr(2).
 */
#include "stages/mount.h"
#include "stages/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/util.h"
#include "stages/cgroup.h"

/* Debian's "tty" group: devpts gives new terminals this group (mode 0620) so write(1) works. */
#define TTY_GID 5

/*
 * The empty file bound over masked files. It is created on the container's
 * own /dev tmpfs and unlinked once bound: the binds keep it alive, nothing
 * is left behind. runc binds /dev/null instead, but writes to a character
 * device succeed even on a read-only mount (do_dentry_open() skips the
 * mount's write check for special files), and a masked
 * /proc/sysrq-trigger must refuse writes.
 */
#define MASK_FILE "/dev/.barco-masked"

const struct barco_mount_def barco_mounts[] = {
	{"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false},
	/* No MS_NODEV: the device nodes bound into it must stay usable. */
	{"tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", false},
	/*
	 * Every devpts mount is a new instance, with terminals of its own, since
	 * Linux 4.7 (devpts.rst; "newinstance" is ignored). ptmxmode: its ptmx
	 * is created 0000, and /dev/ptmx leads to it.
	 */
	{"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620", false},
	{"shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
	 false},
	{"mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false},
	{"sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false},
	{"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false},
};
const size_t barco_mounts_len = ARRAY_LEN(barco_mounts);

const char *const barco_dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
const size_t barco_dev_nodes_len = ARRAY_LEN(barco_dev_nodes);

const char *const barco_dev_links[][2] = {
	{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};
const size_t barco_dev_links_len = ARRAY_LEN(barco_dev_links);

/* runc's and Docker's lists; /proc/sysrq-trigger is masked here (stronger than read-only). */
const char *const barco_masked_paths[] = {
	"/proc/acpi",	       "/proc/asound",	      "/proc/kcore",
	"/proc/keys",	       "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats",   "/proc/sched_debug",   "/proc/scsi",
	"/proc/sysrq-trigger", "/sys/firmware",	      "/sys/devices/virtual/powercap",
};
const size_t barco_masked_paths_len = ARRAY_LEN(barco_masked_paths);

const char *const barco_readonly_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"};
const size_t barco_readonly_paths_len = ARRAY_LEN(barco_readonly_paths);

/* In the order a reader expects: what kind of call, then the mount's own flags. */
static const struct barco_flag_name ms_flag_names[] = {
	{MS_BIND, "MS_BIND"},	      {MS_REC, "MS_REC"},
	{MS_REMOUNT, "MS_REMOUNT"},   {MS_PRIVATE, "MS_PRIVATE"},
	{MS_RDONLY, "MS_RDONLY"},     {MS_NOSUID, "MS_NOSUID"},
	{MS_NODEV, "MS_NODEV"},	      {MS_NOEXEC, "MS_NOEXEC"},
	{MS_NOATIME, "MS_NOATIME"},   {MS_NODIRATIME, "MS_NODIRATIME"},
	{MS_RELATIME, "MS_RELATIME"}, {MS_STRICTATIME, "MS_STRICTATIME"},
};

/*
 * A read-only remount of a bind replaces all its per-mount flags, and a
 * mount locked by a less privileged user namespace refuses to lose any of
 * them (EPERM, mount_namespaces(7)): carry over what statvfs reports.
 */
struct st_to_ms {
	unsigned long st;
	unsigned long ms;
};

static const struct st_to_ms kept_flags[] = {
	{ST_NOSUID, MS_NOSUID},	  {ST_NODEV, MS_NODEV},		  {ST_NOEXEC, MS_NOEXEC},
	{ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
};

/* "MS_BIND|MS_REC", or "0". */
static const char *ms_flags_str(unsigned long flags, char *buf, size_t size)
{
	return barco_flags_str(ms_flag_names, ARRAY_LEN(ms_flag_names), flags, buf, size);
}

/* A string argument as the report shows it: quoted, or NULL. */
#define Q(s) (s) ? "\"" : "", (s) ? (s) : "NULL", (s) ? "\"" : ""

/* mount(2), reported (when rep is not NULL) with its real arguments. */
static int do_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
		    const char *data, struct barco_report *rep, struct barco_err *err)
{
	char names[160];

	ms_flags_str(flags, names, sizeof(names));
	if (mount(source, target, fstype, flags, data) < 0)
		return barco_err_errno(err, "mount %s on %s (%s)",
				       fstype ? fstype : (source ? source : "none"), target, names);
	if (rep)
		barco_report_add(rep, "mount(%s%s%s, \"%s\", %s%s%s, %s, %s%s%s) = 0", Q(source),
				 target, Q(fstype), names, Q(data));
	return 0;
}

static int join_path(char *buf, size_t size, const char *root, const char *rel,
		     struct barco_err *err)
{
	int n = snprintf(buf, size, "%s%s", root, rel);

	if (n < 0 || (size_t)n >= size)
		return barco_err_set(err, ENAMETOOLONG, "path %s%s", root, rel);
	return 0;
}

static int ensure_dir(const char *path, struct barco_err *err)
{
	struct stat st;

	/* Checked first: on the read-only host root (rootfs "/") mkdir would fail. */
	if (stat(path, &st) == 0)
		return 0;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return barco_err_errno(err, "mkdir %s", path);
	return 0;
}

/*
 * A bind mount's target has the source's kind: an empty file for a file
 * (an OCI bundle's /etc/hosts), a directory otherwise; missing parents are
 * made (an OCI destination may be deep).
 */
static int ensure_target(const struct barco_mount_def *row, char *path, struct barco_err *err)
{
	struct stat st;
	int fd;

	for (char *slash = strchr(path + 2, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		int r = ensure_dir(path, err);
		*slash = '/';
		if (r < 0)
			return -1;
	}
	if (!(row->flags & MS_BIND) || stat(row->source, &st) < 0 || S_ISDIR(st.st_mode) ||
	    stat(path, &st) == 0)
		return ensure_dir(path, err);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return barco_err_errno(err, "create %s", path);
	(void)close(fd);
	return 0;
}

/* Read-only remount keeping the flags the mount already has. */
static int remount_ro(const char *path, struct barco_report *rep, struct barco_err *err)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	struct statvfs sv;

	if (statvfs(path, &sv) < 0)
		return barco_err_errno(err, "statvfs %s", path);
	for (size_t i = 0; i < ARRAY_LEN(kept_flags); i++)
		if (sv.f_flag & kept_flags[i].st)
			flags |= kept_flags[i].ms;
	return do_mount(NULL, path, NULL, flags, NULL, rep, err);
}

static int setattr_rdonly(int dfd, const char *path, unsigned int at_flags, const char *shown,
			  struct barco_report *rep, struct barco_err *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

	if (mount_setattr(dfd, path, at_flags, &attr, sizeof(attr)) < 0)
		return barco_err_errno(err, "mount_setattr %s read-only", shown);
	barco_report_add(rep, "mount_setattr(%s, \"%s\", %s, {.attr_set = MOUNT_ATTR_RDONLY}) = 0",
			 dfd == AT_FDCWD ? "AT_FDCWD" : "treefd", path,
			 at_flags & AT_EMPTY_PATH ? "AT_EMPTY_PATH|AT_RECURSIVE" : "AT_RECURSIVE");
	return 0;
}

/*
 * pivot_root(2) needs the new root to be a mount point. The rootfs is
 * reached through rootfs_fd, which the runner opened on the host: container
 * root (an unprivileged uid outside) may not be allowed to walk the path
 * to it, and an fd cannot be swapped for a symlink between the check and
 * the mount. open_tree(2) clones the tree, the clone is made read-only
 * while detached when it is the host's "/", move_mount(2) attaches it over
 * the rootfs, and fchdir(2) enters it: from here on the new root is ".".
 * (A plain bind onto "/" would sit above the process root, where lookups
 * never look; entering through the tree's fd avoids that too.)
 */
static int enter_new_root(int rootfs_fd, int idmapped_fd, bool is_host_root,
			  struct barco_report *rep, struct barco_err *err)
{
	cleanup_close int tree = idmapped_fd >= 0 ? idmapped_fd
						  : open_tree(rootfs_fd, "",
							      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
								      AT_RECURSIVE | AT_EMPTY_PATH);

	if (tree < 0)
		return barco_err_errno(err, "open_tree(rootfs, OPEN_TREE_CLONE)");
	barco_report_add(rep,
			 idmapped_fd >= 0
				 ? "treefd = the id-mapped clone the runner made (userns stage)"
				 : "open_tree(rootfs_fd, \"\", OPEN_TREE_CLONE|AT_RECURSIVE|"
				   "AT_EMPTY_PATH) = treefd");
	if (is_host_root &&
	    setattr_rdonly(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, "/ (clone)", rep, err) < 0)
		return -1;
	if (move_mount(tree, "", rootfs_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return barco_err_errno(err, "move_mount the rootfs clone onto the rootfs");
	barco_report_add(rep, "move_mount(treefd, \"\", rootfs_fd, \"\", "
			      "MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH) = 0");
	if (fchdir(tree) < 0)
		return barco_err_errno(err, "fchdir into the rootfs clone");
	barco_report_add(rep, "fchdir(treefd) = 0: \".\" is the new root");
	return 0;
}

static bool gid_tty_is_mapped(const struct barco_config *cfg)
{
	return cfg->is_userns_host || barco_idmap_contains(cfg->gidmap, cfg->gidmap_len, TTY_GID);
}

/* devpts refuses gid= for a group the user namespace does not map (EINVAL). */
static const char *row_data(const struct barco_mount_def *row, const struct barco_config *cfg,
			    char *buf, size_t size)
{
	if (strcmp(row->fstype, "devpts") != 0 || !gid_tty_is_mapped(cfg))
		return row->data;
	(void)snprintf(buf, size, "%s,gid=%d", row->data, TTY_GID);
	return buf;
}

/*
 * sysfs may only be mounted by the owner of the network namespace
 * (sysfs_get_tree(): EPERM), and in the host's network namespace it is the
 * host's superblock, refused on a mount of itself (do_add_mount(): EBUSY,
 * rootfs "/"). Either way, show the host's /sys read-only.
 */
static int sysfs_fallback(const char *path, int errnum, struct barco_report *rep,
			  struct barco_err *err)
{
	barco_report_add(rep, "mount sysfs on %s: %s; falling back to a read-only bind of /sys",
			 path, strerrorname_np(errnum));
	if (do_mount("/sys", path, NULL, MS_BIND | MS_REC, NULL, rep, err) < 0)
		return -1;
	return setattr_rdonly(AT_FDCWD, path, AT_RECURSIVE, path, rep, err);
}

/* One of the container's cgroup directories bound at path/sub (the name of its hierarchy). */
static int bind_own_cgroup(const char *path, const char *mount_point, const char *dir,
			   struct barco_report *rep, struct barco_err *err)
{
	const char *sub = strrchr(mount_point, '/');
	char target[PATH_MAX];

	if (!dir[0] || !sub || snprintf(target, sizeof(target), "%s%s", path, sub) >= PATH_MAX)
		return 0;
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		return barco_err_errno(err, "mkdir %s", target);
	return do_mount(dir, target, NULL, MS_BIND | MS_REC, NULL, rep, err);
}

/*
 * runc's "cgroup" mount on a hybrid or v1 host: a tmpfs, and in it each
 * hierarchy's directory of this container (memory, cpu, pids, freezer, and
 * the cgroup2 one as "unified"), so that /sys/fs/cgroup/memory/memory.limit_in_bytes
 * is the container's own limit. Read-only as the row asks, all at once.
 */
static int cgroup_v1_binds(const struct barco_mount_def *row, const char *path,
			   const struct barco_config *cfg, struct barco_report *rep,
			   struct barco_err *err)
{
	struct barco_cgroup_layout layout;
	struct barco_cgroup cg;

	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	/* Where the cgroups stage made them: linux.cgroupsPath's place, else barco/NAME. */
	if (cfg->cgroup_want)
		cg = *cfg->cgroup_want;
	else
		barco_cgroup_paths_for(&layout, cfg->name, &cg);
	if (do_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", rep,
		     err) < 0)
		return -1;
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (bind_own_cgroup(path, layout.v1_mount[c], cg.v1_path[c], rep, err) < 0)
			return -1;
	if (bind_own_cgroup(path, layout.freezer_mount, cg.freezer_path, rep, err) < 0 ||
	    bind_own_cgroup(path, layout.unified_mount, cg.unified_path, rep, err) < 0)
		return -1;
	if (row->flags & MS_RDONLY)
		return setattr_rdonly(AT_FDCWD, path, AT_RECURSIVE, path, rep, err);
	return 0;
}

/*
 * An OCI bundle's "cgroup" mount: a plain mount of every v1 hierarchy fails
 * on a hybrid host (EBUSY) and in a user namespace (EPERM). Where barco's
 * cgroups are v1 ones, runc's layout (cgroup_v1_binds); on cgroup v2 the
 * unified hierarchy, as the cgroup namespace shows it; where that is
 * refused too (a user namespace without a cgroup namespace of its own),
 * the host's /sys/fs/cgroup bound read-only, as runc does for rootless
 * containers.
 */
static int cgroup_fallback(const struct barco_mount_def *row, const char *path, int errnum,
			   const struct barco_config *cfg, struct barco_report *rep,
			   struct barco_err *err)
{
	struct barco_cgroup_layout layout;

	barco_report_add(rep, "mount cgroup on %s: %s", path, strerrorname_np(errnum));
	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	if (layout.mode != BARCO_CGROUP_V2)
		return cgroup_v1_binds(row, path, cfg, rep, err);
	if (mount("cgroup2", path, "cgroup2", row->flags, NULL) == 0) {
		barco_report_add(rep, "mount(\"cgroup2\", \"%s\", \"cgroup2\") = 0", path);
		return 0;
	}
	if (errno != EPERM)
		return barco_err_errno(err, "mount cgroup2 on %s", path);
	barco_report_add(rep, "mount cgroup2 on %s: EPERM; a read-only bind of /sys/fs/cgroup",
			 path);
	if (do_mount("/sys/fs/cgroup", path, NULL, MS_BIND | MS_REC, NULL, rep, err) < 0)
		return -1;
	return setattr_rdonly(AT_FDCWD, path, AT_RECURSIVE, path, rep, err);
}

/* What a failed row may do instead of failing the container. */
static int mount_row_failed(const struct barco_mount_def *row, const char *path, int errnum,
			    const struct barco_config *cfg, struct barco_report *rep,
			    struct barco_err *err)
{
	char names[160];

	if (strcmp(row->fstype, "mqueue") == 0 && (errnum == EPERM || errnum == ENODEV)) {
		barco_report_add(rep, "mount mqueue on %s: %s; skipped (optional)", path,
				 strerrorname_np(errnum));
		return 0;
	}
	if (strcmp(row->fstype, "sysfs") == 0 && (errnum == EPERM || errnum == EBUSY))
		return sysfs_fallback(path, errnum, rep, err);
	if (strcmp(row->fstype, "cgroup") == 0)
		return cgroup_fallback(row, path, errnum, cfg, rep, err);
	return barco_err_set(err, errnum, "mount %s on %s (%s)", row->fstype, path,
			     ms_flags_str(row->flags, names, sizeof(names)));
}

static int mount_row(const char *root, const struct barco_mount_def *row,
		     const struct barco_config *cfg, struct barco_report *rep,
		     struct barco_err *err)
{
	char path[PATH_MAX];
	char data[128];
	char names[160];
	const char *options = row_data(row, cfg, data, sizeof(data));

	cleanup_close int covered = -1;

	if (join_path(path, sizeof(path), root, row->target, err) < 0 ||
	    ensure_target(row, path, err) < 0)
		return -1;
	if (row->is_copy_up && (covered = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return barco_err_errno(err, "tmpcopyup: open %s", path);
	if (mount(row->source, path, row->fstype, row->flags, options) < 0)
		return mount_row_failed(row, path, errno, cfg, rep, err);
	barco_report_add(rep, "mount(\"%s\", \"%s\", \"%s\", %s, %s%s%s) = 0", row->source, path,
			 row->fstype, ms_flags_str(row->flags, names, sizeof(names)), Q(options));
	if (covered >= 0) {
		if (barco_mount_copy_up(covered, path, err) < 0)
			return -1;
		barco_report_add(rep, "tmpcopyup: the content of %s copied into it", path);
	}
	/* mount(2) ignores MS_RDONLY on a new bind: a remount applies it. */
	if ((row->flags & (MS_BIND | MS_RDONLY)) == (MS_BIND | MS_RDONLY))
		return remount_ro(path, rep, err);
	return 0;
}

static int mount_table(const char *root, const struct barco_config *cfg, struct barco_report *rep,
		       struct barco_err *err)
{
	const struct barco_mount_def *rows = cfg->mounts ? cfg->mounts : barco_mounts;
	size_t len = cfg->mounts ? cfg->mounts_len : barco_mounts_len;

	for (size_t i = 0; i < len; i++)
		if (mount_row(root, &rows[i], cfg, rep, err) < 0)
			return -1;
	return 0;
}

/* mknod(2) of devices is refused in a user namespace: bind the host's nodes. */
static int bind_dev_node(const char *root, const char *name, struct barco_err *err)
{
	char host[64];
	char path[PATH_MAX];
	char rel[64];

	(void)snprintf(host, sizeof(host), "/dev/%s", name);
	(void)snprintf(rel, sizeof(rel), "/dev/%s", name);
	if (join_path(path, sizeof(path), root, rel, err) < 0)
		return -1;
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return barco_err_errno(err, "create %s", path);
	return do_mount(host, path, NULL, MS_BIND, NULL, NULL, err);
}

static int bind_dev_nodes(const char *root, struct barco_report *rep, struct barco_err *err)
{
	char names[128] = "";
	size_t len = 0;

	for (size_t i = 0; i < barco_dev_nodes_len; i++) {
		if (bind_dev_node(root, barco_dev_nodes[i], err) < 0)
			return -1;
		int n = snprintf(names + len, sizeof(names) - len, " %s", barco_dev_nodes[i]);
		if (n > 0 && (size_t)n < sizeof(names) - len)
			len += (size_t)n;
	}
	barco_report_add(rep, "mount(\"/dev/N\", \"%s/dev/N\", NULL, MS_BIND, NULL) = 0 for N in%s",
			 root, names);
	return 0;
}

static int make_dev_links(const char *root, struct barco_report *rep, struct barco_err *err)
{
	char path[PATH_MAX];
	char shown[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < barco_dev_links_len; i++) {
		const char *link = barco_dev_links[i][0], *target = barco_dev_links[i][1];
		int n = snprintf(path, sizeof(path), "%s/dev/%s", root, link);

		if (n < 0 || (size_t)n >= sizeof(path))
			return barco_err_set(err, ENAMETOOLONG, "path %s/dev/%s", root, link);
		if (symlink(target, path) < 0)
			return barco_err_errno(err, "symlink %s -> %s", path, target);
		n = snprintf(shown + len, sizeof(shown) - len, "%s%s -> %s", len ? ", " : "", link,
			     target);
		if (n > 0 && (size_t)n < sizeof(shown) - len)
			len += (size_t)n;
	}
	barco_report_add(rep, "symlink in %s/dev: %s", root, shown);
	return 0;
}

/*
 * --lesson-skip=pivot_root only: chroot(2) changes this process's root and
 * nothing else, so the host's tree stays in the mount namespace, one ".."
 * past a root that a process with CAP_SYS_CHROOT can move (chroot(2), NOTES).
 */
static int chroot_into(struct barco_report *rep, struct barco_err *err)
{
	if (chroot(".") < 0 || chdir("/") < 0)
		return barco_err_errno(err, "chroot(\".\"), chdir(\"/\")");
	barco_report_add(rep,
			 "chroot(\".\") = 0, chdir(\"/\") = 0: NOT pivot_root (--lesson-skip)");
	return 0;
}

/*
 * pivot_root(".", ".") stacks the old root on top of the new one at "."
 * (pivot_root(2), NOTES); detaching "." then removes it, so no put_old
 * directory is ever created.
 */
static int pivot_into(const char *root, struct barco_report *rep, struct barco_err *err)
{
	if (chdir(root) < 0)
		return barco_err_errno(err, "chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return barco_err_errno(err, "pivot_root(\".\", \".\") in %s", root);
	barco_report_add(rep, "pivot_root(\".\", \".\") = 0");
	if (umount2(".", MNT_DETACH) < 0)
		return barco_err_errno(err, "umount2 old root (MNT_DETACH)");
	barco_report_add(rep, "umount2(\".\", MNT_DETACH) = 0");
	if (chdir("/") < 0)
		return barco_err_errno(err, "chdir /");
	barco_report_add(rep, "chdir(\"/\") = 0");
	return 0;
}

static int mask_path(const char *path, const struct stat *st, struct barco_err *err)
{
	if (S_ISDIR(st->st_mode))
		return do_mount("tmpfs", path, "tmpfs",
				MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555", NULL,
				err);
	if (do_mount(MASK_FILE, path, NULL, MS_BIND, NULL, NULL, err) < 0)
		return -1;
	return remount_ro(path, NULL, err);
}

/* A walk over a list of paths (masked, read-only): st is NULL when path does not exist. */
typedef int path_fn(const char *path, const struct stat *st, void *arg, struct barco_err *err);

static int each_path(const char *const *paths, size_t len, path_fn *fn, void *arg,
		     struct barco_err *err)
{
	struct stat st;

	for (size_t i = 0; i < len; i++) {
		bool is_there = lstat(paths[i], &st) == 0;

		if (!is_there && errno != ENOENT)
			return barco_err_errno(err, "lstat %s", paths[i]);
		if (fn(paths[i], is_there ? &st : NULL, arg, err) < 0)
			return -1;
	}
	return 0;
}

/* What mask_all reports: the paths masked, and how many the kernel does not have. */
struct masked {
	char shown[512];
	size_t len;
	size_t absent;
};

static int mask_one(const char *path, const struct stat *st, void *arg, struct barco_err *err)
{
	struct masked *m = arg;
	int n;

	if (!st) {
		m->absent++;
		return 0;
	}
	if (mask_path(path, st, err) < 0)
		return barco_err_wrap(err, "masking %s", path);
	n = snprintf(m->shown + m->len, sizeof(m->shown) - m->len, " %s", path);
	if (n > 0 && (size_t)n < sizeof(m->shown) - m->len)
		m->len += (size_t)n;
	return 0;
}

static int mask_all(const struct barco_config *cfg, struct barco_report *rep, struct barco_err *err)
{
	const char *const *paths = cfg->masked_paths ? cfg->masked_paths : barco_masked_paths;
	size_t len = cfg->masked_paths ? cfg->masked_paths_len : barco_masked_paths_len;
	struct masked m = {.len = 0};

	if (each_path(paths, len, mask_one, &m, err) < 0)
		return -1;
	barco_report_add(rep,
			 "masked (read-only empty tmpfs on dirs, read-only empty file on "
			 "files):%s; %zu absent",
			 m.shown, m.absent);
	return 0;
}

static int mask_paths(const struct barco_config *cfg, struct barco_report *rep,
		      struct barco_err *err)
{
	int fd = open(MASK_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	int rc;

	if (fd < 0)
		return barco_err_errno(err, "create %s", MASK_FILE);
	(void)close(fd);
	rc = mask_all(cfg, rep, err);
	(void)unlink(MASK_FILE); /* the binds keep the file itself */
	return rc;
}

static int make_readonly(const char *path, const struct stat *st, void *rep, struct barco_err *err)
{
	if (!st) {
		barco_report_add(rep, "read-only %s: absent, skipped", path);
		return 0;
	}
	if (do_mount(path, path, NULL, MS_BIND | MS_REC, NULL, rep, err) < 0 ||
	    remount_ro(path, rep, err) < 0)
		return barco_err_wrap(err, "making %s read-only", path);
	return 0;
}

static int readonly_paths(const struct barco_config *cfg, struct barco_report *rep,
			  struct barco_err *err)
{
	const char *const *paths = cfg->readonly_paths ? cfg->readonly_paths : barco_readonly_paths;
	size_t len = cfg->readonly_paths ? cfg->readonly_paths_len : barco_readonly_paths_len;

	return each_path(paths, len, make_readonly, rep, err);
}

/* An OCI bundle's linux.sysctl, into the container's /proc/sys while it is still writable. */
static int write_sysctls(const struct barco_config *cfg, struct barco_report *rep,
			 struct barco_err *err)
{
	for (size_t i = 0; i < cfg->sysctls_len; i++) {
		const struct barco_sysctl *s = &cfg->sysctls[i];
		char path[PATH_MAX];
		cleanup_close int fd = -1;
		size_t len = strlen(s->value);

		(void)snprintf(path, sizeof(path), "/proc/sys/%s", s->key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write(fd, s->value, len) != (ssize_t)len)
			return barco_err_errno(err, "sysctl %s = \"%s\" (%s)", s->key, s->value,
					       path);
		barco_report_add(rep, "sysctl %s = \"%s\"", s->key, s->value);
	}
	return 0;
}

int barco_mount_build(const struct barco_config *cfg, int rootfs_fd, int idmapped_fd,
		      struct barco_report *rep, struct barco_err *err)
{
	bool is_host_root = strcmp(cfg->rootfs, "/") == 0;
	const char *root = "."; /* the new root is the cwd until pivot_root */

	/*
	 * In a new user namespace the kernel already made our copies of shared
	 * mounts slaves, so nothing mounted here reaches the host; private also
	 * stops the host's later mounts from appearing in here, and covers
	 * --userns=host, where the copies stay shared (mount_namespaces(7)).
	 */
	if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, rep, err) < 0) {
		if (idmapped_fd >= 0)
			(void)close(idmapped_fd);
		return -1;
	}
	if (enter_new_root(rootfs_fd, idmapped_fd, is_host_root, rep, err) < 0)
		return barco_err_wrap(err, "entering rootfs %s", cfg->rootfs);
	if (mount_table(root, cfg, rep, err) < 0 || bind_dev_nodes(root, rep, err) < 0 ||
	    barco_devices_create(root, cfg, rep, err) < 0 || make_dev_links(root, rep, err) < 0)
		return barco_err_wrap(err, "preparing mounts in %s", cfg->rootfs);
	return 0;
}

int barco_mount_pivot(const struct barco_config *cfg, struct barco_report *rep,
		      struct barco_err *err)
{
	const char *root = ".";

	if (cfg->is_lesson_chroot ? chroot_into(rep, err) < 0 : pivot_into(root, rep, err) < 0)
		return barco_err_wrap(err, "pivoting into %s", cfg->rootfs);
	if (write_sysctls(cfg, rep, err) < 0 || mask_paths(cfg, rep, err) < 0 ||
	    readonly_paths(cfg, rep, err) < 0)
		return barco_err_wrap(err, "hiding kernel interfaces");
	if (cfg->is_rootfs_readonly && remount_ro("/", rep, err) < 0)
		return barco_err_wrap(err, "making the root read-only");
	return 0;
}

int barco_mount_setup(const struct barco_config *cfg, int rootfs_fd, int idmapped_fd,
		      struct barco_report *rep, struct barco_err *err)
{
	if (barco_mount_build(cfg, rootfs_fd, idmapped_fd, rep, err) < 0)
		return -1;
	return barco_mount_pivot(cfg, rep, err);
}

int barco_mount_console(int *ret_master, int *ret_slave, struct barco_report *rep,
			struct barco_err *err)
{
	cleanup_close int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	cleanup_close int slave = -1;
	char path[64];
	int unlock = 0, n = -1, fd;

	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return barco_err_errno(err, "open a pty on /dev/pts/ptmx");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return barco_err_errno(err, "ioctl(TIOCGPTPEER)");
	(void)snprintf(path, sizeof(path), "/dev/pts/%d", n);
	fd = open("/dev/console", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return barco_err_errno(err, "create /dev/console");
	(void)close(fd);
	if (do_mount(path, "/dev/console", NULL, MS_BIND, NULL, rep, err) < 0)
		return -1;
	barco_report_add(rep, "console: %s (its master is sent to --console-socket)", path);
	*ret_master = steal_fd(&master);
	*ret_slave = steal_fd(&slave);
	return 0;
}
