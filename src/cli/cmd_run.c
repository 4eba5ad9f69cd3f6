/* barco run, the seed's flags, barco rootfs; and what the verbs share. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "runtime/stage.h"
#include "stages/exec.h"
#include "base/log.h"
#include "runtime/rootfs.h"
#include "runtime/state.h"
#include "trace/trace.h"

#ifndef BARCO_VERSION
#define BARCO_VERSION "0.0.0"
#endif

int barco_cmd_fail(const struct barco_err *err, int status)
{
	char buf[BARCO_ERR_MSG_MAX + 128];

	fprintf(stderr, "barco: %s\n", barco_err_str(err, buf, sizeof(buf)));
	return status;
}

void barco_cmd_log_stage(const struct barco_container *c, enum barco_stage stage,
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

/* The default rootfs belongs to whoever root inside maps to, so container root owns it. */
static int ensure_rootfs(struct barco_config *cfg, struct barco_err *err)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (!cfg->is_default_rootfs)
		return 0;
	for (size_t i = 0; !cfg->is_userns_host && i < cfg->uidmap_len; i++)
		if (cfg->uidmap[i].inside == 0)
			uid = cfg->uidmap[i].outside;
	for (size_t i = 0; !cfg->is_userns_host && i < cfg->gidmap_len; i++)
		if (cfg->gidmap[i].inside == 0)
			gid = cfg->gidmap[i].outside;
	if (barco_rootfs_ensure_default(cfg->rootfs, sizeof(cfg->rootfs), uid, gid, err) < 0)
		return barco_err_wrap(err, "default rootfs");
	return 0;
}

static enum barco_log_level level_for(int verbosity)
{
	if (verbosity < 0)
		return BARCO_LOG_QUIET;
	return verbosity > 1 ? BARCO_LOG_DEBUG : (enum barco_log_level)verbosity;
}

bool barco_cmd_prepare(struct barco_config *cfg, int parsed, const struct barco_err *parse_err,
		       int verbosity, const char *usage, int *ret_status)
{
	struct barco_err err = {0};

	*ret_status = BARCO_EXIT_BARCO;
	if (parsed == BARCO_CLI_HELP || parsed == BARCO_CLI_VERSION) {
		if (parsed == BARCO_CLI_HELP)
			fputs(usage, stdout);
		else
			printf("barco %s\n", BARCO_VERSION);
		*ret_status = 0;
		return false;
	}
	if (parsed < 0) {
		(void)barco_cmd_fail(parse_err, BARCO_EXIT_BARCO);
		return false;
	}
	barco_log_set_level(level_for(verbosity));
	if (barco_config_finish(cfg, &err) < 0) {
		(void)barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		return false;
	}
	if (geteuid() != 0) {
		barco_err_set(&err, EPERM,
			      "barco needs root on the host (it writes id maps and cgroups; "
			      "rootless containers are not supported yet)");
		(void)barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		return false;
	}
	if (ensure_rootfs(cfg, &err) < 0) {
		(void)barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		return false;
	}
	return true;
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
		return barco_runner_advance(c, BARCO_STAGE_EXEC, barco_cmd_log_stage, NULL, err);
	(void)snprintf(trace->unavailable, sizeof(trace->unavailable),
		       "the container failed before the tracer was attached");
	if (barco_runner_advance(c, BARCO_STAGE_CGROUPS, barco_cmd_log_stage, NULL, err) < 0)
		return -1;
	*tracer = start_tracer(c, trace);
	if (barco_runner_advance(c, BARCO_STAGE_SECCOMP, barco_cmd_log_stage, NULL, err) < 0)
		return -1;
	if (*tracer && barco_trace_arm(*tracer, c->pid, &arm_err) < 0) {
		(void)barco_err_str(&arm_err, trace->unavailable, sizeof(trace->unavailable));
		log_warn("--trace: %s", trace->unavailable);
		barco_trace_close(*tracer);
		*tracer = NULL;
	}
	return barco_runner_advance(c, BARCO_STAGE_EXEC, barco_cmd_log_stage, NULL, err);
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
	return status;
}

int barco_cmd_run_container(const struct barco_config *cfg, const int *stdio,
			    struct barco_trace_result *trace)
{
	struct barco_tracer *tracer = NULL;
	struct barco_container c;
	struct barco_err err = {0};
	int status;

	if (barco_container_open(&c, cfg, barco_stage_table(), &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	if (use_stdio(&c, stdio, &err) < 0 || advance(&c, trace, &tracer, &err) < 0) {
		status = c.exit_status;
		return barco_cmd_fail(&err, finish(&c, tracer, trace, status));
	}
	if (barco_runner_wait(&c, &status, &err) < 0)
		return barco_cmd_fail(&err, finish(&c, tracer, trace, BARCO_EXIT_BARCO));
	log_info("container %s exited with status %d", cfg->name, status);
	return finish(&c, tracer, trace, status);
}

/* barco run: with --trace, the report follows on stderr once the command has exited. */
static int run_container(const struct barco_config *cfg)
{
	cleanup_free struct barco_trace_result *trace = NULL;
	int status;

	if (cfg->is_trace && !(trace = calloc(1, sizeof(*trace)))) {
		struct barco_err err = {0};

		barco_err_errno(&err, "allocating the trace report");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	status = barco_cmd_run_container(cfg, NULL, trace);
	if (trace && cfg->is_trace_json)
		barco_trace_print_json(stderr, trace, cfg->name, cfg->seccomp);
	else if (trace)
		barco_trace_print_text(stderr, trace, cfg->name, cfg->seccomp);
	return status;
}

int barco_cmd_run(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed, status;

	barco_config_init(&cfg);
	parsed = barco_cli_parse_run(argc, argv, &cfg, &verbosity, NULL, &err);
	if (!barco_cmd_prepare(&cfg, parsed, &err, verbosity, barco_run_usage, &status))
		return status;
	return run_container(&cfg);
}

int barco_cmd_seed(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed, status;

	barco_config_init(&cfg);
	parsed = barco_cli_parse_seed(argc, argv, &cfg, &verbosity, &err);
	if (!barco_cmd_prepare(&cfg, parsed, &err, verbosity, barco_run_usage, &status))
		return status;
	return run_container(&cfg);
}

int barco_cmd_rootfs(int argc, char **argv)
{
	struct barco_err err = {0};

	if (argc != 3 || strcmp(argv[1], "create") != 0) {
		barco_err_set(&err, 0, "usage: barco rootfs create DIR");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	/* Owned by the default map's root, 100000: container root owns its files. */
	if (barco_rootfs_create(argv[2], 100000, 100000, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	printf("%s\n", argv[2]);
	return 0;
}
