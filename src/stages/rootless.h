#pragma once
/*
 * Rootless: barco run by an ordinary user. What differs from root is
 * decided here, once, from facts on the host:
 *
 *   id maps   with a subordinate range in /etc/subuid and /etc/subgid
 *             (subuid(5)), a 65536-id map written by the setuid helpers
 *             newuidmap(1)/newgidmap(1); without one, the single map
 *             "0 UID 1" the kernel lets the namespace's owner write itself.
 *   cgroups   a cgroup2 directory delegated to the user (systemd's
 *             Delegate=yes, or one root chowned), found from
 *             /proc/self/cgroup; else no cgroup, and no limits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"
#include "stages/cgroup.h"

#define BARCO_SUBUID_PATH  "/etc/subuid"
#define BARCO_SUBGID_PATH  "/etc/subgid"
#define BARCO_NEWUIDMAP	   "/usr/bin/newuidmap"
#define BARCO_NEWGIDMAP	   "/usr/bin/newgidmap"
#define BARCO_ROOTLESS_IDS 65536U /* a full map: every id a distribution uses */

/* True when barco runs without root on the host. */
bool barco_rootless_is(void);

/*
 * The first range of subuid(5)/subgid(5) text that belongs to name or to
 * the numeric id: "name:start:count" lines. Returns true and fills *ret
 * (inside 0, count at most BARCO_ROOTLESS_IDS), false when there is none.
 */
bool barco_rootless_subid_parse(const char *text, const char *name, unsigned id,
				struct barco_idmap *ret);

/*
 * Fills the id maps an ordinary user gets when none were given: the
 * subordinate ranges when both files have one, else 0 → the user's own
 * uid and gid. *ret_is_subid says which.
 */
int barco_rootless_default_maps(struct barco_config *cfg, bool *ret_is_subid, struct barco_err *err)
	__attribute__((warn_unused_result));

/* True when map is the single "0 ID 1" the namespace's owner may write itself. */
bool barco_rootless_is_self_map(const struct barco_idmap *map, size_t len, unsigned id);

/*
 * Runs newuidmap or newgidmap (prog) for pid with map; its complaint, if
 * any, becomes the error.
 */
int barco_rootless_run_idmap_helper(const char *prog, pid_t pid, const struct barco_idmap *map,
				    size_t len, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The cgroup2 directory delegated to this user, from the "0::PATH" line
 * of /proc/self/cgroup text: the parent of our own cgroup, when we own it
 * and may write its cgroup.procs and cgroup.subtree_control (our own
 * cgroup holds us, so by the no-internal-process rule its children could
 * get no controllers). Fills ret_dir, or returns false with why set.
 */
bool barco_rootless_find_delegated(const char *unified_mount, const char *proc_self_cgroup,
				   char *ret_dir, size_t size, char *why, size_t why_size);

/*
 * The layout an ordinary user's containers get: the delegated directory
 * as a cgroup2 "mount" of their own, or BARCO_CGROUP_NONE.
 */
void barco_rootless_cgroup_layout(struct barco_cgroup_layout *layout);

/* How to get a delegated cgroup, for error messages and the probe. */
extern const char barco_rootless_delegation_hint[];
