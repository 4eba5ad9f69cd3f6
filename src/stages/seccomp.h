#pragma once
/*
 * Seccomp: no_new_privs, then the allowlist filter of the policy in
 * src/stages/seccomp_policy.c, compiled at build time. Syscalls not on the list
 * fail with EPERM; clone3 fails with ENOSYS so libc falls back to clone,
 * whose flags the filter can inspect.
 */
#include <linux/filter.h>
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

/* Sets no_new_privs and, unless mode is unconfined, loads the filter. */
int barco_seccomp_apply(enum barco_seccomp_mode mode, struct barco_report *rep,
			struct barco_err *err) __attribute__((warn_unused_result));

/* "default" / "unconfined" → mode. */
int barco_seccomp_mode_from_name(const char *name, enum barco_seccomp_mode *ret,
				 struct barco_err *err) __attribute__((warn_unused_result));
