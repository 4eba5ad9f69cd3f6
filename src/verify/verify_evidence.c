/*
 * barco verify's verdicts: was a row stopped, and does the kernel's
 * evidence (the events of the --trace programs, sorted into rows by the
 * comm of the row's processes) name the layer the row expects? A row
 * stopped without that evidence fails, and so does one that seccomp
 * stopped when another layer was expected; without the tracer (or, for a
 * capability row, without capability tracing) it is "unproven".
 */
#include "verify/verify.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stages/caps.h"
#include "stages/rootless.h"
#include "base/util.h"

#define FOUND_MAX 16

static bool syscall_matches(const struct barco_verify_row *row, int nr)
{
	char name[64];

	if (!row->syscalls[0])
		return true;
	barco_trace_syscall_name(nr, name, sizeof(name));
	for (size_t i = 0; i < ARRAY_LEN(row->syscalls) && row->syscalls[i]; i++)
		if (strcmp(name, row->syscalls[i]) == 0)
			return true;
	return false;
}

/* The first event of kind from the row's processes (cap, ret: -1 / 0 for any). */
static const struct barco_trace_entry *find(const struct barco_trace_result *t,
					    enum barco_trace_kind kind,
					    const struct barco_verify_row *row, int cap, int ret)
{
	const struct barco_trace_entry *found[FOUND_MAX];
	size_t n = barco_trace_result_find(t, kind, row->comm, found, FOUND_MAX);

	for (size_t i = 0; i < n; i++)
		if (syscall_matches(row, found[i]->nr) && (cap < 0 || found[i]->cap == cap) &&
		    (ret == 0 || found[i]->ret == ret))
			return found[i];
	return NULL;
}

static const struct barco_trace_entry *seccomp_event(const struct barco_trace_result *t,
						     const struct barco_verify_row *row)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_SECCOMP, row, -1, 0);

	return e ? e : find(t, BARCO_TRACE_SIGSYS, row, -1, 0);
}

static bool evidence_seccomp(const struct barco_verify_row *row, const struct barco_trace_result *t,
			     char *buf, size_t size)
{
	const struct barco_trace_entry *e = seccomp_event(t, row);
	char name[64], err[16];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	if (e->kind == BARCO_TRACE_SIGSYS)
		(void)snprintf(buf, size, "%s: SIGSYS from seccomp", name);
	else
		(void)snprintf(buf, size, "%s = -%s at sys_exit with no sys_enter: seccomp (%s)",
			       name, barco_trace_errno_name(e->ret, err, sizeof(err)),
			       barco_trace_seccomp_rule(name, BARCO_SECCOMP_DEFAULT));
	return true;
}

static bool evidence_cap(const struct barco_verify_row *row, const struct barco_trace_result *t,
			 char *buf, size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_CAP_FAILED, row, row->cap, 0);
	char name[64];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	(void)snprintf(buf, size,
		       "cap_capable(%s) denied in the %s user namespace, then %s = -EPERM",
		       barco_cap_name(e->cap), e->cap_ns_level ? "container's" : "host's", name);
	return true;
}

static bool evidence_failure(const struct barco_verify_row *row, const struct barco_trace_result *t,
			     char *buf, size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_FAILED, row, -1, -row->expect);
	char name[64], err[16];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	(void)snprintf(buf, size, "%s = -%s after sys_enter: no seccomp, no capability denied",
		       name, barco_trace_errno_name(e->ret, err, sizeof(err)));
	return true;
}

static bool evidence_kill(const struct barco_verify_row *row, const struct barco_trace_result *t,
			  char *buf, size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_KERNEL_KILL, row, -1, 0);

	if (!e)
		return false;
	(void)snprintf(buf, size, "SIGKILL sent by the kernel to pid %u (%s): the OOM killer",
		       e->ns_pid, e->comm);
	return true;
}

bool barco_verify_output_evidence(const struct barco_verify_row *row, const char *output, char *buf,
				  size_t size)
{
	const char *sec, *last;
	size_t len;
	int status;

	if (!barco_verify_row_output(output, row->id, &sec, &len, &status) || len < 2)
		return false;
	for (last = sec + len - 1; last > sec && last[-1] != '\n'; last--)
		;
	if (last == sec + len - 1 || (last == sec && row->outcome == BARCO_VERIFY_OUTCOME_BYTES))
		return false;
	(void)snprintf(buf, size, "%s: %.*s", row->evidence_label, (int)strcspn(last, "\n"), last);
	return true;
}

/* The write refused though container root holds CAP_DAC_OVERRIDE: the owner is unmapped. */
static bool evidence_userns(const struct barco_verify_row *row, const struct barco_trace_result *t,
			    char *buf, size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_FAILED, row, -1, -row->expect);
	char name[64];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	(void)snprintf(buf, size,
		       "%s = -EACCES after sys_enter: the owner (host uid 0) maps to no id in "
		       "the container's user namespace, so CAP_DAC_OVERRIDE does not apply",
		       name);
	return true;
}

static bool evidence_for(const struct barco_verify_row *row, const struct barco_verify_run *run,
			 char *buf, size_t size)
{
	const struct barco_trace_result *t = run->trace;

	if (row->evidence_label)
		return barco_verify_output_evidence(row, run->output, buf, size);
	switch (row->layer) {
	case BARCO_VERIFY_LAYER_SECCOMP:
		return evidence_seccomp(row, t, buf, size);
	case BARCO_VERIFY_LAYER_CAPABILITY:
		return evidence_cap(row, t, buf, size);
	case BARCO_VERIFY_LAYER_CGROUP:
		if (row->outcome == BARCO_VERIFY_OUTCOME_STATUS)
			return evidence_kill(row, t, buf, size);
		return evidence_failure(row, t, buf, size);
	case BARCO_VERIFY_LAYER_USERNS:
		return evidence_userns(row, t, buf, size);
	default:
		return evidence_failure(row, t, buf, size);
	}
}

/* Evidence needs the tracer, and for capability rows its capability part. */
static bool can_prove(const struct barco_verify_row *row, const struct barco_trace_result *t)
{
	if (row->evidence_label)
		return true;
	if (!t->is_available)
		return false;
	return row->layer != BARCO_VERIFY_LAYER_CAPABILITY ||
	       t->strategy.attach[BARCO_TRACE_GROUP_CAPS] != BARCO_TRACE_ATTACH_NONE;
}

/* A row not run, and why: a host path it needs, or a cgroup (rootless, none delegated). */
static void judge_skipped(const struct barco_verify_row *row, struct barco_verify_result *res)
{
	res->is_skipped = true;
	res->verdict = "skip";
	(void)snprintf(res->returned, sizeof(res->returned), "-");
	if (row->needs && access(row->needs, F_OK) < 0)
		(void)snprintf(res->evidence, sizeof(res->evidence),
			       "%s does not exist on this host", row->needs);
	else
		(void)snprintf(res->evidence, sizeof(res->evidence),
			       "no cgroup: none is delegated to uid %u", (unsigned)geteuid());
}

void barco_verify_judge(const struct barco_verify_row *row, const struct barco_verify_run *run,
			struct barco_verify_result *res)
{
	if (barco_verify_is_skipped(row)) {
		judge_skipped(row, res);
		return;
	}
	barco_verify_read_outcome(row, run->output, res);
	res->verdict = "FAIL";
	if (!res->is_stopped)
		(void)snprintf(res->evidence, sizeof(res->evidence), "the action was not stopped");
	else if (!can_prove(row, run->trace))
		res->verdict = "unproven";
	else if (row->layer != BARCO_VERIFY_LAYER_SECCOMP && seccomp_event(run->trace, row))
		(void)snprintf(res->evidence, sizeof(res->evidence), "seccomp stopped it, not %s",
			       barco_verify_layer_name(row->layer));
	else if (evidence_for(row, run, res->evidence, sizeof(res->evidence)))
		res->verdict = "pass";
	else
		(void)snprintf(res->evidence, sizeof(res->evidence), "no kernel evidence of %s",
			       barco_verify_layer_name(row->layer));
	if (strcmp(res->verdict, "unproven") == 0)
		(void)snprintf(res->evidence, sizeof(res->evidence), "no tracing: %s",
			       run->trace->is_available ? "capability checks are not traced here"
			       : barco_rootless_is()
				       ? "rootless (eBPF needs CAP_BPF and CAP_PERFMON on the host)"
				       : run->trace->unavailable);
}

void barco_verify_describe_now(const struct barco_verify_row *row,
			       const struct barco_verify_run *run, const char *returned, char *buf,
			       size_t size)
{
	const struct barco_trace_entry *cap = find(run->trace, BARCO_TRACE_CAP_FAILED, row, -1, 0);

	if (seccomp_event(run->trace, row))
		(void)snprintf(buf, size, "still seccomp");
	else if (cap)
		(void)snprintf(buf, size, "capability %s", barco_cap_name(cap->cap));
	else if (strcmp(returned, "ok") == 0)
		(void)snprintf(buf, size, "succeeded");
	else
		(void)snprintf(buf, size, "failed with %s, not by seccomp", returned);
}

const char *barco_verify_stopped_by(const struct barco_verify_row *row,
				    const struct barco_verify_run *run,
				    const struct barco_verify_result *res)
{
	if (res->is_skipped)
		return "skipped";
	if (!res->is_stopped)
		return "nothing";
	if (strcmp(res->verdict, "pass") == 0)
		return barco_verify_layer_name(row->layer);
	if (seccomp_event(run->trace, row))
		return "seccomp";
	if (find(run->trace, BARCO_TRACE_CAP_FAILED, row, -1, 0))
		return "capability";
	return "unknown";
}
