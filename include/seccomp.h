#pragma once
/*
 * Seccomp: no_new_privs, then an allowlist filter modelled on Docker's
 * default profile, compiled with libseccomp. Syscalls not on the list fail
 * with EPERM; clone3 fails with ENOSYS so libc falls back to clone, whose
 * flags the filter can inspect.
 */
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "err.h"
#include "report.h"

/* Allowed without conditions, by name; names this libseccomp or arch lacks are skipped. */
extern const char *const barco_seccomp_allowed[];
extern const size_t barco_seccomp_allowed_len;

/*
 * Refused outright even though a careless profile might allow them; kept
 * as a table so tests (and `barco verify`) can check that none of them is
 * also in barco_seccomp_allowed.
 */
extern const char *const barco_seccomp_refused[];
extern const size_t barco_seccomp_refused_len;

/* Sets no_new_privs and, unless mode is unconfined, loads the filter. */
int barco_seccomp_apply(enum barco_seccomp_mode mode, struct barco_report *rep,
			struct barco_err *err) __attribute__((warn_unused_result));

/* "default" / "unconfined" → mode. */
int barco_seccomp_mode_from_name(const char *name, enum barco_seccomp_mode *ret,
				 struct barco_err *err) __attribute__((warn_unused_result));
