#pragma once
/*
 * User namespaces (user_namespaces(7)): the container's root is an
 * ordinary user on the host. The runner writes the id maps of the cloned
 * child; the child then becomes uid 0 and gid 0 inside.
 */
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* "0 100000 65536\n…" into buf. Returns the length, or -1 if buf is too small. */
int barco_userns_format_map(const struct barco_idmap *map, size_t len, char *buf, size_t size);

/* Runner: writes /proc/PID/setgroups, uid_map and gid_map. */
int barco_userns_write_maps(pid_t pid, const struct barco_config *cfg, struct barco_report *rep,
			    struct barco_err *err) __attribute__((warn_unused_result));

/* Child, once its maps exist: drops supplementary groups, becomes 0:0 inside. */
int barco_userns_become_root(struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
