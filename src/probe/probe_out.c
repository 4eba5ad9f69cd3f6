/*
 * The probe report, for people (sections, one line per check, evidence and
 * a fix under anything not PASS) and for scripts (one JSON document in the
 * format of probes/probe.schema.json; keep the two in step).
 */
#include "probe/probe.h"

#include <string.h>

#include "base/json.h"

#define NAME_WIDTH 27

/* ANSI colours (ECMA-48 SGR), used only on a terminal without NO_COLOR. */
/* clang-format off */
static const char *const status_colors[BARCO_PROBE_STATUS_COUNT] = {
	[BARCO_PROBE_PASS] = "\033[32m",
	[BARCO_PROBE_WARN] = "\033[33m",
	[BARCO_PROBE_FAIL] = "\033[31m",
	[BARCO_PROBE_UNKNOWN] = "\033[35m",
	[BARCO_PROBE_SKIP] = "\033[36m", /* cyan: not a failure */
};
/* clang-format on */
#define COLOR_BOLD  "\033[1m"
#define COLOR_RESET "\033[0m"

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void count(const struct barco_probe_run *run, size_t ret[BARCO_PROBE_STATUS_COUNT],
		  size_t *ret_required_failed)
{
	memset(ret, 0, sizeof(size_t) * BARCO_PROBE_STATUS_COUNT);
	*ret_required_failed = 0;
	for (size_t i = 0; i < run->n; i++) {
		enum barco_probe_status s = run->results[i].status;

		ret[s]++;
		if (run->checks[i]->is_required && !barco_probe_status_is_ok(s))
			(*ret_required_failed)++;
	}
}

/* ---- text ---------------------------------------------------------------------------- */

static void print_lines(FILE *out, const char *prefix, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		fprintf(out, "%s%.*s\n", prefix, (int)len, text);
		text += len + (text[len] == '\n');
	}
}

static void print_check(FILE *out, const struct barco_probe_check *c,
			const struct barco_probe_result *r, bool is_color, bool is_verbose)
{
	const char *on = is_color ? status_colors[r->status] : "";
	const char *off = is_color ? COLOR_RESET : "";
	bool is_detailed = is_verbose || r->status != BARCO_PROBE_PASS;

	fprintf(out, "  %s%-7s%s  %-*s  %s%s\n", on, barco_probe_status_name(r->status), off,
		NAME_WIDTH, c->name, r->summary,
		c->is_required && !barco_probe_status_is_ok(r->status) ? " (required)" : "");
	if (!is_detailed)
		return;
	print_lines(out, "           | ", r->evidence.text);
	if (r->hint[0])
		fprintf(out, "           fix: %s\n", r->hint);
}

static void print_conclusions(FILE *out, const struct barco_probe_conclusion *c)
{
	for (size_t i = 0; i < BARCO_PROBE_CONCLUSIONS_MAX && c[i].key; i++)
		fprintf(out, "  => %s: %s\n", c[i].key, c[i].value);
}

void barco_probe_print_text(FILE *out, const struct barco_probe_run *run, bool is_color,
			    bool is_verbose)
{
	size_t counts[BARCO_PROBE_STATUS_COUNT], required_failed;
	size_t i = 0;

	count(run, counts, &required_failed);
	fprintf(out, "barco probe: kernel %s, config %s, %zu checks in %.0f ms\n",
		run->kernel_release, run->config_source[0] ? run->config_source : "unreadable",
		run->n, ms(run->duration_ns));
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		if (!run->sections[s])
			continue;
		fprintf(out, "\n%s%s%s\n", is_color ? COLOR_BOLD : "",
			barco_probe_section_get((enum barco_probe_section)s)->title,
			is_color ? COLOR_RESET : "");
		for (; i < run->n && run->checks[i]->section == (enum barco_probe_section)s; i++)
			print_check(out, run->checks[i], &run->results[i], is_color, is_verbose);
		print_conclusions(out, run->conclusions[s]);
	}
	fprintf(out, "\n%zu PASS, %zu WARN, %zu FAIL, %zu UNKNOWN; ", counts[BARCO_PROBE_PASS],
		counts[BARCO_PROBE_WARN], counts[BARCO_PROBE_FAIL], counts[BARCO_PROBE_UNKNOWN]);
	if (counts[BARCO_PROBE_SKIP])
		fprintf(out, "%zu SKIP (need root); ", counts[BARCO_PROBE_SKIP]);
	if (required_failed)
		fprintf(out, "%zu required check%s did not pass\n", required_failed,
			required_failed == 1 ? "" : "s");
	else
		fprintf(out, "every required check passed\n");
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_cstr(FILE *out, const char *s)
{
	barco_json_put(out, s, strlen(s));
}

static void json_lines(FILE *out, const char *text)
{
	bool is_first = true;

	fputc('[', out);
	while (*text) {
		size_t len = strcspn(text, "\n");

		fputs(is_first ? "" : ", ", out);
		barco_json_put(out, text, len);
		is_first = false;
		text += len + (text[len] == '\n');
	}
	fputc(']', out);
}

static void json_check(FILE *out, const struct barco_probe_check *c,
		       const struct barco_probe_result *r, bool is_first)
{
	fprintf(out, "%s\n        {\"name\": ", is_first ? "" : ",");
	json_cstr(out, c->name);
	fputs(", \"title\": ", out);
	json_cstr(out, c->title);
	fprintf(out, ", \"required\": %s, \"status\": \"%s\", \"summary\": ",
		c->is_required ? "true" : "false", barco_probe_status_name(r->status));
	json_cstr(out, r->summary);
	fputs(", \"evidence\": ", out);
	json_lines(out, r->evidence.text);
	fputs(", \"hint\": ", out);
	json_cstr(out, r->hint);
	fprintf(out, ", \"duration_ms\": %.3f}", ms(r->duration_ns));
}

static void json_conclusions(FILE *out, const struct barco_probe_conclusion *c)
{
	fputs("{", out);
	for (size_t i = 0; i < BARCO_PROBE_CONCLUSIONS_MAX && c[i].key; i++) {
		fputs(i ? ", " : "", out);
		json_cstr(out, c[i].key);
		fputs(": ", out);
		json_cstr(out, c[i].value);
	}
	fputs("}", out);
}

static void json_section(FILE *out, const struct barco_probe_run *run, int s, size_t *i,
			 bool is_first)
{
	const struct barco_probe_section_def *def =
		barco_probe_section_get((enum barco_probe_section)s);
	bool is_first_check = true;

	fprintf(out, "%s\n    {\"name\": \"%s\", \"title\": ", is_first ? "" : ",", def->name);
	json_cstr(out, def->title);
	fputs(", \"conclusions\": ", out);
	json_conclusions(out, run->conclusions[s]);
	fputs(", \"checks\": [", out);
	for (; *i < run->n && run->checks[*i]->section == (enum barco_probe_section)s; (*i)++) {
		json_check(out, run->checks[*i], &run->results[*i], is_first_check);
		is_first_check = false;
	}
	fputs("\n    ]}", out);
}

void barco_probe_print_json(FILE *out, const struct barco_probe_run *run)
{
	size_t counts[BARCO_PROBE_STATUS_COUNT], required_failed, i = 0;
	bool is_first = true;

	count(run, counts, &required_failed);
	fprintf(out, "{\n  \"schema_version\": %d,\n  \"kernel\": ", BARCO_PROBE_SCHEMA_VERSION);
	json_cstr(out, run->kernel_release);
	fputs(",\n  \"config_source\": ", out);
	if (run->config_source[0])
		json_cstr(out, run->config_source);
	else
		fputs("null", out);
	fprintf(out,
		",\n  \"duration_ms\": %.3f,\n  \"exit_status\": %d,\n  \"counts\": {\"PASS\": "
		"%zu, "
		"\"WARN\": %zu, \"FAIL\": %zu, \"UNKNOWN\": %zu, \"SKIP\": %zu},\n  "
		"\"required_failed\": %zu,\n"
		"  \"sections\": [",
		ms(run->duration_ns), barco_probe_exit_status(run), counts[BARCO_PROBE_PASS],
		counts[BARCO_PROBE_WARN], counts[BARCO_PROBE_FAIL], counts[BARCO_PROBE_UNKNOWN],
		counts[BARCO_PROBE_SKIP], required_failed);
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		if (!run->sections[s])
			continue;
		json_section(out, run, s, &i, is_first);
		is_first = false;
	}
	fputs("\n  ]\n}\n", out);
}
