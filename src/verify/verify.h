#pragma once
/*
 * barco verify, in parts. The verb (src/cli/cmd_verify.c) parses its options
 * and runs the plan: the rows of src/verify/verify_rows.c in one container on the
 * rootfs that src/verify/verify_rootfs.c prepares (src/verify/verify_run.c runs them and
 * reads back what each returned), each judged by the kernel's evidence
 * (src/verify/verify_evidence.c), then the positive controls; src/verify/verify_report.c
 * prints the result as text or JSON.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/config.h"
#include "base/err.h"
#include "trace/trace.h"

/* The layer a row expects to stop it. */
enum barco_verify_layer {
	BARCO_VERIFY_LAYER_SECCOMP,
	BARCO_VERIFY_LAYER_CAPABILITY,
	BARCO_VERIFY_LAYER_NAMESPACE,
	BARCO_VERIFY_LAYER_CGROUP,
	BARCO_VERIFY_LAYER_MASK,
	BARCO_VERIFY_LAYER_USERNS, /* an owner no id of the container maps to */
	BARCO_VERIFY_LAYER_ROOT,   /* pivot_root: nothing above the container's / */
};

/* How a row's result is read from what the helper printed. */
enum barco_verify_outcome {
	BARCO_VERIFY_OUTCOME_KEY,    /* "KEY=ok" or "KEY=E…" */
	BARCO_VERIFY_OUTCOME_STATUS, /* the exit status: 0 ok, 137 SIGKILL */
	BARCO_VERIFY_OUTCOME_BYTES,  /* a byte count (wc -c): 0 means nothing leaked */
};

/* One forbidden action and what is expected of it. */
struct barco_verify_row {
	const char *id;
	const char *action;
	enum barco_verify_layer layer;
	const char *comm; /* the process name its events carry */
	/* The row's command line in the container: {pid} is barco's own (a host pid),
	 * {rootid} the host root's DEV:INO, {hostname} the host's name. */
	const char *shell;
	enum barco_verify_outcome outcome;
	const char *key;
	const char *syscalls[2];    /* where its evidence is; NULL-padded */
	int cap;		    /* capability rows: the capability expected */
	int expect;		    /* failure rows: the errno expected */
	const char *needs;	    /* a host path without which the row is skipped */
	const char *evidence_label; /* evidence: the last line the row printed, so labelled */
};

#define BARCO_VERIFY_ROWS_MAX	  32
#define BARCO_VERIFY_EVIDENCE_MAX 640

/* The rows, in report order (src/verify/verify_rows.c). */
extern const struct barco_verify_row barco_verify_rows[];
extern const size_t barco_verify_rows_len;

/* "seccomp", "capability", "namespace", "cgroup", "masked mount", "user namespace", "new root". */
const char *barco_verify_layer_name(enum barco_verify_layer layer);

/*
 * False when barco can make no cgroup here (rootless, none delegated):
 * no limits, and the cgroup rows are not run.
 */
bool barco_verify_has_cgroup(void);

/* The row needs a host path that does not exist here, or a cgroup: it is not run. */
bool barco_verify_is_skipped(const struct barco_verify_row *row);

/* The row called id, or NULL. */
const struct barco_verify_row *barco_verify_row_by_id(const char *id);

/* Into sel, the rows of layer that are not skipped; returns how many. */
size_t barco_verify_rows_of_layer(enum barco_verify_layer layer,
				  const struct barco_verify_row **sel);

struct barco_verify_opts {
	bool is_json;
	int verbosity;
	int lesson_skip; /* --lesson-skip (runtime/lesson_skip.h): that lesson's escapes only */
	char helper[PATH_MAX];
	char rootfs[PATH_MAX];
};

/* Makes o->rootfs on first use, with the helper (refreshed when it changed) and its v-ROW links. */
int barco_verify_prepare_rootfs(struct barco_verify_opts *o, struct barco_err *err)
	__attribute__((warn_unused_result));

/* One container: its output and the tracer's result. */
struct barco_verify_run {
	struct barco_trace_result *trace;
	char *output;
	int status;
};

void barco_verify_run_free(struct barco_verify_run *r);

/* How a container differs from the default one: a control's option, or a lesson's skip. */
struct barco_verify_change {
	enum barco_seccomp_mode seccomp;
	uint64_t caps_add;
	int lesson_skip; /* runtime/lesson_skip.h; 0: none */
};

/*
 * Runs the rows sel in a default container changed by change.
 * Returns 0, or -1 with err and ret->status the status to exit with.
 */
int barco_verify_run_rows(const struct barco_verify_opts *o,
			  const struct barco_verify_row *const *sel, size_t n,
			  const struct barco_verify_change *change, struct barco_verify_run *ret,
			  struct barco_err *err) __attribute__((warn_unused_result));

/* A row's part of the output, between "@row ID" and "@status ID N"; false when it never ran. */
bool barco_verify_row_output(const char *output, const char *id, const char **ret_start,
			     size_t *ret_len, int *ret_status);

/* One row's outcome in one container. */
struct barco_verify_result {
	bool is_skipped;
	bool is_stopped;
	char returned[64];
	char evidence[BARCO_VERIFY_EVIDENCE_MAX];
	const char *verdict; /* "pass", "FAIL", "skip", "unproven" */
};

/* What the row returned (res->returned) and whether that means it was stopped. */
void barco_verify_read_outcome(const struct barco_verify_row *row, const char *output,
			       struct barco_verify_result *res);

/* The verdict on row in run, with the kernel's evidence of the layer that stopped it. */
void barco_verify_judge(const struct barco_verify_row *row, const struct barco_verify_run *run,
			struct barco_verify_result *res);

/* A row with an evidence_label: "LABEL: " and the last line it printed; false when none. */
bool barco_verify_output_evidence(const struct barco_verify_row *row, const char *output, char *buf,
				  size_t size);

/*
 * What stopped row: its layer's name when res is a pass, "nothing" when the
 * action succeeded, else "seccomp" or "capability" from the evidence, or
 * "unknown"; "skipped" for a row not run here.
 */
const char *barco_verify_stopped_by(const struct barco_verify_row *row,
				    const struct barco_verify_run *run,
				    const struct barco_verify_result *res);

/* Which layer, if any, stopped row in a control run: "still seccomp", "succeeded", … */
void barco_verify_describe_now(const struct barco_verify_row *row,
			       const struct barco_verify_run *run, const char *returned, char *buf,
			       size_t size);

/* A positive control: the rows run again in a container with one option changed. */
struct barco_verify_control {
	const char *name; /* the option that changes the container */
	bool is_pass;
	const char *why; /* when it fails */
	size_t n;
	const struct barco_verify_row *rows[BARCO_VERIFY_ROWS_MAX];
	char returned[BARCO_VERIFY_ROWS_MAX][64];
	char now[BARCO_VERIFY_ROWS_MAX][96]; /* the layer that stops it now, or "succeeded" */
};

struct barco_verify_verdicts {
	struct barco_verify_result rows[BARCO_VERIFY_ROWS_MAX]; /* one per barco_verify_rows */
	struct barco_verify_control controls[2];
	const struct barco_trace_result *trace;
	size_t passed, failed, skipped;
	bool is_ok;
};

/* The report on stdout: a table for people, or one JSON object. */
void barco_verify_print_text(const struct barco_verify_verdicts *v);
void barco_verify_print_json(const struct barco_verify_verdicts *v);

/*
 * barco verify --lesson-skip=NAME (verify_lesson.c): the escapes that the
 * protection NAME prevents, each run in a default container (where it must
 * be stopped) and in one with NAME left out (where it must succeed). The
 * report goes to stdout; returns 0 when every escape was shown, 1 when one
 * was not, or -1 with err and *ret_status the status to exit with.
 */
int barco_verify_lesson(const struct barco_verify_opts *o, int skip, int *ret_status,
			struct barco_err *err) __attribute__((warn_unused_result));

/* The ids of the rows that show skip's escape, NULL-terminated; NULL for no such skip. */
const char *const *barco_verify_lesson_escapes(int skip);

/* The rows only --lesson-skip runs. */
extern const struct barco_verify_row barco_verify_lesson_rows[];
extern const size_t barco_verify_lesson_rows_len;

/* The row called id among the rows and the lessons' own rows, or NULL. */
const struct barco_verify_row *barco_verify_lesson_row(const char *id);
