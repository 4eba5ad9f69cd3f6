#pragma once
/*
 * The default rootfs: busybox-static and its applet links, a minimal /etc,
 * owned by the uid and gid that root inside the container maps to, so that
 * container root owns its files. Built in a temporary directory next to the
 * destination and renamed into place, so a crash never leaves half a rootfs
 * and two first runs at once do not collide.
 */
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"

#define BARCO_BUSYBOX_PATH "/bin/busybox"

/* $BARCO_HOME or /var/lib/barco, and its rootfs: "<home>/rootfs". */
int barco_rootfs_default_path(char *buf, size_t size, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Creates a busybox rootfs at dir (which must not exist), owned by uid:gid. */
int barco_rootfs_create(const char *dir, uid_t owner_uid, gid_t owner_gid, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The default rootfs, created on first use; path into buf. */
int barco_rootfs_ensure_default(char *buf, size_t size, uid_t owner_uid, gid_t owner_gid,
				struct barco_err *err) __attribute__((warn_unused_result));
