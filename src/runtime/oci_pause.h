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
