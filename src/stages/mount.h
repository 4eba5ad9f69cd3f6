#pragma once
/*
 * The container's filesystem view, built inside its own mount namespace:
 * private propagation, a recursive bind of the rootfs, /proc, read-only
 * /sys, a tmpfs /dev with the standard nodes bind-mounted from the host
 * (mknod of devices is refused in a user namespace), devpts, /dev/shm,
 * /tmp, the masked and read-only paths mature runtimes use, then
 * pivot_root and the old root detached. The mounts are rows in tables.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

struct barco_mount_def {
	const char *source;
	const char *target; /* relative to the new root, absolute form ("/proc") */
	const char *fstype;
	unsigned long flags;
	const char *data;
	bool is_copy_up; /* tmpcopyup: the tmpfs starts with the covered directory's content */
};

/* Filesystems mounted into the new root, in order. */
extern const struct barco_mount_def barco_mounts[];
extern const size_t barco_mounts_len;

/* Device nodes bind-mounted from the host into /dev. */
extern const char *const barco_dev_nodes[];
extern const size_t barco_dev_nodes_len;

/* Symlinks in /dev: { link, target }. */
extern const char *const barco_dev_links[][2];
extern const size_t barco_dev_links_len;

/* Hidden: /dev/null bound over files, an empty read-only tmpfs over directories. */
extern const char *const barco_masked_paths[];
extern const size_t barco_masked_paths_len;

/* Bound read-only onto themselves. */
extern const char *const barco_readonly_paths[];
extern const size_t barco_readonly_paths_len;

/*
 * In the container (its own user and mount namespaces, after the maps are
 * written): builds the filesystem and pivots into it. rootfs_fd is
 * cfg->rootfs opened (O_PATH) by the runner on the host. When cfg->rootfs
 * is "/", the host root is bound read-only, with fresh /proc, /dev, /sys,
 * /tmp.
 */
/*
 * tmpcopyup: copies the tree under covered_fd (the directory a tmpfs was
 * just mounted over, opened before) into path, the new tmpfs.
 */
int barco_mount_copy_up(int covered_fd, const char *path, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * process.terminal (barco create --console-socket): a pty of the
 * container's own devpts, its slave bound over /dev/console. Call after
 * barco_mount_setup; *ret_master and *ret_slave are close-on-exec.
 */
int barco_mount_console(int *ret_master, int *ret_slave, struct barco_report *rep,
			struct barco_err *err) __attribute__((warn_unused_result));

/*
 * idmapped_fd: the rootfs's id-mapped clone (stages/idmap.h), attached
 * instead of a plain clone, or -1; closed here either way.
 */
int barco_mount_build(const struct barco_config *cfg, int rootfs_fd, int idmapped_fd,
		      struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The second half of the mounts stage, after barco_mount_build (and the
 * OCI createContainer hooks, which see the mounts before the root
 * changes): pivot_root into the cwd, sysctls, masked and read-only paths,
 * a read-only root.
 */
int barco_mount_pivot(const struct barco_config *cfg, struct barco_report *rep,
		      struct barco_err *err) __attribute__((warn_unused_result));

/* The whole mounts stage: barco_mount_build, then barco_mount_pivot. */
int barco_mount_setup(const struct barco_config *cfg, int rootfs_fd, int idmapped_fd,
		      struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
