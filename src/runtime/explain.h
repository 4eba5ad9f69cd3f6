#pragma once
/*
 * A stage report as the learner reads it: what was done (the syscalls with
 * their real arguments), why (the Summary of the stage's lesson, compiled
 * in), where to look now (commands with the real pid and paths), and how
 * long it took. Text for people, one JSON object per line for programs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "stages/cgroup.h"
#include "base/report.h"
#include "runtime/stage.h"

struct barco_stage_view {
	const char *name; /* the container's */
	enum barco_stage stage;
	pid_t pid; /* the container process on the host; 0 before it exists */
	uint64_t duration_ns;
	const char *what; /* the stage's report: lines */
	const struct barco_cgroup *cgroup;
};

/* The stage's "why": its lesson's Summary section. */
const char *barco_explain_why(enum barco_stage stage);

/* The "look" commands, one per line. */
void barco_explain_look(const struct barco_stage_view *v, struct barco_report *ret_look);

void barco_explain_print(FILE *out, const struct barco_stage_view *v, bool is_json);
