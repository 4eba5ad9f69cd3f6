#pragma once
/*
 * Per-container state under /run/barco/NAME/. The directory is the
 * container's claim on its name: whoever holds flock() on it owns the
 * container. A directory nobody holds is stale (its owner died without
 * cleaning up): it and the cgroups of the same name can be reclaimed
 * without racing a live container.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "stages/cgroup.h"
#include "base/config.h"
#include "base/err.h"

#define BARCO_ROOT_RUN_DIR "/run/barco"

/*
 * Where state directories live: /run/barco for root; for anyone else
 * $XDG_RUNTIME_DIR/barco, or /tmp/barco-UID when that is unset.
 */
const char *barco_state_run_dir(void);
#define BARCO_RUN_DIR barco_state_run_dir()

/*
 * Fails (naming the fix) when the state directory exists but another user
 * could have made or could write it; 0 when it is ours, or absent.
 */
int barco_state_check_run_dir(struct barco_err *err) __attribute__((warn_unused_result));
/* --net=bridge (root only): the address leases (stages/net_lease.h). */
#define BARCO_NET_LEASES BARCO_ROOT_RUN_DIR "/net-leases"

/*
 * Creates and locks /run/barco/NAME; ret_fd holds the lock. Fails with
 * EEXIST when a live container has the name. A stale directory of the
 * same name is reclaimed first.
 */
int barco_state_claim(const char *name, const struct barco_cgroup_layout *layout, int *ret_fd,
		      struct barco_err *err) __attribute__((warn_unused_result));

/* Removes the state directory of name; dir_fd is its (locked) fd, closed here. */
void barco_state_release(const char *name, int dir_fd);

/* What state.json holds. */
struct barco_state {
	char name[BARCO_NAME_MAX + 1];
	pid_t pid;	  /* the container process; 0 before it exists */
	pid_t runner_pid; /* barco run, or the step monitor */
	char stage[32];	  /* the last stage done, or "created" */
	char rootfs[4096];
	long long created; /* seconds since the epoch */
};

/* Parses state.json text. */
int barco_state_parse(const char *json, struct barco_state *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Reads /run/barco/NAME/state.json. */
int barco_state_read(const char *name, struct barco_state *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Reclaims name if its owner is gone. Returns 1 when it was stale and is
 * now removed (cgroups included), 0 when a live owner holds it (or it is
 * a container `barco create` made, unless is_oci_ok: `delete` removes
 * those), -1 with errno ENOENT when there is no such container.
 */
int barco_state_reclaim(const char *name, const struct barco_cgroup_layout *layout, bool is_oci_ok);

/* True when a live owner holds name. */
bool barco_state_is_live(const char *name);

/* Reclaims every stale container: its cgroups and its state directory. */
void barco_state_reclaim_all(const struct barco_cgroup_layout *layout);

/* Puts text in the state directory dir_fd (of container name) as file, atomically, mode 0600. */
int barco_state_write_file(int dir_fd, const char *name, const char *file, const char *text,
			   struct barco_err *err) __attribute__((warn_unused_result));

/*
 * STATE/cgroup.json: the container's cgroup directories (and the parents
 * made for them), written when linux.cgroupsPath placed them.
 */
int barco_state_write_cgroup(int dir_fd, const char *name, const struct barco_cgroup *cg,
			     struct barco_err *err) __attribute__((warn_unused_result));

/*
 * The cgroups of container name, the one lookup every verb uses: as
 * cgroup.json in its state directory dir_fd records them, else barco/NAME
 * in each hierarchy (dir_fd -1: no record).
 */
void barco_state_cgroup_at(int dir_fd, const char *name, const struct barco_cgroup_layout *layout,
			   struct barco_cgroup *ret);

/* The same for container name on this host's layout, its state directory opened here. */
int barco_state_cgroup(const char *name, struct barco_cgroup *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Writes state.json atomically (a temporary file, then rename). */
int barco_state_write(int dir_fd, const struct barco_state *st, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The pid file, for learners' shells: PID=$(cat /run/barco/NAME/pid). */
int barco_state_write_pid(int dir_fd, const char *name, pid_t pid, struct barco_err *err)
	__attribute__((warn_unused_result));
