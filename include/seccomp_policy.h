#pragma once
/*
 * The seccomp policy (src/seccomp_policy.c): which syscalls a container may
 * make, and the libseccomp compiler that turns it into a BPF program. The
 * build compiles it once into build/seccomp_bpf.h (tools/seccomp-gen.c);
 * src/seccomp.c loads that program when a container starts.
 */
#include <linux/filter.h>
#include <stddef.h>
#include "err.h"

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

/* The conditional rules, in words (the table is in src/seccomp_policy.c). */
#define BARCO_SECCOMP_CONDITIONAL_SUMMARY                                                          \
	"clone/unshare without CLONE_NEW*, clone3 → ENOSYS, ioctl except TIOCSTI (32-bit "       \
	"compare), chmod family without S_ISUID|S_ISGID, socket except AF_VSOCK, personality "     \
	"allowlist"

struct barco_seccomp_counts {
	size_t allowed;	    /* syscalls with an unconditional allow rule */
	size_t conditional; /* conditional rules added */
	size_t not_on_arch; /* names libseccomp knows, but not on this architecture */
	size_t unknown;	    /* names this libseccomp does not know */
};

/*
 * Compiles the policy for this architecture: default action ERRNO(EPERM),
 * a foreign architecture kills the process. *ret_insns is malloc'd.
 */
int barco_seccomp_compile(struct sock_filter **ret_insns, size_t *ret_len,
			  struct barco_seccomp_counts *ret_counts, struct barco_err *err)
	__attribute__((warn_unused_result));
