#pragma once
/*
 * The CLI verbs, one file each (src/cmd_*.c), and what they share. Only
 * these print messages and choose exit statuses.
 */
#include <stdbool.h>
#include <stdint.h>
#include "base/config.h"
#include "base/err.h"
#include "runtime/runner.h"

int barco_cmd_run(int argc, char **argv);
int barco_cmd_seed(int argc, char **argv);
int barco_cmd_rootfs(int argc, char **argv);
int barco_cmd_step(int argc, char **argv);
int barco_cmd_stages(int argc, char **argv);
int barco_cmd_ps(int argc, char **argv);
int barco_cmd_delete(int argc, char **argv);
int barco_cmd_probe(int argc, char **argv);
int barco_cmd_lesson(int argc, char **argv);
int barco_cmd_verify(int argc, char **argv);

/* Prints "barco: <error>" as one line on stderr and returns status. */
int barco_cmd_fail(const struct barco_err *err, int status);

/*
 * After parsing (parsed is the parser's result, parse_err its error): sets
 * the log level, fills defaults, checks that we are root, makes the
 * default rootfs on first use. Returns false when the command must stop
 * (help printed, or an error reported) and exit with *ret_status.
 */
bool barco_cmd_prepare(struct barco_config *cfg, int parsed, const struct barco_err *parse_err,
		       int verbosity, const char *usage, int *ret_status);

struct barco_trace_result; /* trace.h */

/*
 * One container from start to end, as `barco run` runs it; prints barco's
 * errors and returns the status to exit with. stdio: the command's stdin,
 * stdout and stderr (NULL: barco's). With trace non-NULL the eBPF tracer
 * watches it (attached after the cgroups stage, armed just before exec) and
 * trace holds the result afterwards; if tracing cannot start, a warning
 * says why, trace->is_available is false, and the container runs anyway.
 */
int barco_cmd_run_container(const struct barco_config *cfg, const int *stdio,
			    struct barco_trace_result *trace);

/* Logs a stage's report, one line per syscall (-v). */
void barco_cmd_log_stage(const struct barco_container *c, enum barco_stage stage,
			 const struct barco_report *rep, uint64_t duration_ns, void *data);
