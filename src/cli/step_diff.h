#pragma once
/*
 * `barco step --diff`: after each stage, what changed for the container
 * process as the host sees it (runtime/observe.h), printed under the
 * stage's report, as text or as one JSON line of type "diff".
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "runtime/observe.h"
#include "runtime/stage.h"

struct barco_step_diff {
	struct barco_observe prev; /* the snapshot the next stage is compared with */
	bool has_prev;
	bool is_prev_runner; /* prev is the runner: no container process existed yet */
};

/*
 * The snapshot before the first stage asked for: the container process,
 * or (pid 0 or gone) the runner, its parent-to-be. False when neither can
 * be read (then the first diff says so).
 */
bool barco_step_diff_start(struct barco_step_diff *sd, pid_t pid, pid_t runner_pid);

/* After a stage's report: snapshot pid, print the difference, keep it for the next stage. */
void barco_step_diff_print(FILE *out, struct barco_step_diff *sd, const char *name,
			   enum barco_stage stage, pid_t pid, bool is_json);
