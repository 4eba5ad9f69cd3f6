#pragma once
/*
 * The stage table is the architecture: every isolation step is a row, and
 * one runner (runner.c) walks the rows in order. A row names the stage, the
 * lesson that explains it, and up to two functions: one that runs in the
 * runner (the parent, on the host) and one that runs in the container
 * process. The parent part of a row runs first; then the child is told to
 * continue and runs its part; then the child reports back. `barco step
 * --until=STAGE` is nothing more than stopping this walk after a row.
 */
#include <stddef.h>
#include "base/err.h"
#include "base/report.h"

enum barco_stage {
	BARCO_STAGE_CGROUPS,
	BARCO_STAGE_USERNS,
	BARCO_STAGE_NAMESPACES,
	BARCO_STAGE_HOSTNAME,
	BARCO_STAGE_MOUNTS,
	BARCO_STAGE_NETWORK,
	BARCO_STAGE_CAPS,
	BARCO_STAGE_SECCOMP,
	BARCO_STAGE_EXEC,
	BARCO_STAGE_COUNT,
};

struct barco_container; /* runner.h */

typedef int (*barco_stage_fn)(struct barco_container *c, struct barco_report *rep,
			      struct barco_err *err);

struct barco_stage_def {
	enum barco_stage stage;
	const char *name;      /* canonical, as typed on the command line */
	const char *summary;   /* one line, for `barco stages` */
	const char *lesson;    /* lessons/NN-name.md */
	barco_stage_fn parent; /* runs in the runner, before the child's part; may be NULL */
	barco_stage_fn child;  /* runs in the container process; may be NULL */
};

/* The table, indexed by enum barco_stage. */
const struct barco_stage_def *barco_stage_get(enum barco_stage stage);

/* Looks a stage up by its canonical name; -1 when unknown. */
int barco_stage_from_name(const char *name);

/* "cgroups, userns, …, exec" for error messages. */
const char *barco_stage_list(void);
