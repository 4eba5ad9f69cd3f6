#pragma once
/*
 * Seccomp: no_new_privs, then the allowlist filter of the policy in
 * src/stages/seccomp_policy.c, compiled at build time. Syscalls not on the list
 * fail with EPERM; clone3 fails with ENOSYS so libc falls back to clone,
 * whose flags the filter can inspect.
 */
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"
#include "stages/seccomp_policy.h"

/* The default filter as the build compiled it (build/seccomp_bpf.h). */
extern const struct sock_filter *const barco_seccomp_program;
extern const size_t barco_seccomp_program_len;
/* What the compile counted, and the libseccomp version that compiled it. */
extern const struct barco_seccomp_counts barco_seccomp_program_counts;
extern const char barco_seccomp_program_compiler[];

/*
 * Sets no_new_privs (unless cfg->is_new_privs_allowed) and loads cfg's
 * filter: none when unconfined, barco's own by default, an OCI bundle's
 * profile (unless barco_seccomp_is_early said the caps stage loaded it).
 * *ret_listener: the listener fd when this call loaded a profile that
 * notifies (cfg->seccomp_listener_path), else -1; the caller hands it on
 * and closes it.
 */
int barco_seccomp_apply(const struct barco_config *cfg, int *ret_listener, struct barco_report *rep,
			struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Whether cfg's filter is loaded before the caps stage drops capabilities:
 * without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN (runc does the same).
 */
bool barco_seccomp_is_early(const struct barco_config *cfg);

/* Loads an OCI bundle's compiled profile (cfg->seccomp_program); *ret_listener as above. */
int barco_seccomp_load_profile(const struct barco_config *cfg, int *ret_listener,
			       struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* "default" / "unconfined" → mode. */
int barco_seccomp_mode_from_name(const char *name, enum barco_seccomp_mode *ret,
				 struct barco_err *err) __attribute__((warn_unused_result));
