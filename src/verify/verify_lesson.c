/*
 * barco verify --lesson-skip=NAME: the other half of break-it mode
 * (runtime/lesson_skip.h). Each protection that a lesson may leave out has
 * escapes, rows that it stops: they run once in a default container, where
 * they must be stopped (with the kernel's evidence, as in barco verify), and
 * once with the protection left out, where they must succeed. Some of those
 * rows are in barco verify's own table; the ones here only make sense next
 * to a skip (a write to host root's file, the host's name, the host's /,
 * the chroot escape).
 */
#include "verify/verify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "runtime/lesson_skip.h"

/* clang-format off */
const struct barco_verify_row barco_verify_lesson_rows[] = {
	/* A file of the rootfs that host root owns (verify_rootfs.c): no id in here maps to it. */
	{.id = "host_file", .action = "write a file owned by host root (0644)",
	 .layer = BARCO_VERIFY_LAYER_USERNS, .comm = "v-host_file",
	 .shell = "v-host_file write /host-root-file escaped", .outcome = BARCO_VERIFY_OUTCOME_KEY,
	 .key = "write", .syscalls = {"openat", "open"}, .cap = -1, .expect = EACCES},
	/* The evidence of the next three rows is the last line they print. */
	{.id = "uts", .action = "carry the host's hostname",
	 .layer = BARCO_VERIFY_LAYER_NAMESPACE, .comm = "v-uts",
	 .shell = "n=$(v-uts hostname); if [ \"$n\" = '{hostname}' ]; then echo uts=ok; "
		  "echo \"'$n' is the host's name\"; else echo uts=own; "
		  "echo \"'$n', not the host's '{hostname}'\"; fi",
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = "uts", .cap = -1, .evidence_label = "uname"},
	{.id = "host_root", .action = "stand on the host's / (its device and inode)",
	 .layer = BARCO_VERIFY_LAYER_ROOT, .comm = "v-host_root",
	 .shell = "r=$(stat -c %d:%i /); if [ \"$r\" = '{rootid}' ]; then echo host_root=ok; "
		  "echo \"/ is $r: the host's root\"; else echo host_root=own; "
		  "echo \"/ is $r, not the host's {rootid}\"; fi",
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = "host_root", .cap = -1,
	 .evidence_label = "stat"},
	{.id = "chroot_escape", .action = "chroot(subdir), chdir(\"..\") x256, chroot(\".\")",
	 .layer = BARCO_VERIFY_LAYER_ROOT, .comm = "v-chroot_escape",
	 .shell = "v-chroot_escape chroot-escape {rootid}", .outcome = BARCO_VERIFY_OUTCOME_KEY,
	 .key = "chroot_escape", .cap = -1, .evidence_label = "climb"},
};

const size_t barco_verify_lesson_rows_len = ARRAY_LEN(barco_verify_lesson_rows);

/* The rows that show each skip's escape, by id, in the order of lesson_skip.h. */
static const char *const escapes[][3] = {
	[BARCO_LESSON_SKIP_CGROUPS] = {"memory", "pids", NULL},
	[BARCO_LESSON_SKIP_USERNS] = {"host_file", NULL},
	[BARCO_LESSON_SKIP_HOSTNAME] = {"uts", NULL},
	[BARCO_LESSON_SKIP_MOUNTS] = {"host_root", NULL},
	[BARCO_LESSON_SKIP_PIVOT_ROOT] = {"chroot_escape", NULL},
	[BARCO_LESSON_SKIP_CAPS] = {"net_admin", NULL},
	[BARCO_LESSON_SKIP_SECCOMP] = {"unshare", "clone", NULL},
};
/* clang-format on */

_Static_assert(ARRAY_LEN(escapes) == BARCO_LESSON_SKIP_COUNT, "escapes for every skip");

#define ESCAPES_MAX (ARRAY_LEN(escapes[0]) - 1)

const char *const *barco_verify_lesson_escapes(int skip)
{
	if (skip <= BARCO_LESSON_SKIP_NONE || skip >= BARCO_LESSON_SKIP_COUNT)
		return NULL;
	return escapes[skip];
}

const struct barco_verify_row *barco_verify_lesson_row(const char *id)
{
	for (size_t i = 0; i < barco_verify_lesson_rows_len; i++)
		if (strcmp(barco_verify_lesson_rows[i].id, id) == 0)
			return &barco_verify_lesson_rows[i];
	return barco_verify_row_by_id(id);
}

/* One escape: stopped in the default container, and what it did with the skip. */
struct escape {
	const struct barco_verify_row *row;
	struct barco_verify_result without;
	struct barco_verify_result with;
	bool is_escaped; /* succeeded with the skip */
	bool is_shown;	 /* and was stopped without it */
};

static void judge_escape(struct escape *e, const struct barco_verify_run *def,
			 const struct barco_verify_run *skipped)
{
	barco_verify_judge(e->row, def, &e->without);
	barco_verify_read_outcome(e->row, skipped->output, &e->with);
	if (!e->row->evidence_label ||
	    !barco_verify_output_evidence(e->row, skipped->output, e->with.evidence,
					  sizeof(e->with.evidence)))
		(void)snprintf(e->with.evidence, sizeof(e->with.evidence), "%s",
			       e->with.is_stopped ? "still stopped" : "the action succeeded");
	/* "no result" and "did not run" are not stopped, and not an escape either. */
	e->is_escaped = !e->with.is_stopped && strncmp(e->with.returned, "no result", 9) != 0 &&
			strcmp(e->with.returned, "did not run") != 0;
	e->with.verdict = e->is_escaped ? "ESCAPED" : e->with.is_stopped ? "stopped" : "FAIL";
	e->is_shown = e->without.is_stopped && e->is_escaped;
}

static void print_text(const char *name, const struct escape *e, size_t n, bool is_ok)
{
	printf("barco verify --lesson-skip=%s: each escape without the skip (the default "
	       "container) and with it\n\n",
	       name);
	for (size_t i = 0; i < n; i++) {
		printf("%s (stopped by: %s)\n", e[i].row->action,
		       barco_verify_layer_name(e[i].row->layer));
		printf("  default:        %-14s %-8s %s\n", e[i].without.returned,
		       e[i].without.verdict, e[i].without.evidence);
		printf("  --lesson-skip:  %-14s %-8s %s\n", e[i].with.returned, e[i].with.verdict,
		       e[i].with.evidence);
	}
	printf("\nlesson: %s\n", is_ok ? "the escape is stopped by default and works with the skip"
				       : "NOT SHOWN (see the rows above)");
}

static void json_side(const char *key, const struct barco_verify_result *r)
{
	char esc[2 * BARCO_VERIFY_EVIDENCE_MAX + 8];

	printf(",\"%s\":{\"returned\":\"%s\"", key,
	       barco_json_escape(r->returned, esc, sizeof(esc)));
	printf(",\"verdict\":\"%s\"", r->verdict);
	printf(",\"evidence\":\"%s\"}", barco_json_escape(r->evidence, esc, sizeof(esc)));
}

static void print_json(const char *name, const struct escape *e, size_t n, bool is_ok)
{
	printf("{\"type\":\"verify-lesson\",\"skip\":\"%s\",\"ok\":%s,\"rows\":[", name,
	       is_ok ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"id\":\"%s\",\"layer\":\"%s\",\"escaped\":%s", i ? "," : "",
		       e[i].row->id, barco_verify_layer_name(e[i].row->layer),
		       e[i].is_escaped ? "true" : "false");
		json_side("default", &e[i].without);
		json_side("skipped", &e[i].with);
		printf("}");
	}
	printf("]}\n");
}

/* Runs the escapes in both containers; *ret_ok when each was shown. */
static int run_both(const struct barco_verify_opts *o, int skip, struct escape *e, size_t n,
		    bool *ret_ok, int *ret_status, struct barco_err *err)
{
	const struct barco_verify_row *sel[ESCAPES_MAX];
	const struct barco_verify_change def = {.seccomp = BARCO_SECCOMP_DEFAULT};
	const struct barco_verify_change changed = {.seccomp = BARCO_SECCOMP_DEFAULT,
						    .lesson_skip = skip};
	struct barco_verify_run runs[2] = {{0}};
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		sel[i] = e[i].row;
	if (barco_verify_run_rows(o, sel, n, &def, &runs[0], err) < 0) {
		*ret_status = runs[0].status;
		rc = -1;
	} else if (barco_verify_run_rows(o, sel, n, &changed, &runs[1], err) < 0) {
		*ret_status = runs[1].status;
		rc = -1;
	}
	*ret_ok = rc == 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		judge_escape(&e[i], &runs[0], &runs[1]);
		*ret_ok = *ret_ok && e[i].is_shown;
	}
	barco_verify_run_free(&runs[0]);
	barco_verify_run_free(&runs[1]);
	return rc;
}

int barco_verify_lesson(const struct barco_verify_opts *o, int skip, int *ret_status,
			struct barco_err *err)
{
	const char *const *ids = barco_verify_lesson_escapes(skip);
	struct escape e[ESCAPES_MAX] = {{0}};
	size_t n = 0;
	bool is_ok;

	for (; ids && ids[n]; n++)
		e[n].row = barco_verify_lesson_row(ids[n]);
	if (run_both(o, skip, e, n, &is_ok, ret_status, err) < 0)
		return -1;
	if (o->is_json)
		print_json(barco_lesson_skip_get(skip)->name, e, n, is_ok);
	else
		print_text(barco_lesson_skip_get(skip)->name, e, n, is_ok);
	return is_ok ? 0 : 1;
}
