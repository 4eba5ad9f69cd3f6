/*
 * barco verify: forbidden actions inside a default container, each with the
 * kernel's evidence (from the --trace programs) of the layer that stopped
 * it, then positive controls proving the evidence is not vacuous.
 *
 * This file is the verb: its options, the plan (every row in one
 * container, then each control in one of its own) and the exit status.
 * src/verify/verify.h says where the rows, the rootfs, the running, the
 * evidence and the report are.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cmd.h"
#include "base/exit_status.h"
#include "trace/trace.h"
#include "base/util.h"
#include "runtime/lesson_skip.h"
#include "verify/verify.h"

#define VERIFY_EXIT_BAD 1 /* an action was not stopped, or not by its layer */
#define VERIFY_HELP	1

static const char usage[] =
	"Usage: barco verify [--json] [--helper PATH] [--lesson-skip=STAGE] [-v] [-q]\n"
	"\n"
	"Runs forbidden actions inside a default container (plus --memory 64M and\n"
	"--pids 32) and shows, for each, what it returned and the kernel's eBPF\n"
	"evidence of the layer that stopped it: seccomp, capability, namespace,\n"
	"cgroup or masked mount. Then two positive controls: with --seccomp=unconfined\n"
	"the seccomp rows must move to another layer or succeed, and with --cap-add\n"
	"NET_ADMIN the network row must succeed.\n"
	"\n"
	"  --json          one JSON object\n"
	"  --helper PATH   the static test helper (default: ../libexec/barco/barco-testhelper\n"
	"                  from barco's directory if there, else barco-testhelper next to barco)\n"
	"  --lesson-skip=STAGE\n"
	"                  for lessons: instead of the above, the escapes that STAGE prevents\n"
	"                  (see 'barco run --help'), each run in a default container, where it\n"
	"                  must be stopped, then with STAGE left out, where it must succeed\n"
	"\n"
	"The actions run in $BARCO_HOME/verify-rootfs (default /var/lib/barco/verify-rootfs),\n"
	"a busybox rootfs with the helper, made on first use.\n"
	"Exit status: 0 when every action was stopped by its expected layer and both\n"
	"controls passed (with --lesson-skip: every escape was stopped, then worked);\n"
	"1 otherwise; 125 for barco's own errors.\n";

/* Runs the rows in one container; prints barco's error and returns the status to exit with. */
static int run_rows(const struct barco_verify_opts *o, const struct barco_verify_row *const *sel,
		    size_t n, enum barco_seccomp_mode mode, uint64_t caps_add,
		    struct barco_verify_run *run)
{
	const struct barco_verify_change change = {.seccomp = mode, .caps_add = caps_add};
	struct barco_err err = {0};

	if (barco_verify_run_rows(o, sel, n, &change, run, &err) < 0)
		return barco_cmd_fail(&err, run->status);
	if (!run->trace->is_available)
		log_warn("verify: no kernel evidence: %s", run->trace->unavailable);
	return 0;
}

/* ---- positive controls ------------------------------------------------------------------ */

/* Runs the control's rows and records what became of each. */
static int run_control(const struct barco_verify_opts *o, struct barco_verify_control *ctl,
		       enum barco_seccomp_mode mode, uint64_t caps_add,
		       struct barco_verify_run *run)
{
	int rc = run_rows(o, ctl->rows, ctl->n, mode, caps_add, run);

	for (size_t i = 0; rc == 0 && i < ctl->n; i++) {
		struct barco_verify_result res = {0};

		barco_verify_read_outcome(ctl->rows[i], run->output, &res);
		(void)snprintf(ctl->returned[i], sizeof(ctl->returned[i]), "%s", res.returned);
		barco_verify_describe_now(ctl->rows[i], run, res.returned, ctl->now[i],
					  sizeof(ctl->now[i]));
	}
	return rc;
}

/* Without the filter, no row may still be stopped by seccomp, and no event may say seccomp. */
static int control_unconfined(const struct barco_verify_opts *o, struct barco_verify_control *ctl)
{
	const struct barco_trace_entry *any[1];
	struct barco_verify_run run = {0};
	int rc;

	ctl->name = "--seccomp=unconfined";
	ctl->n = barco_verify_rows_of_layer(BARCO_VERIFY_LAYER_SECCOMP, ctl->rows);
	rc = run_control(o, ctl, BARCO_SECCOMP_UNCONFINED, 0, &run);
	if (rc == 0 && run.trace) {
		ctl->is_pass =
			run.trace->is_available &&
			!barco_trace_result_find(run.trace, BARCO_TRACE_SECCOMP, NULL, any, 1) &&
			!barco_trace_result_find(run.trace, BARCO_TRACE_SIGSYS, NULL, any, 1);
		ctl->why = run.trace->is_available ? "seccomp denials without a filter"
						   : "no kernel evidence";
	}
	barco_verify_run_free(&run);
	return rc;
}

/* With CAP_NET_ADMIN back, configuring the container's own network must work. */
static int control_cap_add(const struct barco_verify_opts *o, struct barco_verify_control *ctl)
{
	struct barco_verify_run run = {0};
	int rc;

	ctl->name = "--cap-add NET_ADMIN";
	ctl->rows[0] = barco_verify_row_by_id("net_admin");
	ctl->n = 1;
	rc = run_control(o, ctl, BARCO_SECCOMP_DEFAULT, 1ull << CAP_NET_ADMIN, &run);
	if (rc == 0 && run.trace) {
		ctl->is_pass = run.trace->is_available && strcmp(ctl->now[0], "succeeded") == 0;
		ctl->why =
			run.trace->is_available ? "the row did not change" : "no kernel evidence";
	}
	barco_verify_run_free(&run);
	return rc;
}

static void check_control_rows(struct barco_verify_control *ctl)
{
	for (size_t i = 0; i < ctl->n; i++)
		if (strcmp(ctl->now[i], "still seccomp") == 0) {
			ctl->is_pass = false;
			ctl->why = "a row is still stopped by seccomp";
		}
}

/* ---- the verb ---------------------------------------------------------------------------- */

/*
 * An installed barco has it in libexec (make install, the Debian package:
 * it is not a command to run), a build tree next to barco in bin/.
 */
static void default_helper(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *dir;

	exe[n > 0 ? n : 0] = '\0';
	dir = n > 0 ? dirname(exe) : ".";
	(void)snprintf(buf, size, "%s/../libexec/barco/barco-testhelper", dir);
	if (access(buf, X_OK) < 0) /* a missing helper is then named where the build puts it */
		(void)snprintf(buf, size, "%s/barco-testhelper", dir);
}

static int parse_args(int argc, char **argv, struct barco_verify_opts *o, struct barco_err *err)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"helper", required_argument, NULL, 'H'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"lesson-skip", required_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	default_helper(o->helper, sizeof(o->helper));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vqh", options, NULL)) != -1) {
		if (opt == 'j')
			o->is_json = true;
		else if (opt == 'H')
			(void)snprintf(o->helper, sizeof(o->helper), "%s", optarg);
		else if (opt == 'v')
			o->verbosity++;
		else if (opt == 'q')
			o->verbosity = -1;
		else if (opt == 'h')
			return VERIFY_HELP;
		else if (opt == 'L' && o->lesson_skip)
			return barco_err_set(err, 0,
					     "--lesson-skip given twice: one stage at a time");
		else if (opt == 'L' &&
			 barco_lesson_skip_from_name(optarg, &o->lesson_skip, err) < 0)
			return -1;
		else if (opt != 'L')
			return barco_err_set(err, 0,
					     "unknown option or missing value: '%s' (see "
					     "'barco verify --help')",
					     argv[optind - 1]);
	}
	if (optind < argc)
		return barco_err_set(err, 0, "unexpected argument '%s' (see 'barco verify --help')",
				     argv[optind]);
	return 0;
}

static int run_matrix(const struct barco_verify_opts *o, struct barco_verify_verdicts *v,
		      struct barco_verify_run *run)
{
	const struct barco_verify_row *all[BARCO_VERIFY_ROWS_MAX];
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < barco_verify_rows_len; i++)
		if (!barco_verify_is_skipped(&barco_verify_rows[i]))
			all[n++] = &barco_verify_rows[i];
	rc = run_rows(o, all, n, BARCO_SECCOMP_DEFAULT, 0, run);
	if (rc != 0)
		return rc;
	v->trace = run->trace;
	for (size_t i = 0; i < barco_verify_rows_len; i++) {
		struct barco_verify_result *res = &v->rows[i];

		barco_verify_judge(&barco_verify_rows[i], run, res);
		if (res->is_skipped)
			v->skipped++;
		else if (strcmp(res->verdict, "pass") == 0)
			v->passed++;
		else
			v->failed++;
	}
	return 0;
}

/* The matrix, the two controls, the report; the exit status. */
static int verify(const struct barco_verify_opts *o, struct barco_verify_verdicts *v)
{
	struct barco_verify_run run = {0};
	int rc = run_matrix(o, v, &run);

	if (rc == 0)
		rc = control_unconfined(o, &v->controls[0]);
	if (rc == 0)
		rc = control_cap_add(o, &v->controls[1]);
	if (rc == 0) {
		for (size_t c = 0; c < ARRAY_LEN(v->controls); c++)
			check_control_rows(&v->controls[c]);
		v->is_ok = v->failed == 0 && v->controls[0].is_pass && v->controls[1].is_pass;
		if (o->is_json)
			barco_verify_print_json(v);
		else
			barco_verify_print_text(v);
		rc = v->is_ok ? 0 : VERIFY_EXIT_BAD;
	}
	barco_verify_run_free(&run);
	return rc;
}

/* --lesson-skip: that skip's escapes, not the matrix. */
static int verify_lesson(const struct barco_verify_opts *o)
{
	struct barco_err err = {0};
	int status = BARCO_EXIT_BARCO;
	int rc;

	barco_cmd_warn_lesson_skip(o->lesson_skip);
	rc = barco_verify_lesson(o, o->lesson_skip, &status, &err);
	if (rc < 0)
		return barco_cmd_fail(&err, status);
	return rc == 0 ? 0 : VERIFY_EXIT_BAD;
}

int barco_cmd_verify(int argc, char **argv)
{
	struct barco_verify_opts o = {0};
	struct barco_err err = {0};
	struct barco_verify_verdicts *v;
	int rc = parse_args(argc, argv, &o, &err);

	if (rc == VERIFY_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	if (barco_verify_prepare_rootfs(&o, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	barco_cmd_set_verbosity(o.verbosity);
	if (o.lesson_skip)
		return verify_lesson(&o);
	v = calloc(1, sizeof(*v));
	if (!v) {
		barco_err_errno(&err, "allocating the verdicts");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	rc = verify(&o, v);
	free(v);
	return rc;
}
