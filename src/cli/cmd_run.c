/* barco run: one container, its command's exit status, and with --trace its report. */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "runtime/run.h"
#include "base/exit_status.h"
#include "trace/trace.h"

/* barco run: with --trace, the report follows on stderr once the command has exited. */
static int run_config(const struct barco_config *cfg)
{
	cleanup_free struct barco_trace_result *trace = NULL;
	struct barco_err err = {0};
	int status;

	if (cfg->is_trace && !(trace = calloc(1, sizeof(*trace)))) {
		barco_err_errno(&err, "allocating the trace report");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	if (barco_run_container(cfg, NULL, trace, &status, &err) < 0)
		(void)barco_cmd_fail(&err, status);
	if (trace && cfg->is_trace_json)
		barco_trace_print_json(stderr, trace, cfg->name, cfg->seccomp);
	else if (trace)
		barco_trace_print_text(stderr, trace, cfg->name, cfg->seccomp);
	return status;
}

int barco_cmd_run_parsed(int argc, char **argv, barco_cmd_parse_fn *parse)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed, status;

	barco_config_init(&cfg);
	parsed = parse(argc, argv, &cfg, &verbosity, &err);
	if (!barco_cmd_prepare(&cfg, parsed, &err, verbosity, barco_run_usage, &status))
		return status;
	barco_cmd_warn_lesson_skip(cfg.lesson_skip);
	return run_config(&cfg);
}

static int parse_run(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
		     struct barco_err *err)
{
	return barco_cli_parse_run(argc, argv, cfg, ret_verbosity, NULL, err);
}

int barco_cmd_run(int argc, char **argv)
{
	return barco_cmd_run_parsed(argc, argv, parse_run);
}
