/*
 * Break-it mode (lesson_skip.h): the protections a lesson may leave out,
 * the ones it may not and why, and the stage table with one row changed.
 */
#include "runtime/lesson_skip.h"

#include <string.h>

#include "base/util.h"
#include "runtime/stage.h"

/* clang-format off */
static const struct barco_lesson_skip_def skips[] = {
	{BARCO_LESSON_SKIP_CGROUPS, "cgroups", BARCO_STAGE_CGROUPS,
	 "no memory, pids or CPU limit is written: the container can take the host's memory "
	 "and fork without end"},
	{BARCO_LESSON_SKIP_USERNS, "userns", BARCO_STAGE_USERNS,
	 "no user namespace (as --userns=host): container root is host root, and host root's "
	 "files are writable"},
	{BARCO_LESSON_SKIP_HOSTNAME, "hostname", BARCO_STAGE_HOSTNAME,
	 "no sethostname: the new UTS namespace keeps a copy of the host's name"},
	{BARCO_LESSON_SKIP_MOUNTS, "mounts", BARCO_STAGE_MOUNTS,
	 "no new root, no /proc, /sys, /dev of its own, nothing masked: the container sees the "
	 "host's / and the host's /proc"},
	{BARCO_LESSON_SKIP_PIVOT_ROOT, "pivot_root", BARCO_STAGE_MOUNTS,
	 "chroot(\".\") instead of pivot_root: the host's / stays in the mount namespace and "
	 "the classic chroot escape (CAP_SYS_CHROOT) reaches it"},
	{BARCO_LESSON_SKIP_CAPS, "caps", BARCO_STAGE_CAPS,
	 "no capability dropped: pid 1 keeps every capability of its user namespace"},
	{BARCO_LESSON_SKIP_SECCOMP, "seccomp", BARCO_STAGE_SECCOMP,
	 "no seccomp filter (as --seccomp=unconfined): every system call reaches the kernel"},
};
/* clang-format on */

_Static_assert(ARRAY_LEN(skips) == BARCO_LESSON_SKIP_COUNT - 1, "one row per skip");

/* The stages that cannot be left out, and why. */
static const struct {
	const char *name;
	const char *why;
} refused[] = {
	{"namespaces", "the mounts stage would then change the host's own mount namespace, and "
		       "in a user namespace a fresh /proc needs a pid namespace it owns; "
		       "--lesson-skip=mounts shows the host's / and /proc instead"},
	{"network", "it only brings lo up and takes nothing away: the network namespace is the "
		    "namespaces stage's"},
	{"exec", "it is what runs the command; it protects nothing"},
};

const struct barco_lesson_skip_def *barco_lesson_skip_get(int skip)
{
	if (skip <= BARCO_LESSON_SKIP_NONE || skip >= BARCO_LESSON_SKIP_COUNT)
		return NULL;
	return &skips[skip - 1];
}

const char *barco_lesson_skip_list(void)
{
	return "cgroups, userns, hostname, mounts, pivot_root, caps, seccomp";
}

int barco_lesson_skip_from_name(const char *name, int *ret_skip, struct barco_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(skips); i++)
		if (strcmp(skips[i].name, name) == 0) {
			*ret_skip = (int)skips[i].skip;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		if (strcmp(refused[i].name, name) == 0)
			return barco_err_set(err, 0,
					     "--lesson-skip=%s: this stage cannot be left out: %s",
					     name, refused[i].why);
	return barco_err_set(err, 0, "unknown --lesson-skip value '%s': it is one of %s", name,
			     barco_lesson_skip_list());
}

void barco_lesson_skip_apply(struct barco_config *cfg)
{
	switch (cfg->lesson_skip) {
	case BARCO_LESSON_SKIP_CGROUPS:
		cfg->memory_max_bytes = 0;
		cfg->pids_max = 0;
		cfg->cpu_weight = 0;
		break;
	case BARCO_LESSON_SKIP_USERNS:
		cfg->is_userns_host = true;
		break;
	case BARCO_LESSON_SKIP_PIVOT_ROOT:
		cfg->is_lesson_chroot = true;
		break;
	case BARCO_LESSON_SKIP_SECCOMP:
		cfg->seccomp = BARCO_SECCOMP_UNCONFINED;
		break;
	default:
		break;
	}
}

static void report_skip(const struct barco_container *c, struct barco_report *rep)
{
	const struct barco_lesson_skip_def *def = barco_lesson_skip_get(c->cfg->lesson_skip);

	barco_report_add(rep, "LESSON-SKIP (--lesson-skip=%s): %s. Unsafe: for lessons only.",
			 def->name, def->left_out);
}

/* The stage left out: only the warning. */
static int omitted(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
{
	(void)err;
	report_skip(c, rep);
	return 0;
}

/* The stage on a changed configuration: the warning, then the stage's own parent part. */
static int changed_parent(struct barco_container *c, struct barco_report *rep,
			  struct barco_err *err)
{
	const struct barco_lesson_skip_def *def = barco_lesson_skip_get(c->cfg->lesson_skip);

	report_skip(c, rep);
	return barco_stage_get(def->stage)->parent(c, rep, err);
}

static int changed_child(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
{
	const struct barco_lesson_skip_def *def = barco_lesson_skip_get(c->cfg->lesson_skip);

	report_skip(c, rep);
	return barco_stage_get(def->stage)->child(c, rep, err);
}

const struct barco_stage_def *barco_lesson_skip_table(const struct barco_config *cfg,
						      struct barco_stage_def *buf)
{
	const struct barco_lesson_skip_def *def = barco_lesson_skip_get(cfg->lesson_skip);
	struct barco_stage_def *row;

	if (!def)
		return barco_stage_table();
	memcpy(buf, barco_stage_table(), BARCO_STAGE_COUNT * sizeof(*buf));
	row = &buf[def->stage];
	switch (def->skip) {
	case BARCO_LESSON_SKIP_HOSTNAME:
	case BARCO_LESSON_SKIP_MOUNTS:
	case BARCO_LESSON_SKIP_CAPS:
		row->child = omitted;
		break;
	default:
		/* The warning goes where the stage has its first part. */
		if (row->parent) {
			row->parent = changed_parent;
			row->is_parent_idle = NULL;
		} else
			row->child = changed_child;
	}
	return buf;
}
