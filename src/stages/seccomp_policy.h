#pragma once
/*
 * The seccomp policy (src/stages/seccomp_policy.c): which syscalls a
 * container may make. The build compiles it once into build/seccomp_bpf.h
 * (tools/seccomp/: barco's compiler, libseccomp's as the reference, and the
 * check that the two agree); src/stages/seccomp.c loads that program when
 * a container starts.
 */
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

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

/* The conditional rules, in words (the table is in src/stages/seccomp_policy.c). */
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

/* How a conditional rule reads its syscall's argument `arg`. */
enum barco_seccomp_rule_kind {
	BARCO_SECCOMP_ALLOW_BITS_CLEAR, /* allow when (arg & value) == 0, all 64 bits */
	BARCO_SECCOMP_ALLOW_LOW32_NE,	/* allow when the low 32 bits of arg != value */
	BARCO_SECCOMP_ALLOW_LOW32_EQ,	/* allow when the low 32 bits of arg == value */
	BARCO_SECCOMP_ENOSYS,		/* fail with ENOSYS whatever the arguments */
};

/* One conditional rule; rules for the same syscall are alternatives. */
struct barco_seccomp_rule {
	const char *name;
	enum barco_seccomp_rule_kind kind;
	unsigned int arg;
	uint64_t value;
};

extern const struct barco_seccomp_rule barco_seccomp_rules[];
extern const size_t barco_seccomp_rules_len;
