#pragma once
/*
 * The name files of a container with a network of its own (--net=bridge,
 * --net=slirp4netns): /etc/hosts, /etc/hostname and /etc/resolv.conf,
 * each a file of barco's bound over the rootfs's (nothing is written into
 * the rootfs; a missing file gets an empty mount point, as runc makes,
 * removed when the container goes).
 */
#include <stdbool.h>
#include "base/err.h"
#include "base/report.h"

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
 * Notes the mount points made (made[i]) in dir_fd's "mountpoints": one
 * "UID PATH" line each, PATH on the host under rootfs, UID the rootfs's
 * owner there, which is what the file is made as.
 */
int barco_net_names_note(int dir_fd, const char *rootfs, const bool *made, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Removes the mount points noted, if they are still what barco made: an
 * empty regular file of the rootfs's owner. rep may be NULL; dir_fd -1.
 */
void barco_net_names_remove(int dir_fd, struct barco_report *rep);
