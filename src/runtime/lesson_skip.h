#pragma once
/*
 * Break-it mode: `--lesson-skip=NAME` runs a container with one protection
 * left out, so that a lesson can show the escape that protection prevents
 * (barco verify --lesson-skip=NAME shows it row by row). Never a default,
 * only through that exact option, one protection at a time, and loud: a
 * warning on stderr and a "LESSON-SKIP" line in the report of the stage.
 *
 * A skip is either a stage row replaced by one that only reports what it
 * leaves out (hostname, mounts, caps), or the stage run on a changed
 * configuration (cgroups without limits, userns as --userns=host, seccomp
 * unconfined, chroot instead of pivot_root).
 */
#include <stddef.h>
#include "base/config.h"
#include "base/err.h"
#include "runtime/runner.h"

enum barco_lesson_skip {
	BARCO_LESSON_SKIP_NONE,
	BARCO_LESSON_SKIP_CGROUPS,
	BARCO_LESSON_SKIP_USERNS,
	BARCO_LESSON_SKIP_HOSTNAME,
	BARCO_LESSON_SKIP_MOUNTS,
	BARCO_LESSON_SKIP_PIVOT_ROOT,
	BARCO_LESSON_SKIP_CAPS,
	BARCO_LESSON_SKIP_SECCOMP,
	BARCO_LESSON_SKIP_COUNT,
};

struct barco_lesson_skip_def {
	enum barco_lesson_skip skip;
	const char *name;	/* as typed: --lesson-skip=NAME */
	enum barco_stage stage; /* the stage it changes */
	const char *left_out;	/* what the container goes without, for the warning */
};

/* The row of skip; NULL for BARCO_LESSON_SKIP_NONE or out of range. */
const struct barco_lesson_skip_def *barco_lesson_skip_get(int skip);

/*
 * Parses NAME into *ret_skip. Names that cannot be skipped (namespaces,
 * network, exec) get an error saying why; unknown ones list the values.
 */
int barco_lesson_skip_from_name(const char *name, int *ret_skip, struct barco_err *err)
	__attribute__((warn_unused_result));

/* "cgroups, userns, …" for help and errors. */
const char *barco_lesson_skip_list(void);

/* Changes cfg for a skip that runs its stage on a changed configuration. */
void barco_lesson_skip_apply(struct barco_config *cfg);

/*
 * The stage table for cfg: barco_stage_table() itself without a skip,
 * else a copy in buf with the skipped stage's row replaced.
 */
const struct barco_stage_def *barco_lesson_skip_table(const struct barco_config *cfg,
						      struct barco_stage_def *buf);
