#pragma once
/*
 * An OCI bundle as barco's stages read it: config.json (oci_spec.h) mapped
 * onto struct barco_config, so `barco run --bundle` and `barco step
 * --bundle` walk the same stage table as `barco run` with flags. What the
 * stages cannot apply yet is an error naming the JSON path, never
 * silently dropped.
 */
#include "base/config.h"
#include "base/err.h"
#include "runtime/oci_spec.h"

/*
 * Fills cfg from spec (rootfs: root.path resolved). cfg keeps pointers into
 * spec, which must outlive it. Options barco's own CLI sets (name) stay.
 */
int barco_oci_config_apply(struct barco_oci_spec *spec, const char *rootfs,
			   struct barco_config *cfg, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Loads cfg->bundle's config.json and applies it; *ret_spec (to free with
 * barco_oci_spec_free once cfg is no longer used) holds what cfg points to.
 */
int barco_oci_config_load(struct barco_config *cfg, struct barco_oci_spec **ret_spec,
			  struct barco_err *err) __attribute__((warn_unused_result));

/* Replaces cfg's process (args, env, cwd, user, caps, rlimits) with spec's: `exec`. */
int barco_oci_config_apply_process(const struct barco_oci_spec *spec, struct barco_config *cfg,
				   struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Logs the warnings of config.json (the unknown syscall names its seccomp
 * profile skipped). Called once barco will not re-execute itself
 * (exe_guard.h), so that each is said once.
 */
void barco_oci_config_warn(const struct barco_config *cfg);
