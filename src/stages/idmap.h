#pragma once
/*
 * Id-mapped mounts (mount_setattr(2), MOUNT_ATTR_IDMAP, Linux 5.12): a
 * rootfs owned by the host's root is shown to the container through a
 * clone of its mount whose ids go through the container's own id maps.
 * Host uid 0 on disk is then container root, and what container root
 * creates is owned by host uid 0 on disk: an unpacked image works as it
 * is, without a chown of every file.
 *
 * The runner makes the clone before it clones the container (whose
 * mounts stage attaches it in place of a plain clone), because the kernel
 * wants CAP_SYS_ADMIN over the filesystem itself, which only the host's
 * root has for a disk filesystem: never the container, nor an ordinary
 * user (rootless).
 */
#include <stdbool.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/*
 * Whether the rootfs should be id-mapped: a barco run (not an OCI bundle,
 * whose config says how it wants ids), in a user namespace, of a rootfs
 * other than "/" whose top directory belongs to host uid 0, which the maps
 * do not already give to container root.
 */
bool barco_idmap_is_wanted(const struct barco_config *cfg, int rootfs_fd);

/*
 * A detached clone of the tree at rootfs_fd (open_tree(2)) with cfg's id
 * maps on it, through a short-lived process in a user namespace with those
 * maps. Fills *ret_fd; on failure (the kernel or a filesystem of the tree
 * cannot) returns -1 with err and leaves *ret_fd alone.
 */
int barco_idmap_rootfs(const struct barco_config *cfg, int rootfs_fd, int *ret_fd,
		       struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
