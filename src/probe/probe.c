/*
 * The probe runner: one loop over the checks of the selected sections,
 * each section's preparation first and its conclusions last, as the
 * section table (probe_sections.c) says.
 */
#include "probe/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/util.h"

/* ---- the run ------------------------------------------------------------------ */

static size_t count_checks(const bool sections[BARCO_PROBE_SECTION_COUNT])
{
	size_t n = 0;

	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++)
		if (sections[s])
			n += *barco_probe_section_get((enum barco_probe_section)s)->len;
	return n;
}

/* An ordinary user's result of a check that needs root: not a failure of rootless barco's. */
static void needs_root(struct barco_probe_result *ret)
{
	char summary[BARCO_PROBE_SUMMARY_MAX], hint[BARCO_PROBE_HINT_MAX];

	(void)snprintf(summary, sizeof(summary), "%s", ret->summary);
	(void)snprintf(hint, sizeof(hint), "%s", ret->hint);
	barco_probe_set(ret, BARCO_PROBE_SKIP, hint, "needs root: %s", summary);
}

static void run_one(struct barco_probe_ctx *ctx, const struct barco_probe_check *check,
		    struct barco_probe_result *ret)
{
	struct barco_err err = {0};
	uint64_t start = barco_now_ns();
	char msg[BARCO_ERR_MSG_MAX + 64];

	barco_report_clear(&ret->evidence);
	if (check->fn(ctx, check->arg, ret, &err) < 0) {
		barco_err_str(&err, msg, sizeof(msg));
		barco_report_add(&ret->evidence, "probing failed: %s", msg);
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN,
				"the probe could not run its attempt (see the evidence): "
				"check the system's process and file limits",
				"probing failed: %s", msg);
		ret->is_broken = true;
	}
	if (check->needs_root && geteuid() != 0 && !barco_probe_status_is_ok(ret->status))
		needs_root(ret);
	/* Every non-PASS result names a fix; a check that forgot one points to the docs. */
	if (ret->status != BARCO_PROBE_PASS && ret->hint[0] == '\0')
		(void)snprintf(ret->hint, sizeof(ret->hint), "see docs/probes.md, check %s",
			       check->name);
	ret->duration_ns = barco_now_ns() - start;
}

static void conclude(struct barco_probe_run *run)
{
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		const struct barco_probe_section_def *def =
			barco_probe_section_get((enum barco_probe_section)s);

		if (run->sections[s] && def->conclude)
			def->conclude(run, run->conclusions[s]);
	}
}

static void prepare(struct barco_probe_ctx *ctx, const bool sections[BARCO_PROBE_SECTION_COUNT])
{
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		const struct barco_probe_section_def *def =
			barco_probe_section_get((enum barco_probe_section)s);

		if (sections[s] && def->prepare)
			def->prepare(ctx);
	}
}

/* The sections that run first, then the others; the report keeps table order. */
static void run_checks(struct barco_probe_ctx *ctx, struct barco_probe_run *run)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < run->n; i++)
			if (barco_probe_section_get(run->checks[i]->section)->runs_first ==
			    (pass == 0))
				run_one(ctx, run->checks[i], &run->results[i]);
}

int barco_probe_run(const bool sections[BARCO_PROBE_SECTION_COUNT], struct barco_probe_run *ret,
		    struct barco_err *err)
{
	struct barco_probe_ctx ctx = {0};
	struct utsname uts;
	uint64_t start = barco_now_ns();
	size_t n = count_checks(sections);

	memset(ret, 0, sizeof(*ret));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	ret->checks = calloc(n ? n : 1, sizeof(*ret->checks));
	ret->results = calloc(n ? n : 1, sizeof(*ret->results));
	if (!ret->checks || !ret->results) {
		barco_probe_run_free(ret);
		return barco_err_errno(err, "allocating %zu probe results", n);
	}
	memcpy(ret->sections, sections, sizeof(ret->sections));
	if (uname(&uts) == 0)
		(void)snprintf(ret->kernel_release, sizeof(ret->kernel_release), "%s", uts.release);
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		const struct barco_probe_section_def *def =
			barco_probe_section_get((enum barco_probe_section)s);

		for (size_t i = 0; sections[s] && i < *def->len; i++)
			ret->checks[ret->n++] = &def->checks[i];
	}
	/* Read once here, shared by every check process. */
	barco_kconfig_load(&ctx.kconfig);
	(void)snprintf(ret->config_source, sizeof(ret->config_source), "%s",
		       ctx.kconfig.text ? ctx.kconfig.source : "");
	prepare(&ctx, sections);
	run_checks(&ctx, ret);
	barco_probe_ctx_finish(&ctx);
	barco_kconfig_free(&ctx.kconfig);
	conclude(ret);
	ret->duration_ns = barco_now_ns() - start;
	return 0;
}

void barco_probe_run_free(struct barco_probe_run *run)
{
	free(run->checks);
	free(run->results);
	run->checks = NULL;
	run->results = NULL;
	run->n = 0;
}

int barco_probe_exit_status(const struct barco_probe_run *run)
{
	int status = BARCO_PROBE_EXIT_OK;

	for (size_t i = 0; i < run->n; i++) {
		const struct barco_probe_result *r = &run->results[i];

		if (r->is_broken)
			return BARCO_PROBE_EXIT_BROKEN;
		/* A required check passes with PASS or WARN (works, with a caveat). */
		if (run->checks[i]->is_required && !barco_probe_status_is_ok(r->status))
			status = BARCO_PROBE_EXIT_REQUIRED;
	}
	return status;
}
