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
int barco_cmd_run_config(const struct barco_config *cfg)
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
	barco_cmd_warn_lesson_skip(cfg.lesson_skip);
	return barco_cmd_run_config(&cfg);
}
