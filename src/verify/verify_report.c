/*
 * barco verify's report on stdout: a table of the rows and the controls
 * for people, or one JSON object ({"type":"verify", "ok", counts,
 * "strategy", "rows", "controls"}) for tests and scripts.
 */
#include "verify/verify.h"

#include <stdio.h>

#include "base/json.h"
#include "base/util.h"

void barco_verify_print_text(const struct barco_verify_verdicts *v)
{
	printf("barco verify: forbidden actions in a default container (%s)\ntracing: ",
	       barco_verify_has_cgroup() ? "with --memory 64M --pids 32" : "no cgroup, no limits");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		printf("%s%s by %s", g ? ", " : "",
		       barco_trace_group_name((enum barco_trace_group)g),
		       barco_trace_attach_name(v->trace->strategy.attach[g]));
	printf("\n\n%-44s %-13s %-14s %-8s %s\n", "ACTION", "LAYER", "RETURNED", "VERDICT",
	       "EVIDENCE");
	for (size_t i = 0; i < barco_verify_rows_len; i++) {
		const struct barco_verify_row *row = &barco_verify_rows[i];

		printf("%-44s %-13s %-14s %-8s %s\n", row->action,
		       barco_verify_layer_name(row->layer), v->rows[i].returned, v->rows[i].verdict,
		       v->rows[i].evidence);
	}
	printf("\npositive controls:\n");
	for (size_t c = 0; c < ARRAY_LEN(v->controls); c++) {
		const struct barco_verify_control *ctl = &v->controls[c];

		printf("  %s: %s%s%s\n", ctl->name, ctl->is_pass ? "pass" : "FAIL (",
		       ctl->is_pass ? "" : ctl->why, ctl->is_pass ? "" : ")");
		for (size_t i = 0; i < ctl->n; i++)
			printf("    %-44s %-28s now: %s\n", ctl->rows[i]->action, ctl->returned[i],
			       ctl->now[i]);
	}
	printf("\nverify: %zu passed, %zu failed or unproven, %zu skipped; controls %s: %s\n",
	       v->passed, v->failed, v->skipped,
	       v->controls[0].is_pass && v->controls[1].is_pass ? "pass" : "FAIL",
	       v->is_ok ? "every action was stopped by its expected layer" : "NOT VERIFIED");
}

static void json_str(const char *key, const char *value, bool comma)
{
	char esc[2 * BARCO_VERIFY_EVIDENCE_MAX + 8];

	printf("%s\"%s\":\"%s\"", comma ? "," : "", key,
	       barco_json_escape(value, esc, sizeof(esc)));
}

static void json_rows(const struct barco_verify_verdicts *v)
{
	printf(",\"rows\":[");
	for (size_t i = 0; i < barco_verify_rows_len; i++) {
		const struct barco_verify_row *row = &barco_verify_rows[i];

		printf("%s{", i ? "," : "");
		json_str("id", row->id, false);
		json_str("action", row->action, true);
		json_str("layer", barco_verify_layer_name(row->layer), true);
		json_str("returned", v->rows[i].returned, true);
		json_str("evidence", v->rows[i].evidence, true);
		json_str("verdict", v->rows[i].verdict, true);
		printf("}");
	}
	printf("]");
}

static void json_controls(const struct barco_verify_verdicts *v)
{
	printf(",\"controls\":[");
	for (size_t c = 0; c < ARRAY_LEN(v->controls); c++) {
		const struct barco_verify_control *ctl = &v->controls[c];

		printf("%s{", c ? "," : "");
		json_str("name", ctl->name, false);
		json_str("verdict", ctl->is_pass ? "pass" : "FAIL", true);
		printf(",\"rows\":[");
		for (size_t i = 0; i < ctl->n; i++) {
			printf("%s{", i ? "," : "");
			json_str("id", ctl->rows[i]->id, false);
			json_str("returned", ctl->returned[i], true);
			json_str("now", ctl->now[i], true);
			printf("}");
		}
		printf("]}");
	}
	printf("]");
}

void barco_verify_print_json(const struct barco_verify_verdicts *v)
{
	printf("{\"type\":\"verify\",\"ok\":%s,\"passed\":%zu,\"failed\":%zu,\"skipped\":%zu",
	       v->is_ok ? "true" : "false", v->passed, v->failed, v->skipped);
	printf(",\"strategy\":{");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		json_str(barco_trace_group_name((enum barco_trace_group)g),
			 barco_trace_attach_name(v->trace->strategy.attach[g]), g > 0);
	printf("}");
	json_rows(v);
	json_controls(v);
	printf("}\n");
}
