#pragma once
/*
 * `barco update --resources FILE ID`, as runc's: new linux.resources
 * (memory.limit, pids.limit, cpu.shares) written to the cgroups of a
 * created, running or paused container. podman calls it with a file,
 * containerd's shim with "-" (the JSON on stdin).
 */
#include "base/err.h"
#include "runtime/oci_spec.h"

int barco_oci_update(const char *id, const struct barco_oci_resources *res, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Reads FILE ("-": stdin) as runtime-spec's LinuxResources JSON. */
int barco_oci_read_resources(const char *file, struct barco_oci_resources *ret,
			     struct barco_err *err) __attribute__((warn_unused_result));
