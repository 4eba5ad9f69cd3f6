#pragma once
/*
 * What the host sees of one process, for `barco step --diff`: the
 * identity and confinement lines of /proc/PID/status, its namespaces
 * (the inodes of the /proc/PID/ns links), its mounts, its cgroups and the
 * hostname of its uts namespace. A snapshot is taken after each stage and
 * compared with the one before; the parsers and the comparison are pure
 * (unit-tested on fixture text), only barco_observe_take reads /proc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"

#define BARCO_OBSERVE_CAP_SETS	  5  /* CapInh CapPrm CapEff CapBnd CapAmb */
#define BARCO_OBSERVE_NS_MAX	  12 /* the entries of /proc/PID/ns */
#define BARCO_OBSERVE_MOUNTS_MAX  1024
#define BARCO_OBSERVE_CGROUPS_MAX 20
#define BARCO_OBSERVE_CHANGES_MAX 40

struct barco_observe_cgroup {
	char hierarchy[64]; /* "4:memory", "0:" */
	char path[256];
};

struct barco_observe {
	pid_t pid;
	uint64_t caps[BARCO_OBSERVE_CAP_SETS];
	int no_new_privs, seccomp, seccomp_filters;  /* -1: not in status */
	char uid[64], gid[64], nspid[64];	     /* as status has them, tabs as spaces */
	unsigned long long ns[BARCO_OBSERVE_NS_MAX]; /* inode per barco_observe_ns_names; 0: none */
	size_t mounts_len;
	uint64_t mounts[BARCO_OBSERVE_MOUNTS_MAX]; /* a hash per mount, sorted */
	char root[512];				   /* the mount on "/": "ROOT on SOURCE (FSTYPE)" */
	size_t cgroups_len;
	struct barco_observe_cgroup cgroups[BARCO_OBSERVE_CGROUPS_MAX];
	char hostname[65];
};

/* One line of the difference: what (e.g. "CapBnd", "ns/mnt", "mounts"), from, to, detail. */
struct barco_observe_change {
	char what[32];
	char from[160];
	char to[160];
	char detail[768]; /* capabilities by name; mounts added and removed; else "" */
};

struct barco_observe_diff {
	size_t len;
	struct barco_observe_change changes[BARCO_OBSERVE_CHANGES_MAX];
};

/* The namespace entries compared, in /proc/PID/ns order of interest. */
extern const char *const barco_observe_ns_names[BARCO_OBSERVE_NS_MAX];

/* Fills the fields of ret that /proc/PID/status holds, from its text. */
void barco_observe_parse_status(const char *text, struct barco_observe *ret);

/* Fills the mounts and root of ret from /proc/PID/mountinfo text. */
void barco_observe_parse_mountinfo(const char *text, struct barco_observe *ret);

/* Fills the cgroups of ret from /proc/PID/cgroup text. */
void barco_observe_parse_cgroup(const char *text, struct barco_observe *ret);

/* Everything about pid; err names the file that could not be read. */
int barco_observe_take(pid_t pid, struct barco_observe *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* What differs from a to b (a the earlier snapshot), in a fixed order. */
void barco_observe_diff(const struct barco_observe *a, const struct barco_observe *b,
			struct barco_observe_diff *ret);
