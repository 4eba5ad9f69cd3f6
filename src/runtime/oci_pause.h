#pragma once
/*
 * `barco pause ID` / `barco resume ID`, as runc's: every process of the
 * container stops being scheduled (its cgroup is frozen) and goes on where
 * it was. The v1 freezer on hybrid and v1 hosts, cgroup.freeze on cgroup
 * v2 (stages/cgroup.h). A paused container's state says "paused".
 */
#include <stdbool.h>

#include "base/err.h"

/* Freezes a created or running container. */
int barco_oci_pause(const char *id, struct barco_err *err) __attribute__((warn_unused_result));

/* Thaws a paused container: it is created or running again. */
int barco_oci_resume(const char *id, struct barco_err *err) __attribute__((warn_unused_result));

/* Whether the cgroup of container id is frozen (false when it has none). */
bool barco_oci_is_frozen(const char *id);

/* Thaws whatever the container's freezer holds; errors ignored (delete --force). */
void barco_oci_thaw(const char *id);
