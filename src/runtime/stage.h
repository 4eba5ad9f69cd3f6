#pragma once
/*
 * The stage table is the architecture: every isolation step is a row, and
 * one runner (runner.c) walks the rows it is given, in order. A row names
 * the stage, the lesson that explains it, and up to two functions: one that
 * runs in the runner (the parent, on the host) and one that runs in the
 * container process. The functions are stage.c's own, the thin glue between
 * a row and the module of src/stages/ that does the work. `barco step
 * --until=STAGE` is nothing more than stopping the walk after a row.
 */
#include "runtime/runner.h"

/* The table, indexed by enum barco_stage: what barco_container_open() is given. */
const struct barco_stage_def *barco_stage_table(void);

/* One row of the table; NULL when stage is out of range. */
const struct barco_stage_def *barco_stage_get(enum barco_stage stage);
/* Looks a stage up by its canonical name; -1 when unknown. */
int barco_stage_from_name(const char *name);

/* "cgroups, userns, …, exec" for error messages. */
const char *barco_stage_list(void);
