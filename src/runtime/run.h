#pragma once
/*
 * One container from start to end, as `barco run` runs it (and `barco
 * verify`, with its rows as the command).
 */
#include "base/config.h"
#include "base/err.h"
#include "trace/trace.h"

/*
 * Runs cfg's container to its end. stdio: the command's stdin, stdout and
 * stderr (NULL: barco's). With trace non-NULL the eBPF tracer watches it
 * (attached after the cgroups stage, armed just before exec) and trace
 * holds the result afterwards; if tracing cannot start, a warning says
 * why, trace->is_available is false, and the container runs anyway.
 * *ret_status is the status to exit with: the command's when this returns
 * 0; when it returns -1 (err says what failed), barco's 125, or 126/127
 * when the command could not be executed.
 */
int barco_run_container(const struct barco_config *cfg, const int *stdio,
			struct barco_trace_result *trace, int *ret_status, struct barco_err *err)
	__attribute__((warn_unused_result));
