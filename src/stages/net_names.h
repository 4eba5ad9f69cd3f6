#pragma once
/*
 * The name files of a container with a network of its own (--net=bridge,
 * --net=slirp4netns): /etc/hosts, /etc/hostname and /etc/resolv.conf,
 * each a file of barco's bound over the rootfs's (nothing is written into
 * the rootfs; a missing file gets an empty mount point, as runc makes,
 * removed when the last container that binds over it goes).
 *
 * Two containers on one rootfs share such a mount point: the second finds
 * the file the first made. Unlinking a mount point detaches its mounts in
 * every mount namespace, so the first to leave would take the second's
 * binds. Each container therefore lists in its state directory's
 * "mountpoints" every mount point barco made that it binds over, its own
 * and those it shares, and a mount point is removed only when no other
 * live container lists it. Listing and removing happen under flock(2) on
 * the run directory, the state directories' parent.
 */
#include <stdbool.h>
#include "base/err.h"
#include "base/report.h"
#include "stages/net_lease.h"

#define BARCO_NAME_FILES 3

/* file: the name barco's copy has (in the state directory); target: where it is bound. */
struct barco_name_file {
	const char *file;
	const char *target;
};
extern const struct barco_name_file barco_name_files[BARCO_NAME_FILES];

/* Writes text into dir_fd/file (created 0644, truncated). */
int barco_net_names_write(int dir_fd, const char *file, const char *text, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * In the container's mount namespace: trees[i], a detached clone of
 * barco_name_files[i] (open_tree(2) OPEN_TREE_CLONE; from names the place
 * in the report), moved over its target (move_mount(2)). ret_made[i]: its
 * mount point was made. A target that is not a regular file, or cannot be
 * made (a read-only rootfs, or /etc of an owner container root is not),
 * is left alone and said so.
 */
int barco_net_names_attach(const int *trees, const char *from, bool *ret_made,
			   struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Closes the trees that are open. */
void barco_net_names_close(int *trees);

/*
 * Opens the run directory (dir_fd's parent: dir_fd is a container's state
 * directory) and takes flock(2) LOCK_EX on it; *ret_fd holds the lock.
 */
int barco_net_names_lock(int dir_fd, int *ret_fd, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Whether text (a "mountpoints": "UID PATH" lines) lists path. */
bool barco_net_names_lists(const char *text, const char *path);

/*
 * Under barco_net_names_lock (run_fd): notes in dir_fd's "mountpoints",
 * one "UID PATH" line each (PATH on the host under rootfs, UID the
 * rootfs's owner there, which is what the file is made as), the mount
 * points made (made[i]) and those another container's "mountpoints"
 * lists (made by another, bound over by this one too).
 */
int barco_net_names_note(int dir_fd, int run_fd, const char *rootfs, const bool *made,
			 struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Under the run directory's lock: removes the mount points noted that no
 * other container's "mountpoints" lists (with is_live, only a live
 * container's counts), if they are still what barco made (an empty
 * regular file of the rootfs's owner), then the list itself. rep may be
 * NULL; dir_fd -1.
 */
void barco_net_names_remove(int dir_fd, barco_lease_live_fn is_live, struct barco_report *rep);
