/*
 * The tracer's results: events counted into entries (kind, syscall, value,
 * capability, comm), names for them (libseccomp for syscall numbers,
 * libcap-style names for capabilities), barco's own seccomp rules as the
 * cross-check, and the report printed after the container exited.
 *
 * Text merges entries that differ only by comm; JSON lists every entry, so
 * a script sees which process did what.
 */
#include "trace/trace.h"

#include <errno.h>
/* libseccomp's; barco's own is "seccomp.h" (-iquote include). */
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "stages/caps.h"
#include "stages/seccomp.h"
#include "base/util.h"

#define MERGED_MAX 64

/*
 * The syscalls barco's filter allows only with some arguments
 * (barco_seccomp_rules[] in src/stages/seccomp_policy.c): a refusal there is an
 * argument rule.
 */
static const char *const argument_rule_syscalls[] = {
	"clone",    "unshare",	 "clone3", "chmod",  "fchmod",
	"fchmodat", "fchmodat2", "ioctl",  "socket", "personality",
};

static bool same_key(const struct barco_trace_entry *a, const struct barco_trace_event *e, int ret)
{
	return a->kind == (enum barco_trace_kind)e->kind && a->nr == e->nr && a->ret == ret &&
	       a->cap == e->cap && strncmp(a->comm, e->comm, BARCO_TRACE_COMM_LEN) == 0;
}

void barco_trace_result_add(struct barco_trace_result *r, const struct barco_trace_event *e)
{
	/* A check that failed nothing has a success value (an fd, a count): not part of the key. */
	int ret = e->kind == BARCO_TRACE_CAP_SILENT ? 0 : e->ret;
	struct barco_trace_entry *n;

	r->received++;
	for (size_t i = r->len; i-- > 0;)
		if (same_key(&r->entries[i], e, ret)) {
			r->entries[i].count++;
			r->entries[i].caps |= e->caps;
			return;
		}
	if (r->len >= BARCO_TRACE_ENTRIES_MAX) {
		r->unaggregated++;
		return;
	}
	n = &r->entries[r->len++];
	*n = (struct barco_trace_entry){.kind = (enum barco_trace_kind)e->kind,
					.nr = e->nr,
					.ret = ret,
					.cap = e->cap,
					.cap_ns_level = e->cap_ns_level,
					.caps = e->caps,
					.pid = e->pid,
					.ns_pid = e->ns_pid,
					.count = 1};
	memcpy(n->comm, e->comm, BARCO_TRACE_COMM_LEN);
	n->comm[BARCO_TRACE_COMM_LEN - 1] = '\0';
}

size_t barco_trace_result_find(const struct barco_trace_result *r, enum barco_trace_kind kind,
			       const char *comm, const struct barco_trace_entry **ret, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->len && n < max; i++)
		if (r->entries[i].kind == kind && (!comm || strcmp(r->entries[i].comm, comm) == 0))
			ret[n++] = &r->entries[i];
	return n;
}

const char *barco_trace_syscall_name(int nr, char *buf, size_t size)
{
	char *name;

	if (nr < 0) {
		(void)snprintf(buf, size, "(no syscall)");
		return buf;
	}
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (name)
		(void)snprintf(buf, size, "%s", name);
	else
		(void)snprintf(buf, size, "syscall_%d", nr);
	free(name);
	return buf;
}

const char *barco_trace_errno_name(int ret, char *buf, size_t size)
{
	int e = ret < 0 ? -ret : ret;
	const char *name = strerrorname_np(e);

	if (name)
		return name;
	(void)snprintf(buf, size, "E%d", e);
	return buf;
}

static bool in_table(const char *const *table, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(table[i], name) == 0)
			return true;
	return false;
}

const char *barco_trace_seccomp_rule(const char *syscall, enum barco_seccomp_mode mode)
{
	if (mode == BARCO_SECCOMP_UNCONFINED)
		return "not barco's filter";
	if (in_table(barco_seccomp_refused, barco_seccomp_refused_len, syscall))
		return "refused";
	if (in_table(argument_rule_syscalls, ARRAY_LEN(argument_rule_syscalls), syscall))
		return "argument rule";
	if (in_table(barco_seccomp_allowed, barco_seccomp_allowed_len, syscall))
		return "on the allowlist: not barco's rule";
	return "not on the allowlist";
}

/* ---- merging by everything but comm (text) ----------------------------------------- */

static size_t merge(const struct barco_trace_result *r, enum barco_trace_kind kind,
		    struct barco_trace_entry *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->len; i++) {
		const struct barco_trace_entry *e = &r->entries[i];
		size_t j = 0;

		if (e->kind != kind)
			continue;
		while (j < n &&
		       !(out[j].nr == e->nr && out[j].ret == e->ret && out[j].cap == e->cap))
			j++;
		if (j < n) {
			out[j].count += e->count;
			out[j].caps |= e->caps;
		} else if (n < max) {
			out[n++] = *e;
		}
	}
	return n;
}

/* ---- text ------------------------------------------------------------------------------- */

/* Where the capability was checked: root of a user namespace has none in its parents. */
static const char *userns_name(const struct barco_trace_entry *e)
{
	return e->cap_ns_level ? "container userns" : "host userns";
}

static void print_example(FILE *f, const struct barco_trace_entry *e)
{
	fprintf(f, "pid %u (host %u) %s", e->ns_pid, e->pid, e->comm);
}

static void seccomp_action(const struct barco_trace_entry *e, char *buf, size_t size)
{
	char err[16];

	if (e->kind == BARCO_TRACE_SIGSYS)
		(void)snprintf(buf, size, "SIGSYS (trap/kill)");
	else
		(void)snprintf(buf, size, "errno %s",
			       barco_trace_errno_name(e->ret, err, sizeof(err)));
}

static void text_seccomp(FILE *f, const struct barco_trace_result *r, enum barco_seccomp_mode mode)
{
	static const enum barco_trace_kind kinds[] = {BARCO_TRACE_SECCOMP, BARCO_TRACE_SIGSYS};
	struct barco_trace_entry m[MERGED_MAX];
	bool any = false;

	fprintf(f, "seccomp denials (sys_exit without sys_enter, or SIGSYS):\n");
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		size_t n = merge(r, kinds[k], m, MERGED_MAX);

		for (size_t i = 0; i < n; i++) {
			char name[64], action[32];

			barco_trace_syscall_name(m[i].nr, name, sizeof(name));
			seccomp_action(&m[i], action, sizeof(action));
			fprintf(f, "  %-20s %-18s %6llu  %-22s  ", name, action,
				(unsigned long long)m[i].count,
				barco_trace_seccomp_rule(name, mode));
			print_example(f, &m[i]);
			fputc('\n', f);
			any = true;
		}
	}
	if (!any)
		fprintf(f, "  none\n");
}

static void text_caps(FILE *f, const struct barco_trace_result *r, enum barco_trace_kind kind,
		      const char *title)
{
	struct barco_trace_entry m[MERGED_MAX];
	size_t n = merge(r, kind, m, MERGED_MAX);

	fprintf(f, "%s\n", title);
	for (size_t i = 0; i < n; i++) {
		char name[64], err[16];

		barco_trace_syscall_name(m[i].nr, name, sizeof(name));
		fprintf(f, "  %-20s %-20s %-8s %6llu  %-15s ", barco_cap_name(m[i].cap), name,
			kind == BARCO_TRACE_CAP_FAILED
				? barco_trace_errno_name(m[i].ret, err, sizeof(err))
				: "-",
			(unsigned long long)m[i].count, userns_name(&m[i]));
		print_example(f, &m[i]);
		fputc('\n', f);
	}
	if (n == 0)
		fprintf(f, "  none\n");
}

/* Ordinary failures: only EPERM and EACCES here (the refusals people ask about); JSON has all. */
static void text_failures(FILE *f, const struct barco_trace_result *r)
{
	struct barco_trace_entry m[MERGED_MAX];
	size_t n = merge(r, BARCO_TRACE_FAILED, m, MERGED_MAX);
	bool any = false;

	fprintf(f, "EPERM/EACCES from neither seccomp nor a capability check:\n");
	for (size_t i = 0; i < n; i++) {
		char name[64], err[16];

		if (m[i].ret != -EPERM && m[i].ret != -EACCES)
			continue;
		barco_trace_syscall_name(m[i].nr, name, sizeof(name));
		fprintf(f, "  %-20s %-8s %6llu  ", name,
			barco_trace_errno_name(m[i].ret, err, sizeof(err)),
			(unsigned long long)m[i].count);
		print_example(f, &m[i]);
		fputc('\n', f);
		any = true;
	}
	if (!any)
		fprintf(f, "  none\n");
}

static void text_kills(FILE *f, const struct barco_trace_result *r)
{
	struct barco_trace_entry m[MERGED_MAX];
	size_t n = merge(r, BARCO_TRACE_KERNEL_KILL, m, MERGED_MAX);

	for (size_t i = 0; i < n; i++) {
		fprintf(f, "kernel kill: SIG%s %llu time(s), e.g. ", sigabbrev_np(m[i].ret),
			(unsigned long long)m[i].count);
		print_example(f, &m[i]);
		fprintf(f, " (the OOM killer, or another kernel-sent kill)\n");
	}
}

static void text_header(FILE *f, const struct barco_trace_result *r, const char *name)
{
	fprintf(f, "trace of %s: ", name);
	if (r->cgroup_id)
		fprintf(f, "cgroup2 id %llu", (unsigned long long)r->cgroup_id);
	else
		fprintf(f, "its pid namespace");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		fprintf(f, "; %s by %s", barco_trace_group_name((enum barco_trace_group)g),
			barco_trace_attach_name(r->strategy.attach[g]));
	fputc('\n', f);
	if (r->strategy.attach[BARCO_TRACE_GROUP_CAPS] == BARCO_TRACE_ATTACH_NONE)
		fprintf(f, "capability denials are not traced here: %s\n",
			r->strategy.refused[BARCO_TRACE_GROUP_CAPS]);
}

void barco_trace_print_text(FILE *f, const struct barco_trace_result *r, const char *name,
			    enum barco_seccomp_mode mode)
{
	if (!r->is_available) {
		fprintf(f, "trace of %s: not available: %s\n", name, r->unavailable);
		return;
	}
	text_header(f, r, name);
	text_seccomp(f, r, mode);
	text_caps(f, r, BARCO_TRACE_CAP_FAILED, "capability denials that made a syscall fail:");
	text_caps(f, r, BARCO_TRACE_CAP_SILENT,
		  "silent capability checks (denied, nothing failed):");
	text_failures(f, r);
	text_kills(f, r);
	fprintf(f, "events: %llu sent, %llu read, %llu dropped (ring buffer full)\n",
		(unsigned long long)r->emitted, (unsigned long long)r->received,
		(unsigned long long)r->dropped);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void json_common(FILE *f, const struct barco_trace_entry *e)
{
	char comm[2 * BARCO_TRACE_COMM_LEN + 8], name[64];

	barco_trace_syscall_name(e->nr, name, sizeof(name));
	fprintf(f,
		"\"syscall\":\"%s\",\"nr\":%d,\"count\":%llu,\"pid\":%u,\"host_pid\":%u,"
		"\"comm\":\"%s\"",
		e->nr < 0 ? "" : name, e->nr, (unsigned long long)e->count, e->ns_pid, e->pid,
		barco_json_escape(e->comm, comm, sizeof(comm)));
}

static void json_caps_list(FILE *f, uint64_t caps)
{
	bool first = true;

	fputc('[', f);
	for (int c = 0; c < 64; c++)
		if (caps & (1ull << c)) {
			fprintf(f, "%s\"%s\"", first ? "" : ",", barco_cap_name(c));
			first = false;
		}
	fputc(']', f);
}

static void json_entry(FILE *f, const struct barco_trace_entry *e, enum barco_seccomp_mode mode)
{
	char err[16], name[64];

	fputc('{', f);
	json_common(f, e);
	switch (e->kind) {
	case BARCO_TRACE_SECCOMP:
	case BARCO_TRACE_SIGSYS:
		barco_trace_syscall_name(e->nr, name, sizeof(name));
		fprintf(f, ",\"action\":\"%s\",\"errno\":\"%s\",\"rule\":\"%s\"",
			e->kind == BARCO_TRACE_SIGSYS ? "sigsys" : "errno",
			e->kind == BARCO_TRACE_SIGSYS
				? ""
				: barco_trace_errno_name(e->ret, err, sizeof(err)),
			barco_trace_seccomp_rule(name, mode));
		break;
	case BARCO_TRACE_CAP_FAILED:
	case BARCO_TRACE_CAP_SILENT:
		fprintf(f,
			",\"capability\":\"%s\",\"user_namespace\":\"%s\",\"errno\":\"%s\","
			"\"capabilities\":",
			barco_cap_name(e->cap), e->cap_ns_level ? "container" : "host",
			e->kind == BARCO_TRACE_CAP_FAILED
				? barco_trace_errno_name(e->ret, err, sizeof(err))
				: "");
		json_caps_list(f, e->caps);
		break;
	case BARCO_TRACE_FAILED:
		fprintf(f, ",\"errno\":\"%s\"", barco_trace_errno_name(e->ret, err, sizeof(err)));
		break;
	default:
		fprintf(f, ",\"signal\":\"SIG%s\"", sigabbrev_np(e->ret));
	}
	fputc('}', f);
}

static void json_list(FILE *f, const char *key, const struct barco_trace_result *r,
		      enum barco_trace_kind a, enum barco_trace_kind b,
		      enum barco_seccomp_mode mode)
{
	bool first = true;

	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < r->len; i++) {
		if (r->entries[i].kind != a && r->entries[i].kind != b)
			continue;
		if (!first)
			fputc(',', f);
		json_entry(f, &r->entries[i], mode);
		first = false;
	}
	fputc(']', f);
}

static void json_strategy(FILE *f, const struct barco_trace_result *r)
{
	char esc[2 * BARCO_TRACE_WHY_MAX + 8];

	fprintf(f, ",\"strategy\":{");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		fprintf(f, "%s\"%s\":\"%s\"", g ? "," : "",
			barco_trace_group_name((enum barco_trace_group)g),
			barco_trace_attach_name(r->strategy.attach[g]));
	fprintf(f, ",\"refused\":{");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		fprintf(f, "%s\"%s\":\"%s\"", g ? "," : "",
			barco_trace_group_name((enum barco_trace_group)g),
			barco_json_escape(r->strategy.refused[g], esc, sizeof(esc)));
	fprintf(f, "}}");
}

void barco_trace_print_json(FILE *f, const struct barco_trace_result *r, const char *name,
			    enum barco_seccomp_mode mode)
{
	char esc[2 * BARCO_TRACE_WHY_MAX + 8];

	fprintf(f, "{\"type\":\"trace\",\"container\":\"%s\",\"available\":%s",
		barco_json_escape(name, esc, sizeof(esc)), r->is_available ? "true" : "false");
	if (!r->is_available) {
		fprintf(f, ",\"reason\":\"%s\"}\n",
			barco_json_escape(r->unavailable, esc, sizeof(esc)));
		return;
	}
	fprintf(f, ",\"cgroup_id\":%llu", (unsigned long long)r->cgroup_id);
	json_strategy(f, r);
	json_list(f, "seccomp", r, BARCO_TRACE_SECCOMP, BARCO_TRACE_SIGSYS, mode);
	json_list(f, "capabilities", r, BARCO_TRACE_CAP_FAILED, BARCO_TRACE_CAP_FAILED, mode);
	json_list(f, "silent_capability_checks", r, BARCO_TRACE_CAP_SILENT, BARCO_TRACE_CAP_SILENT,
		  mode);
	json_list(f, "failures", r, BARCO_TRACE_FAILED, BARCO_TRACE_FAILED, mode);
	json_list(f, "kernel_kills", r, BARCO_TRACE_KERNEL_KILL, BARCO_TRACE_KERNEL_KILL, mode);
	fprintf(f,
		",\"events\":{\"sent\":%llu,\"read\":%llu,\"dropped\":%llu,\"unaggregated\":%llu}}"
		"\n",
		(unsigned long long)r->emitted, (unsigned long long)r->received,
		(unsigned long long)r->dropped, (unsigned long long)r->unaggregated);
}
