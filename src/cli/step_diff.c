/* The printers of `barco step --diff` (the snapshots and the comparison: runtime/observe.c). */
#include "cli/step_diff.h"

#include <string.h>

#include "base/json.h"

bool barco_step_diff_start(struct barco_step_diff *sd, pid_t pid, pid_t runner_pid)
{
	struct barco_err err = {0};

	sd->has_prev = false;
	if (pid > 0 && barco_observe_take(pid, &sd->prev, &err) == 0) {
		sd->is_prev_runner = false;
		sd->has_prev = true;
	} else if (runner_pid > 0 && barco_observe_take(runner_pid, &sd->prev, &err) == 0) {
		sd->is_prev_runner = true;
		sd->has_prev = true;
	}
	return sd->has_prev;
}

/* Namespace changes on one line: "ns: new user mnt uts". */
static void print_namespaces(FILE *out, const struct barco_observe_diff *d)
{
	bool any = false;

	for (size_t i = 0; i < d->len; i++)
		if (strncmp(d->changes[i].what, "ns/", 3) == 0) {
			fprintf(out, "%s %s", any ? "" : "    ns: new", d->changes[i].what + 3);
			any = true;
		}
	if (any)
		fputs(" (new inodes in /proc/PID/ns)\n", out);
}

/*
 * Capability sets that changed alike on one line ("CapPrm CapEff CapBnd:
 * -CAP_SYS_ADMIN ... (41 -> 14)"): the caps stage changes three at once.
 */
static void print_caps(FILE *out, const struct barco_observe_diff *d)
{
	bool is_done[BARCO_OBSERVE_CHANGES_MAX] = {false};

	for (size_t i = 0; i < d->len; i++) {
		const struct barco_observe_change *c = &d->changes[i];

		if (strncmp(c->what, "Cap", 3) != 0 || is_done[i])
			continue;
		fprintf(out, "    %s", c->what);
		for (size_t j = i + 1; j < d->len; j++)
			if (strncmp(d->changes[j].what, "Cap", 3) == 0 &&
			    strcmp(d->changes[j].detail, c->detail) == 0) {
				fprintf(out, " %s", d->changes[j].what);
				is_done[j] = true;
			}
		fprintf(out, ": %s\n", c->detail);
	}
}

static void print_header(FILE *out, const struct barco_step_diff *sd, pid_t pid)
{
	if (sd->prev.pid == pid)
		fprintf(out, "  diff (pid %d, as the host sees it):\n", (int)pid);
	else if (sd->is_prev_runner)
		fprintf(out, "  diff (pid %d against its parent, the runner, pid %d):\n", (int)pid,
			(int)sd->prev.pid);
	else
		fprintf(out,
			"  diff (the container process is now pid %d; against pid %d, the "
			"container process before this stage):\n",
			(int)pid, (int)sd->prev.pid);
}

static void print_text(FILE *out, const struct barco_step_diff *sd, const struct barco_observe *cur,
		       const struct barco_observe_diff *d)
{
	print_header(out, sd, cur->pid);
	if (d->len == 0)
		fputs("    no change\n", out);
	print_namespaces(out, d);
	for (size_t i = 0; i < d->len; i++) {
		const struct barco_observe_change *c = &d->changes[i];

		if (strncmp(c->what, "ns/", 3) == 0 || strncmp(c->what, "Cap", 3) == 0)
			continue;
		if (c->detail[0])
			fprintf(out, "    %s: %s (%s -> %s)\n", c->what, c->detail, c->from, c->to);
		else
			fprintf(out, "    %s: %s -> %s\n", c->what, c->from[0] ? c->from : "(none)",
				c->to[0] ? c->to : "(none)");
	}
	print_caps(out, d);
}

static void put_member(FILE *out, const char *key, const char *value, bool is_last)
{
	fprintf(out, "\"%s\":", key);
	barco_json_put(out, value, strlen(value));
	fputs(is_last ? "}" : ",", out);
}

static void print_json(FILE *out, const char *name, enum barco_stage stage,
		       const struct barco_step_diff *sd, const struct barco_observe *cur,
		       const struct barco_observe_diff *d)
{
	fputs("{\"type\":\"diff\",\"container\":", out);
	barco_json_put(out, name, strlen(name));
	fprintf(out, ",\"stage\":\"%s\",\"pid\":%d,\"from_pid\":%d,\"from\":\"%s\",\"changes\":[",
		barco_stage_get(stage)->name, (int)cur->pid, (int)sd->prev.pid,
		sd->is_prev_runner ? "runner" : "container");
	for (size_t i = 0; i < d->len; i++) {
		fputs(i ? ",{" : "{", out);
		put_member(out, "what", d->changes[i].what, false);
		put_member(out, "from", d->changes[i].from, false);
		put_member(out, "to", d->changes[i].to, false);
		put_member(out, "detail", d->changes[i].detail, true);
	}
	fputs("]}\n", out);
}

/* No diff to show (no process yet, or it cannot be read): why, in either form. */
static void print_note(FILE *out, const char *name, enum barco_stage stage, pid_t pid,
		       const char *note, bool is_json)
{
	if (!is_json) {
		fprintf(out, "  diff: %s\n", note);
		return;
	}
	fputs("{\"type\":\"diff\",\"container\":", out);
	barco_json_put(out, name, strlen(name));
	fprintf(out, ",\"stage\":\"%s\",\"pid\":%d,\"changes\":[],\"note\":",
		barco_stage_get(stage)->name, (int)pid);
	barco_json_put(out, note, strlen(note));
	fputs("}\n", out);
}

void barco_step_diff_print(FILE *out, struct barco_step_diff *sd, const char *name,
			   enum barco_stage stage, pid_t pid, bool is_json)
{
	struct barco_observe_diff d;
	struct barco_observe cur;
	struct barco_err err = {0};
	char note[BARCO_ERR_MSG_MAX + 64], why[BARCO_ERR_MSG_MAX + 32];

	if (pid <= 0) {
		print_note(out, name, stage, pid,
			   "no container process yet (the userns stage creates it)", is_json);
	} else if (barco_observe_take(pid, &cur, &err) < 0) {
		(void)snprintf(note, sizeof(note), "cannot observe pid %d: %s", (int)pid,
			       barco_err_str(&err, why, sizeof(why)));
		print_note(out, name, stage, pid, note, is_json);
	} else if (!sd->has_prev) {
		print_note(out, name, stage, pid, "nothing to compare with", is_json);
		sd->prev = cur;
		sd->has_prev = true;
		sd->is_prev_runner = false;
	} else {
		barco_observe_diff(&sd->prev, &cur, &d);
		if (is_json)
			print_json(out, name, stage, sd, &cur, &d);
		else
			print_text(out, sd, &cur, &d);
		sd->prev = cur;
		sd->is_prev_runner = false;
	}
	(void)fflush(out);
}
