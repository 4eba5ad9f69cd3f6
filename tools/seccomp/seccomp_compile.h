#pragma once
/*
 * Build time only: the seccomp policy (src/stages/seccomp_policy.c)
 * compiled by barco (seccomp_emit.c) and by libseccomp
 * (seccomp_libseccomp.c), and the check that the two programs agree
 * (seccomp_check.c). seccomp-gen.c and the unit tests use them; bin/barco
 * does not.
 */
#include <linux/filter.h>
#include <stddef.h>
#include "base/err.h"
#include "stages/seccomp_policy.h"

/*
 * The syscall number of name on this architecture, or -1 when it has none
 * (counted in counts as absent here or unknown to libseccomp).
 */
int barco_seccomp_resolve(const char *name, struct barco_seccomp_counts *counts);

/*
 * Compiles the policy for this architecture (seccomp_emit.c): default
 * action ERRNO(EPERM), a foreign architecture or ABI kills the process, a
 * binary search over ranges of syscall numbers. *ret_insns is malloc'd.
 */
int barco_seccomp_compile(struct sock_filter **ret_insns, size_t *ret_len,
			  struct barco_seccomp_counts *ret_counts, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The same policy compiled by libseccomp, one rule per syscall in a linear
 * chain: the reference the emitter is checked against (seccomp-gen and the
 * unit tests), never loaded.
 */
int barco_seccomp_compile_libseccomp(struct sock_filter **ret_insns, size_t *ret_len,
				     struct barco_seccomp_counts *ret_counts, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Runs both programs, as the kernel would, on every architecture and
 * syscall number the policy tells apart and on many argument values for
 * each conditional syscall (seccomp_check.c). 0 when they always give
 * the same action; -1 with the first input where they differ in err.
 */
int barco_seccomp_check_same(const struct sock_filter *a, size_t a_len, const struct sock_filter *b,
			     size_t b_len, struct barco_err *err)
	__attribute__((warn_unused_result));
