/*
 * One container from start to end: open, every stage through exec (with
 * the tracer when asked), wait, close. What `barco run` and `barco verify`
 * run; they print what it returns.
 */
#include "runtime/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "runtime/oci_hooks.h"
#include "runtime/runner.h"
#include "runtime/lesson_skip.h"
#include "runtime/stage.h"
#include "base/exit_status.h"

/* Logs a stage's report, one line per syscall (-v). */
static void log_stage(const struct barco_container *c, enum barco_stage stage,
		      const struct barco_report *rep, uint64_t duration_ns, void *data)
{
	const char *name = barco_stage_get(stage)->name;
	const char *line = rep->text;

	if (barco_log_get_level() < BARCO_LOG_INFO)
		return;
	while (*line) {
		size_t len = strcspn(line, "\n");

		log_info("%s: %.*s", name, (int)len, line);
		line += len + (line[len] == '\n');
	}
	log_info("%s: done in %.3f ms", name, (double)duration_ns / 1e6);
}

/* --trace: the container's cgroup exists, so its id can be the tracer's filter. */
static struct barco_tracer *start_tracer(const struct barco_container *c,
					 struct barco_trace_result *trace)
{
	struct barco_tracer *tracer = NULL;
	struct barco_err err = {0};

	memset(trace, 0, sizeof(*trace));
	if (barco_trace_open(barco_cgroup_id(&c->cgroup), &tracer, &err) == 0)
		return tracer;
	(void)barco_err_str(&err, trace->unavailable, sizeof(trace->unavailable));
	log_warn("--trace: no eBPF tracing, the container runs without it: %s", trace->unavailable);
	return NULL;
}

/*
 * The stages through exec. With --trace, the tracer attaches after the
 * cgroups stage and is armed just before exec, so that barco's own setup
 * inside the container is not reported as the command's.
 */
static int advance(struct barco_container *c, struct barco_trace_result *trace,
		   struct barco_tracer **tracer, struct barco_err *err)
{
	struct barco_err arm_err = {0};

	if (!trace)
		return barco_runner_advance(c, BARCO_STAGE_EXEC, log_stage, NULL, err);
	(void)snprintf(trace->unavailable, sizeof(trace->unavailable),
		       "the container failed before the tracer was attached");
	if (barco_runner_advance(c, BARCO_STAGE_CGROUPS, log_stage, NULL, err) < 0)
		return -1;
	*tracer = start_tracer(c, trace);
	if (barco_runner_advance(c, BARCO_STAGE_SECCOMP, log_stage, NULL, err) < 0)
		return -1;
	if (*tracer && barco_trace_arm(*tracer, c->pid, &arm_err) < 0) {
		(void)barco_err_str(&arm_err, trace->unavailable, sizeof(trace->unavailable));
		log_warn("--trace: %s", trace->unavailable);
		barco_trace_close(*tracer);
		*tracer = NULL;
	}
	return barco_runner_advance(c, BARCO_STAGE_EXEC, log_stage, NULL, err);
}

/* The command gets these instead of barco's stdio; the runner passes them at exec. */
static int use_stdio(struct barco_container *c, const int *stdio, struct barco_err *err)
{
	for (int i = 0; stdio && i < BARCO_STDIO_FDS; i++) {
		c->stdio_fds[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		if (c->stdio_fds[i] < 0)
			return barco_err_errno(err, "dup of stdio fd %d", stdio[i]);
	}
	return 0;
}

static int finish(struct barco_container *c, struct barco_tracer *tracer,
		  struct barco_trace_result *trace, int status)
{
	if (tracer)
		barco_trace_stop(tracer, trace);
	barco_trace_close(tracer);
	barco_container_close(c);
	/* runtime.md: poststop once the container is gone (runc runs them after a failure too). */
	barco_oci_hooks_run_after(c->cfg->hooks, BARCO_OCI_HOOK_POSTSTOP, c->cfg->name,
				  c->cfg->bundle, "stopped", 0, NULL);
	return status;
}

int barco_run_container(const struct barco_config *cfg, const int *stdio,
			struct barco_trace_result *trace, int *ret_status, struct barco_err *err)
{
	struct barco_tracer *tracer = NULL;
	struct barco_stage_def skip_table[BARCO_STAGE_COUNT];
	struct barco_container c;

	*ret_status = BARCO_EXIT_BARCO;
	if (barco_container_open(&c, cfg, barco_lesson_skip_table(cfg, skip_table), err) < 0)
		return -1;
	if (use_stdio(&c, stdio, err) < 0 || advance(&c, trace, &tracer, err) < 0) {
		*ret_status = finish(&c, tracer, trace, c.exit_status);
		return -1;
	}
	barco_oci_hooks_run_after(cfg->hooks, BARCO_OCI_HOOK_POSTSTART, cfg->name, cfg->bundle,
				  "running", c.pid, NULL);
	if (barco_runner_wait(&c, ret_status, err) < 0) {
		*ret_status = finish(&c, tracer, trace, BARCO_EXIT_BARCO);
		return -1;
	}
	log_info("container %s exited with status %d", cfg->name, *ret_status);
	(void)finish(&c, tracer, trace, *ret_status);
	return 0;
}
