#pragma once
/*
 * Probes: what this kernel can do for barco, with evidence.
 *
 * Every check is a row of a static const table (name, section, required?,
 * function) and looks at three layers: compiled in (the kernel config, when
 * readable), enabled (sysctl, mounts), and actually works (a real attempt
 * in a child process with a timer, so that nothing the attempt changes,
 * loads or hangs on can outlive it). Each ends PASS, WARN, FAIL or UNKNOWN
 * (no evidence either way) with the evidence and, unless PASS, a fix hint.
 *
 * The same code runs in `barco probe` (in-process) and in the standalone
 * tools bin/barco-probe-SECTION (probes/).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/btf.h"
#include "stages/cgroup.h"
#include "base/err.h"
#include "base/report.h"

enum barco_probe_status {
	BARCO_PROBE_PASS,
	BARCO_PROBE_WARN,
	BARCO_PROBE_FAIL,
	BARCO_PROBE_UNKNOWN,
	BARCO_PROBE_SKIP, /* needs root on the host, and barco runs as an ordinary user */
	BARCO_PROBE_STATUS_COUNT,
};

/* Sections, in report order; each has a standalone tool barco-probe-NAME. */
enum barco_probe_section {
	BARCO_PROBE_KERNEL,
	BARCO_PROBE_USERNS,
	BARCO_PROBE_NS,
	BARCO_PROBE_CGROUP,
	BARCO_PROBE_CAPS,
	BARCO_PROBE_SECCOMP,
	BARCO_PROBE_BPF,
	BARCO_PROBE_NET,
	BARCO_PROBE_SECTION_COUNT,
};

/* Exit statuses of barco probe and the tools. */
#define BARCO_PROBE_EXIT_OK	  0 /* every required check passed */
#define BARCO_PROBE_EXIT_REQUIRED 1 /* a required check did not pass */
#define BARCO_PROBE_EXIT_BROKEN	  2 /* probing itself failed (or bad usage) */

/* The version of the --json format (probes/probe.schema.json). */
#define BARCO_PROBE_SCHEMA_VERSION 1

#define BARCO_PROBE_SUMMARY_MAX 256
#define BARCO_PROBE_HINT_MAX	512

struct barco_probe_result {
	enum barco_probe_status status;
	char summary[BARCO_PROBE_SUMMARY_MAX]; /* one line: what was found */
	char hint[BARCO_PROBE_HINT_MAX];       /* how to fix it; "" when PASS */
	struct barco_report evidence;	       /* what was tried, what it returned */
	uint64_t duration_ns;
	bool is_broken; /* probing itself failed: the run exits 2 */
};

/* A kernel config (/proc/config.gz or /boot/config-RELEASE) as text; text NULL: unreadable. */
struct barco_kconfig {
	char *text;
	char source[128];
};

enum barco_kconfig_value {
	BARCO_KCONFIG_UNKNOWN, /* no config to read */
	BARCO_KCONFIG_YES,     /* =y */
	BARCO_KCONFIG_MODULE,  /* =m */
	BARCO_KCONFIG_OTHER,   /* =VALUE (a number or a string) */
	BARCO_KCONFIG_NO,      /* "# CONFIG_X is not set", or not in the file at all */
};

#define BARCO_PROBE_BTF_QUERIES_MAX BARCO_BTF_NAMES_MAX

/* What one run learned from /sys/kernel/btf/vmlinux, before the checks run. */
struct barco_probe_btf {
	bool is_loaded;		       /* read, and valid BTF */
	int errnum;		       /* why it could not be read, when it could not */
	char error[BARCO_ERR_MSG_MAX]; /* why it is not valid BTF, when it is not */
	size_t size;		       /* bytes */
	uint32_t type_count;	       /* types in it */
	const struct barco_btf_name *queries;
	uint32_t ids[BARCO_PROBE_BTF_QUERIES_MAX]; /* of each query; 0: absent */
	size_t n_queries;
};

#define BARCO_PROBE_PENDING_MAX 64

/* What the checks of one run share: read once, before the checks run. */
struct barco_probe_ctx {
	unsigned int child_timeout_ms; /* 0: BARCO_PROBE_CHILD_TIMEOUT_MS */
	struct barco_kconfig kconfig;
	struct barco_probe_btf btf; /* only when the bpf section runs */
	/*
	 * Children that answered but may still be exiting: tearing down a
	 * namespace or detaching a BPF program waits for RCU grace periods,
	 * so they are reaped at the end of the run, not one by one.
	 */
	pid_t pending[BARCO_PROBE_PENDING_MAX];
	size_t n_pending;
	void *child_stack; /* where children run (see barco_probe_in_child) */
	void *child_job;   /* where they answer */
};

struct barco_probe_check {
	const char *name;  /* stable id, "SECTION.what" */
	const char *title; /* what is checked, for people */
	enum barco_probe_section section;
	bool is_required; /* affects the exit status */
	/* Fills ret; -1 (with err) only when probing itself failed. */
	int (*fn)(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		  struct barco_err *err);
	const void *arg;
	/*
	 * What it checks needs root on the host (a capability, a cgroup, bpf(2)):
	 * for an ordinary user a result that does not pass becomes SKIP, "needs
	 * root", since rootless barco does without it.
	 */
	bool needs_root;
};

#define BARCO_PROBE_CONCLUSIONS_MAX 4

/* A verdict drawn from a section's results: "rootless" = "yes". */
struct barco_probe_conclusion {
	const char *key;
	char value[512];
};

struct barco_probe_run {
	const struct barco_probe_check **checks; /* the checks run, in order */
	struct barco_probe_result *results;	 /* one per check */
	size_t n;
	bool sections[BARCO_PROBE_SECTION_COUNT]; /* which were run */
	struct barco_probe_conclusion conclusions[BARCO_PROBE_SECTION_COUNT]
						 [BARCO_PROBE_CONCLUSIONS_MAX];
	char kernel_release[128];
	char config_source[128]; /* "" when no config was readable */
	uint64_t duration_ns;
};

/* ---- tables ---------------------------------------------------------------- */

/*
 * Each section's checks: barco_probe_NAME_checks[] and
 * barco_probe_NAME_checks_len, defined in src/probe/probe_NAME.c; the
 * table of sections: probe_sections.c.
 */
#define BARCO_PROBE_SECTION_CHECKS(name)                                                           \
	extern const struct barco_probe_check barco_probe_##name##_checks[];                       \
	extern const size_t barco_probe_##name##_checks_len

BARCO_PROBE_SECTION_CHECKS(kernel);
BARCO_PROBE_SECTION_CHECKS(userns);
BARCO_PROBE_SECTION_CHECKS(ns);
BARCO_PROBE_SECTION_CHECKS(cgroup);
BARCO_PROBE_SECTION_CHECKS(caps);
BARCO_PROBE_SECTION_CHECKS(seccomp);
BARCO_PROBE_SECTION_CHECKS(bpf);
BARCO_PROBE_SECTION_CHECKS(net);

/* A section: its name (the tool's suffix), title, checks and how it concludes. */
struct barco_probe_section_def {
	const char *name;
	const char *title;
	const struct barco_probe_check *checks;
	const size_t *len;
	/* Fills up to BARCO_PROBE_CONCLUSIONS_MAX verdicts from the run's results; may be NULL. */
	void (*conclude)(const struct barco_probe_run *run,
			 struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX]);
	/* Reads what the section's checks share into ctx, before any check runs; may be NULL. */
	void (*prepare)(struct barco_probe_ctx *ctx);
	/*
	 * Its checks run before the other sections' (the report keeps table
	 * order): bpf's, whose exits wait for RCU grace periods to detach
	 * their programs, the longest teardown of all, meanwhile the rest runs.
	 */
	bool runs_first;
};

const struct barco_probe_section_def *barco_probe_section_get(enum barco_probe_section s);

/* "userns" → BARCO_PROBE_USERNS; -1 with err when unknown. */
int barco_probe_section_from_name(const char *name, enum barco_probe_section *ret,
				  struct barco_err *err) __attribute__((warn_unused_result));

const char *barco_probe_status_name(enum barco_probe_status status);

/* PASS, WARN (works, with a caveat) and SKIP: a required check with one of these does not fail. */
bool barco_probe_status_is_ok(enum barco_probe_status status);

/* The conclusions of each section (src/probe/probe_SECTION.c). */
void barco_probe_userns_conclude(const struct barco_probe_run *run,
				 struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX]);
void barco_probe_cgroup_conclude(const struct barco_probe_run *run,
				 struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX]);
void barco_probe_bpf_conclude(const struct barco_probe_run *run,
			      struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX]);

/* ---- running --------------------------------------------------------------- */

/* Runs every check of the selected sections. Free with barco_probe_run_free. */
int barco_probe_run(const bool sections[BARCO_PROBE_SECTION_COUNT], struct barco_probe_run *ret,
		    struct barco_err *err) __attribute__((warn_unused_result));

void barco_probe_run_free(struct barco_probe_run *run);

/* The result of the check named name in run; NULL when it was not run. */
const struct barco_probe_result *barco_probe_run_find(const struct barco_probe_run *run,
						      const char *name);

/* 0, 1 or 2 (BARCO_PROBE_EXIT_*). */
int barco_probe_exit_status(const struct barco_probe_run *run);

/* ---- output (src/probe/probe_out.c) ---------------------------------------------- */

/* Sections, one line per check; evidence and hint for anything not PASS (all with verbose). */
void barco_probe_print_text(FILE *out, const struct barco_probe_run *run, bool is_color,
			    bool is_verbose);

/* One JSON document in the format of probes/probe.schema.json. */
void barco_probe_print_json(FILE *out, const struct barco_probe_run *run);

/* ---- helpers for the checks (src/probe/probe_lib.c) --------------------------- */

/* Sets status, hint (may be NULL) and the one-line summary. */
void barco_probe_set(struct barco_probe_result *ret, enum barco_probe_status status,
		     const char *hint, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Appends "CALL = r", or "CALL = -1 ENAME (message)" when r < 0, to ev; CALL
 * is formatted from fmt. errno is read on entry (the value the call in r
 * left) and preserved. Returns r, so a check reads
 * `if (barco_probe_ev_call(ev, unshare(f), "unshare(%s)", n) < 0) return errno;`.
 */
long barco_probe_ev_call(struct barco_report *ev, long r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends "CALL = -1 ENAME (message)" for errnum; sets errno to it and returns -1. */
int barco_probe_ev_fail(struct barco_report *ev, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "EPERM"; "E?" when unknown. */
const char *barco_probe_errno_name(int errnum);

/* Reads a small file into buf (NUL-terminated, trailing newline removed); -1 with errno. */
int barco_probe_read_file(const char *path, char *buf, size_t size);

/* Writes text to path (a /proc file), with the write in ev; -1 with errno. */
int barco_probe_write_text(const char *path, const char *text, struct barco_report *ev);

/* Reads a sysctl holding one integer; -1 with errno (ENODATA: not a number). */
int barco_probe_read_long(const char *path, long *ret);

/* How a child attempt ended. */
struct barco_probe_child {
	int code;	 /* what fn returned (0: worked), when it finished */
	long value;	 /* what fn stored in *ret_value (0 unless it did) */
	int signal;	 /* the signal that killed it, 0 if none */
	bool is_timeout; /* killed after the timeout */
};

/* The time a child attempt gets by default; a real attempt takes milliseconds. */
#define BARCO_PROBE_CHILD_TIMEOUT_MS 3000

/*
 * Runs fn(arg, ev, &value) in a child process with a timer
 * (ctx->child_timeout_ms) and appends the lines it adds to its ev to ev. fn
 * returns 0 when the attempt worked, else an errno value, and may pass one
 * number back in *ret_value. A child that answered is reaped later
 * (ctx->pending). -1 only when no child could run.
 *
 * The child shares the caller's memory (clone(2) CLONE_VM|CLONE_VFORK, as
 * posix_spawn(3) does) while the caller sleeps, so fn may change anything
 * per task (credentials, capabilities, seccomp, namespaces, cwd, fds) but
 * must not use stdio, raise(3), abort(3) or pthread functions: they act on
 * the caller's thread. fork(2) inside fn is fine (the grandchild copies).
 */
int barco_probe_in_child(struct barco_probe_ctx *ctx,
			 int (*fn)(const void *arg, struct barco_report *ev, long *ret_value),
			 const void *arg, struct barco_report *ev, struct barco_probe_child *ret,
			 struct barco_err *err) __attribute__((warn_unused_result));

#define BARCO_PROBE_SCRATCH_MAX 4352 /* a path and a little more */

/* What a check made of layers has learned, for its verdict. */
struct barco_probe_facts {
	enum barco_probe_status built;	/* the compiled-in layer; PASS when no options */
	const char *missing;		/* the option not set, when built is FAIL */
	long enabled;			/* what the enabled layer read; -1: nothing */
	struct barco_probe_child child; /* how the attempt ended */
	bool is_ok;			/* the attempt worked */
	/*
	 * What the attempt gets: the row's arg, unless the enabled layer
	 * found what to try at run time (a path, an id) and points this at
	 * what it wrote in scratch.
	 */
	const void *target;
	_Alignas(max_align_t) unsigned char scratch[BARCO_PROBE_SCRATCH_MAX];
};

/*
 * A check made of the three layers, as a row's arg for
 * barco_probe_check_layers: compiled in (options), enabled (a sysctl, a
 * mount: what `enabled` reads), and actually works (`attempt`, in a child
 * with a timer). It passes with summary `pass` when the attempt worked;
 * anything else is for `verdict`, which sets status, hint and summary from
 * the facts. Evidence comes in that order.
 */
struct barco_probe_layers {
	const char *const *options; /* NULL-terminated; NULL: no compiled-in layer */
	/* Reads the enabled layer into facts and evidence; true when that decides (ret set). */
	bool (*enabled)(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_facts *facts, struct barco_probe_result *ret);
	int (*attempt)(const void *arg, struct barco_report *ev, long *ret_value);
	const char *pass; /* NULL: the verdict judges a working attempt too */
	/* NULL: the attempt failed, and the result is fail (one answer whatever the facts). */
	void (*verdict)(const void *arg, const struct barco_probe_facts *facts,
			struct barco_probe_result *ret);
	struct {
		enum barco_probe_status status;
		const char *hint;
		const char *summary;
	} fail;
	const void *arg; /* for enabled, attempt and verdict */
};

/* A row's fn for the checks whose arg is a struct barco_probe_layers. */
int barco_probe_check_layers(struct barco_probe_ctx *ctx, const void *arg,
			     struct barco_probe_result *ret, struct barco_err *err);

/* Waits for every pending child and frees the children's stack: nothing a child made is left. */
void barco_probe_ctx_finish(struct barco_probe_ctx *ctx);

/* True when the child exited with 0; else appends why not to ev. */
bool barco_probe_child_ok(const struct barco_probe_child *child, struct barco_report *ev);

/*
 * In a child: unshare a mount namespace and make it private, so mounts die
 * with it; as an ordinary user inside a new user namespace first
 * (barco_probe_as_rootless).
 */
int barco_probe_private_mounts(struct barco_report *ev);

/*
 * In a child, for an ordinary user: what rootless barco does before any
 * other namespace, a new user namespace owned by the caller with the one
 * map it may write itself ("0 UID 1", setgroups denied), so that the
 * namespaces created next are owned by it. Nothing for root. Returns 0 or
 * an errno value, with the steps in ev.
 */
int barco_probe_as_rootless(struct barco_report *ev);

/* ---- kernel config (src/probe/probe_kconfig.c) --------------------------------------- */

/* The value of option (e.g. "CONFIG_USER_NS") in config text; ret_value gets the text after '='. */
enum barco_kconfig_value barco_kconfig_lookup(const char *text, const char *option, char *ret_value,
					      size_t size);

/* Loads /proc/config.gz, else /boot/config-RELEASE; leaves text NULL when neither is readable. */
void barco_kconfig_load(struct barco_kconfig *ret);
void barco_kconfig_free(struct barco_kconfig *kc);

/*
 * The "compiled in" layer for options (NULL-terminated): appends one line
 * per option to ev ("CONFIG_X=y (/proc/config.gz)"); returns PASS when all
 * are y/m/set, FAIL when one is not set (its name in ret_missing), UNKNOWN
 * when no config is readable.
 */
enum barco_probe_status barco_probe_kconfig_layer(const struct barco_kconfig *kc,
						  const char *const *options,
						  struct barco_report *ev,
						  const char **ret_missing);

/* ---- BTF (src/probe/probe_bpf.c; the reader: src/base/btf.h) ---------------------------- */

/*
 * Reads /sys/kernel/btf/vmlinux to the end (the number of types is
 * evidence) and answers queries (at most BARCO_PROBE_BTF_QUERIES_MAX).
 */
void barco_probe_btf_load(struct barco_probe_btf *ret, const struct barco_btf_name *queries,
			  size_t n);

/* The id found for name of kind: 0 when absent, -1 when BTF was not loaded or not asked. */
long barco_probe_btf_id(const struct barco_probe_btf *btf, const char *name, unsigned int kind);

/* The BTF names the bpf checks need. */
extern const struct barco_btf_name barco_probe_bpf_btf_queries[];
extern const size_t barco_probe_bpf_btf_queries_len;

/* The bpf section's preparation: loads BTF and answers barco_probe_bpf_btf_queries. */
void barco_probe_bpf_prepare(struct barco_probe_ctx *ctx);

/* ---- cgroup mode decision (src/probe/probe_cgroup.c) ----------------------------------- */

/*
 * The cgroup mode from the filesystem types of /sys/fs/cgroup and of
 * /sys/fs/cgroup/unified (statfs f_type; 0 when absent): cgroup2 at the
 * root is v2; tmpfs with cgroup2 at unified is hybrid; tmpfs alone is v1.
 * has_v1 says whether mountinfo shows any v1 controller mounted.
 */
enum barco_cgroup_mode barco_probe_cgroup_mode(unsigned long root_fstype,
					       unsigned long unified_fstype, bool has_v1);

/* The command-line tool shared by `barco probe` and bin/barco-probe-* (src/cli/cmd_probe.c). */
int barco_probe_main(const char *prog, int argc, char **argv, int only_section);
