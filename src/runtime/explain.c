#include "runtime/explain.h"

#include <string.h>

/* Generated from the lessons by tools/embed-lessons. */
#include "base/json.h"
#include "base/util.h"
#include "lessons.h"
#include "runtime/stage.h"
#include "runtime/state.h"
#include "stages/net_slirp.h"

const char *barco_explain_why(enum barco_stage stage)
{
	const struct barco_stage_def *def = barco_stage_get(stage);

	for (size_t i = 0; def && i < ARRAY_LEN(barco_lesson_summaries); i++)
		if (strcmp(barco_lesson_summaries[i].lesson, def->lesson) == 0)
			return barco_lesson_summaries[i].summary;
	return "";
}

static void look_cgroups(const struct barco_cgroup *cg, struct barco_report *look)
{
	static const struct {
		enum barco_cgroup_v1_ctrl ctrl;
		const char *files;
	} v1[] = {
		{BARCO_CG_V1_MEMORY, "memory.limit_in_bytes"},
		{BARCO_CG_V1_CPU, "cpu.shares"},
		{BARCO_CG_V1_PIDS, "pids.max"},
	};

	for (size_t i = 0; i < ARRAY_LEN(v1); i++)
		if (cg->v1_path[v1[i].ctrl][0])
			barco_report_add(look, "cat %s/%s", cg->v1_path[v1[i].ctrl], v1[i].files);
	if (cg->unified_path[0] && !cg->v1_path[BARCO_CG_V1_MEMORY][0])
		barco_report_add(look, "cat %s/{memory.max,cpu.weight,pids.max}", cg->unified_path);
	else if (cg->unified_path[0])
		barco_report_add(look, "ls %s   # cgroup2: identity only, no limits",
				 cg->unified_path);
}

void barco_explain_look(const struct barco_stage_view *v, struct barco_report *look)
{
	int p = (int)v->pid;

	barco_report_clear(look);
	switch (v->stage) {
	case BARCO_STAGE_CGROUPS:
		look_cgroups(v->cgroup, look);
		break;
	case BARCO_STAGE_USERNS:
		barco_report_add(look, "cat /proc/%d/uid_map /proc/%d/gid_map", p, p);
		barco_report_add(look, "ls -l /proc/%d/ns/user /proc/self/ns/user", p);
		barco_report_add(
			look, "ps -o user,pid,comm -p %d   # root inside is this uid outside", p);
		barco_report_add(look, "cat /proc/%d/cgroup", p);
		break;
	case BARCO_STAGE_NAMESPACES:
		barco_report_add(look, "ls -l /proc/%d/ns/   # compare: ls -l /proc/self/ns/", p);
		barco_report_add(look, "grep NSpid /proc/%d/status   # its pid here and inside", p);
		break;
	case BARCO_STAGE_HOSTNAME:
		barco_report_add(look, "nsenter -t %d -u hostname", p);
		break;
	case BARCO_STAGE_MOUNTS:
		barco_report_add(look, "cat /proc/%d/mountinfo", p);
		barco_report_add(look, "ls /proc/%d/root/", p);
		break;
	case BARCO_STAGE_NETWORK:
		barco_report_add(look, "nsenter -t %d -n ip addr", p);
		/* --net=bridge: its report names the bridge. */
		if (v->what && strstr(v->what, "master barco0")) {
			barco_report_add(look, "nsenter -t %d -n ip route", p);
			barco_report_add(look, "ip -br link show master barco0   # the host ends");
			barco_report_add(look,
					 "cat /run/barco/net-leases; nft list table ip barco");
			barco_report_add(look, "ss -tln   # published ports are DNAT, not sockets");
		}
		/* --net=slirp4netns: its report names the program. */
		if (v->what && strstr(v->what, "execve(\"" BARCO_SLIRP4NETNS "\"")) {
			barco_report_add(look, "ps -o pid,user,args -C slirp4netns");
			barco_report_add(look, "cat %s/%s/" BARCO_SLIRP_LOG, BARCO_RUN_DIR,
					 v->name);
			barco_report_add(look,
					 "ss -tlnp | grep slirp4netns   # -p: its own sockets");
		}
		break;
	case BARCO_STAGE_CAPS:
		barco_report_add(look, "grep Cap /proc/%d/status", p);
		barco_report_add(look,
				 "capsh --decode=$(awk '/CapEff/ {print $2}' /proc/%d/status)", p);
		break;
	case BARCO_STAGE_SECCOMP:
		barco_report_add(look, "grep -E 'Seccomp|NoNewPrivs' /proc/%d/status", p);
		break;
	case BARCO_STAGE_EXEC:
	case BARCO_STAGE_COUNT:
		barco_report_add(look, "ps -o pid,stat,comm -p %d", p);
		break;
	}
}

static void print_lines(FILE *out, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		fprintf(out, "    %.*s\n", (int)len, text);
		text += len + (text[len] == '\n');
	}
}

/* ["line", "line"] */
static void print_json_lines(FILE *out, const char *text)
{
	char line[1024];
	char esc[2048];
	bool first = true;

	fputc('[', out);
	while (*text) {
		size_t len = strcspn(text, "\n");

		(void)snprintf(line, sizeof(line), "%.*s", (int)len, text);
		fprintf(out, "%s\"%s\"", first ? "" : ",",
			barco_json_escape(line, esc, sizeof(esc)));
		first = false;
		text += len + (text[len] == '\n');
	}
	fputc(']', out);
}

void barco_explain_print(FILE *out, const struct barco_stage_view *v, bool is_json)
{
	const struct barco_stage_def *def = barco_stage_get(v->stage);
	struct barco_report look;
	char esc[2048];

	barco_explain_look(v, &look);
	if (is_json) {
		fprintf(out,
			"{\"type\":\"stage\",\"container\":\"%s\",\"stage\":\"%s\",\"index\":%d,",
			v->name, def->name, (int)v->stage + 1);
		fprintf(out, "\"pid\":%d,\"duration_ms\":%.3f,\"what\":", (int)v->pid,
			(double)v->duration_ns / 1e6);
		print_json_lines(out, v->what);
		fprintf(out, ",\"why\":\"%s\",\"look\":",
			barco_json_escape(barco_explain_why(v->stage), esc, sizeof(esc)));
		print_json_lines(out, look.text);
		fputs("}\n", out);
		return;
	}
	fprintf(out, "== stage %d/%d: %s (%.3f ms)\n", (int)v->stage + 1, BARCO_STAGE_COUNT,
		def->name, (double)v->duration_ns / 1e6);
	fputs("  what:\n", out);
	print_lines(out, v->what);
	fputs("  why:\n", out);
	fprintf(out, "    %s\n", barco_explain_why(v->stage));
	fputs("  look:\n", out);
	print_lines(out, look.text);
}
