#pragma once
/*
 * eBPF evidence for one container (`barco run --trace`, `barco verify`):
 * which system calls seccomp refused, which capability checks were denied
 * and made a call fail, which failed for other reasons, and what the kernel
 * killed. The programs are in probes/trace.bpf.c; they are loaded only when
 * asked for, filtered to the container's cgroup2 id (or its pid namespace
 * when there is no cgroup2), and everything is unloaded by
 * barco_trace_close() or by barco's exit (no pinning, only fds).
 *
 * Life of a tracer: open after the cgroups stage (the cgroup id exists), arm
 * just before exec (events before that are barco's own setup), stop after
 * the command exited (drains the ring buffer, reads the drop counter).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "trace/trace_event.h"

/* What is traced: each group is attached one way, the first this kernel accepts. */
enum barco_trace_group {
	BARCO_TRACE_GROUP_SYSCALLS, /* raw_syscalls:sys_enter + sys_exit */
	BARCO_TRACE_GROUP_SIGNALS,  /* signal:signal_generate */
	BARCO_TRACE_GROUP_CAPS,	    /* cap_capable */
	BARCO_TRACE_GROUP_COUNT,
};

enum barco_trace_attach {
	BARCO_TRACE_ATTACH_NONE, /* nothing this kernel accepts */
	BARCO_TRACE_ATTACH_TP_BTF,
	BARCO_TRACE_ATTACH_RAW_TP,
	BARCO_TRACE_ATTACH_FEXIT,
	BARCO_TRACE_ATTACH_KPROBE,
	BARCO_TRACE_ATTACH_COUNT,
};

#define BARCO_TRACE_WAY_PROGS	2
#define BARCO_TRACE_WAY_TARGETS 2

/* One way of attaching a group: the programs it loads and what they attach to. */
struct barco_trace_way {
	enum barco_trace_group group;
	enum barco_trace_attach attach;
	const char *progs[BARCO_TRACE_WAY_PROGS];     /* in probes/trace.bpf.c, NULL-padded */
	const char *targets[BARCO_TRACE_WAY_TARGETS]; /* tracepoints or functions, NULL-padded */
};

/*
 * Every way of attaching (src/trace/trace_ways.c), each group's best first: the
 * order is the preference barco_trace_choose() follows.
 */
extern const struct barco_trace_way barco_trace_ways[];
extern const size_t barco_trace_ways_len;

#define BARCO_TRACE_WHY_MAX 512

struct barco_trace_strategy {
	enum barco_trace_attach attach[BARCO_TRACE_GROUP_COUNT];
	/* per group: why better ways were refused ("tp_btf/cap_capable: …; …"), "" if none */
	char refused[BARCO_TRACE_GROUP_COUNT][BARCO_TRACE_WHY_MAX];
};

/* Events with the same kind, syscall, value, capability and comm, counted. */
struct barco_trace_entry {
	enum barco_trace_kind kind;
	int nr;		       /* syscall number, -1 outside a syscall */
	int ret;	       /* -errno, or the signal number */
	int cap;	       /* last capability denied, -1 none */
	uint32_t cap_ns_level; /* the user namespace it was checked in: 0 the host's */
	uint64_t caps;
	char comm[BARCO_TRACE_COMM_LEN];
	uint32_t pid; /* the first example: host pid, and as the container sees it */
	uint32_t ns_pid;
	uint64_t count;
};

#define BARCO_TRACE_ENTRIES_MAX 512

struct barco_trace_result {
	bool is_available;
	char unavailable[BARCO_TRACE_WHY_MAX]; /* why not, when !is_available */
	struct barco_trace_strategy strategy;
	uint64_t cgroup_id;    /* 0: filtered by pid namespace */
	uint64_t received;     /* events user space read */
	uint64_t emitted;      /* events the programs sent */
	uint64_t dropped;      /* events lost: the ring buffer was full */
	uint64_t unaggregated; /* received but no entry free: counted here only */
	size_t len;
	struct barco_trace_entry entries[BARCO_TRACE_ENTRIES_MAX];
};

struct barco_tracer;

/* "tp_btf", "raw_tp", "fexit", "kprobe", "none". */
const char *barco_trace_attach_name(enum barco_trace_attach a);

/* "syscalls", "signals", "capabilities". */
const char *barco_trace_group_name(enum barco_trace_group g);

struct barco_trace_btf; /* src/trace/trace_btf.h */

/*
 * For each group, the first attach kind this kernel can be expected to
 * accept (src/trace/trace_attach.c: raw_tp when the tracepoint exists, the
 * fallbacks by loading a minimal program); records why the others were
 * refused. Fails only when BPF itself is unusable.
 */
int barco_trace_choose(struct barco_trace_btf *btf, struct barco_trace_strategy *ret,
		       struct barco_err *err) __attribute__((warn_unused_result));

/* The way chosen for g was refused (why is added to refused[g]): the next one, or NONE. */
void barco_trace_choose_next(struct barco_trace_btf *btf, struct barco_trace_strategy *s,
			     enum barco_trace_group g, const char *why);

/*
 * Loads and attaches the programs for a container whose cgroup2 id is
 * cgroup_id (0: none; then barco_trace_arm filters by pid namespace).
 * Without capability tracing if only that part fails to load. On failure
 * nothing stays loaded and err says why.
 */
int barco_trace_open(uint64_t cgroup_id, struct barco_tracer **ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * From now on events are sent and read (a thread drains the ring buffer).
 * pid: a process of the container, whose pid namespace is the filter when
 * there is no cgroup id.
 */
int barco_trace_arm(struct barco_tracer *t, pid_t pid, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Stops reading, drains what is left, fills ret (entries, counters, strategy). */
void barco_trace_stop(struct barco_tracer *t, struct barco_trace_result *ret);

/* Detaches and unloads everything. NULL is fine. */
void barco_trace_close(struct barco_tracer *t);

/* ---- results (pure: unit tested) ---------------------------------------------------- */

/* Counts one event into r: into its entry, a new one, or r->unaggregated. */
void barco_trace_result_add(struct barco_trace_result *r, const struct barco_trace_event *e);

/* Up to max entries of kind whose comm is comm (NULL: any), in arrival order; returns how many. */
size_t barco_trace_result_find(const struct barco_trace_result *r, enum barco_trace_kind kind,
			       const char *comm, const struct barco_trace_entry **ret, size_t max);

/* The syscall's name on this architecture ("mount"), or "syscall_N" in buf. */
const char *barco_trace_syscall_name(int nr, char *buf, size_t size);

/* "EPERM" for -1 / 1; "E<N>" in buf when unknown. */
const char *barco_trace_errno_name(int ret, char *buf, size_t size);

/*
 * The seccomp row of barco's own rules that explains a refused syscall:
 * "refused" (barco_seccomp_refused), "argument rule" (allowed only with
 * safe arguments), "not on the allowlist", or, with mode unconfined,
 * "not barco's filter".
 */
const char *barco_trace_seccomp_rule(const char *syscall, enum barco_seccomp_mode mode);

/* The report after the container exited: text for people, or one JSON object. */
void barco_trace_print_text(FILE *f, const struct barco_trace_result *r, const char *name,
			    enum barco_seccomp_mode mode);
void barco_trace_print_json(FILE *f, const struct barco_trace_result *r, const char *name,
			    enum barco_seccomp_mode mode);
