#pragma once
/*
 * Per-container state under /run/barco/NAME/. The directory is the
 * container's claim on its name: whoever holds flock() on it owns the
 * container. A directory nobody holds is stale (its owner died without
 * cleaning up): it and the cgroups of the same name can be reclaimed
 * without racing a live container.
 */
#include <stddef.h>
#include <sys/types.h>
#include "cgroup.h"
#include "err.h"

#define BARCO_RUN_DIR "/run/barco"

/*
 * Creates and locks /run/barco/NAME; ret_fd holds the lock. Fails with
 * EEXIST when a live container has the name. A stale directory of the
 * same name is reclaimed first.
 */
int barco_state_claim(const char *name, const struct barco_cgroup_layout *layout, int *ret_fd,
		      struct barco_err *err) __attribute__((warn_unused_result));

/* Removes the state directory of name; dir_fd is its (locked) fd, closed here. */
void barco_state_release(const char *name, int dir_fd);

/* Reclaims every stale container: its cgroups and its state directory. */
void barco_state_reclaim_all(const struct barco_cgroup_layout *layout);

/* Writes state.json atomically (write to a temporary file, then rename). */
int barco_state_write(int dir_fd, const char *name, pid_t pid, pid_t runner_pid,
		      const char *stage, const char *rootfs, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Escapes s as a JSON string body (no quotes) into buf; truncates safely. */
const char *barco_json_escape(const char *s, char *buf, size_t size);
