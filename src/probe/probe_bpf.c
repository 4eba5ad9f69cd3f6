/*
 * eBPF: the bpf(2) syscall, the JIT, BTF, the lockdown mode, and every
 * attachment `barco run --trace` may use, each tested by loading and
 * attaching a minimal program ("r0 = 0; exit") in a child, because BTF
 * presence is not attachability (a kernel may describe cap_capable in BTF
 * and still refuse fexit programs on it).
 *
 * The programs are built from raw instructions and loaded with bpf(2)
 * directly, not through libbpf: the evidence is then the kernel's own
 * answer to one syscall with known arguments, nothing is compiled at build
 * time, and libbpf's feature detection and fallbacks cannot blur it. The
 * child's exit closes every fd, which unloads and detaches everything.
 *
 * References: bpf(2), Documentation/bpf/btf.rst,
 * perf_event_open(2) (PERF_TYPE_TRACEPOINT, the kprobe PMU),
 * Documentation/trace/events.rst (tracefs event ids).
 */
#include "probe/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/cgroup.h"
#include "stages/devices_bpf.h"

#define TRACEFS	      "/sys/kernel/tracing"
#define TRACEFS_DEBUG "/sys/kernel/debug/tracing"
#define SECURITYFS    "/sys/kernel/security"
#define KPROBE_PMU    "/sys/bus/event_source/devices/kprobe/type"
#define VERIFIER_LOG  4096
#define PROG_NAME     "barco_probe" /* bpf(2) prog_name, at most 15 characters */

enum attach_kind { ATTACH_TP, ATTACH_RAW_TP, ATTACH_TP_BTF, ATTACH_FEXIT, ATTACH_KPROBE };

/* How each kind is loaded: bpf(2) BPF_PROG_LOAD attributes, and what it needs built in. */
struct kind_def {
	const char *name; /* libbpf's section prefix */
	const char *prog_type_name;
	const char *attach_type_name; /* NULL: no expected_attach_type */
	const char *btf_prefix;	      /* NULL: no attach_btf_id */
	const char *options[4];
	enum bpf_prog_type prog_type;
	enum bpf_attach_type attach_type;
	unsigned int btf_kind;
};

static const struct kind_def kinds[] = {
	[ATTACH_TP] = {.name = "tp",
		       .prog_type = BPF_PROG_TYPE_TRACEPOINT,
		       .prog_type_name = "BPF_PROG_TYPE_TRACEPOINT",
		       .options = {"CONFIG_BPF_EVENTS", "CONFIG_TRACEPOINTS", NULL}},
	[ATTACH_RAW_TP] = {.name = "raw_tp",
			   .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
			   .prog_type_name = "BPF_PROG_TYPE_RAW_TRACEPOINT",
			   .options = {"CONFIG_BPF_EVENTS", NULL}},
	[ATTACH_TP_BTF] = {.name = "tp_btf",
			   .prog_type = BPF_PROG_TYPE_TRACING,
			   .prog_type_name = "BPF_PROG_TYPE_TRACING",
			   .attach_type = BPF_TRACE_RAW_TP,
			   .attach_type_name = "BPF_TRACE_RAW_TP",
			   .btf_kind = BTF_KIND_TYPEDEF,
			   .btf_prefix = "btf_trace_",
			   .options = {"CONFIG_BPF_EVENTS", "CONFIG_DEBUG_INFO_BTF", NULL}},
	[ATTACH_FEXIT] = {.name = "fexit",
			  .prog_type = BPF_PROG_TYPE_TRACING,
			  .prog_type_name = "BPF_PROG_TYPE_TRACING",
			  .attach_type = BPF_TRACE_FEXIT,
			  .attach_type_name = "BPF_TRACE_FEXIT",
			  .btf_kind = BTF_KIND_FUNC,
			  .btf_prefix = "",
			  .options = {"CONFIG_DEBUG_INFO_BTF", "CONFIG_BPF_JIT",
				      "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS", NULL}},
	[ATTACH_KPROBE] = {.name = "kprobe",
			   .prog_type = BPF_PROG_TYPE_KPROBE,
			   .prog_type_name = "BPF_PROG_TYPE_KPROBE",
			   .options = {"CONFIG_KPROBES", "CONFIG_KPROBE_EVENTS",
				       "CONFIG_BPF_EVENTS", NULL}},
};

/* One attachment: a tracepoint (category:event) or a kernel function (event). */
struct attach_def {
	enum attach_kind kind;
	const char *category;
	const char *event;
	const char *label; /* as libbpf names the program's section */
};

enum {
	TP_SYS_ENTER,
	TP_SYS_EXIT,
	TP_SIGNAL,
	TP_CAP,
	RAW_SYS_ENTER,
	RAW_SYS_EXIT,
	RAW_SIGNAL,
	RAW_CAP,
	BTF_SYS_ENTER,
	BTF_SYS_EXIT,
	BTF_SIGNAL,
	BTF_CAP,
	FEXIT_CAP,
	KPROBE_CAP,
	ATTACH_COUNT,
};

static const struct attach_def attaches[ATTACH_COUNT] = {
	[TP_SYS_ENTER] = {ATTACH_TP, "raw_syscalls", "sys_enter", "tp/raw_syscalls/sys_enter"},
	[TP_SYS_EXIT] = {ATTACH_TP, "raw_syscalls", "sys_exit", "tp/raw_syscalls/sys_exit"},
	[TP_SIGNAL] = {ATTACH_TP, "signal", "signal_generate", "tp/signal/signal_generate"},
	[TP_CAP] = {ATTACH_TP, "capability", "cap_capable", "tp/capability/cap_capable"},
	[RAW_SYS_ENTER] = {ATTACH_RAW_TP, "raw_syscalls", "sys_enter", "raw_tp/sys_enter"},
	[RAW_SYS_EXIT] = {ATTACH_RAW_TP, "raw_syscalls", "sys_exit", "raw_tp/sys_exit"},
	[RAW_SIGNAL] = {ATTACH_RAW_TP, "signal", "signal_generate", "raw_tp/signal_generate"},
	[RAW_CAP] = {ATTACH_RAW_TP, "capability", "cap_capable", "raw_tp/cap_capable"},
	[BTF_SYS_ENTER] = {ATTACH_TP_BTF, "raw_syscalls", "sys_enter", "tp_btf/sys_enter"},
	[BTF_SYS_EXIT] = {ATTACH_TP_BTF, "raw_syscalls", "sys_exit", "tp_btf/sys_exit"},
	[BTF_SIGNAL] = {ATTACH_TP_BTF, "signal", "signal_generate", "tp_btf/signal_generate"},
	[BTF_CAP] = {ATTACH_TP_BTF, "capability", "cap_capable", "tp_btf/cap_capable"},
	[FEXIT_CAP] = {ATTACH_FEXIT, NULL, "cap_capable", "fexit/cap_capable"},
	[KPROBE_CAP] = {ATTACH_KPROBE, NULL, "cap_capable", "kprobe/cap_capable"},
};

/* ---- bpf(2) -------------------------------------------------------------------------- */

static long sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

struct load_spec {
	enum bpf_prog_type type;
	const char *type_name;
	enum bpf_attach_type attach_type;
	const char *attach_type_name; /* NULL: none */
	uint32_t btf_id;
	const char *btf_name;
};

static void load_attr(const struct load_spec *s, const struct bpf_insn *insns, size_t n, char *log,
		      size_t log_size, union bpf_attr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->prog_type = s->type;
	ret->insns = (uint64_t)(uintptr_t)insns;
	ret->insn_cnt = (uint32_t)n;
	/* Tracing programs must be GPL-compatible to attach (kernel/bpf/verifier.c). */
	ret->license = (uint64_t)(uintptr_t) "GPL";
	ret->expected_attach_type = s->attach_type;
	ret->attach_btf_id = s->btf_id;
	/* A name to find it by (bpftool prog list): the tests check none is left. */
	(void)snprintf(ret->prog_name, sizeof(ret->prog_name), "%s", PROG_NAME);
	if (log) {
		ret->log_buf = (uint64_t)(uintptr_t)log;
		ret->log_size = (uint32_t)log_size;
		ret->log_level = 1;
	}
}

/* The last non-empty line of the verifier's log: its reason. */
static void add_log_reason(const char *log, struct barco_report *ev)
{
	size_t len = strlen(log);

	while (len > 0 && log[len - 1] == '\n')
		len--;
	if (len == 0)
		return;
	size_t start = len;
	while (start > 0 && log[start - 1] != '\n')
		start--;
	barco_report_add(ev, "  verifier log: %.*s", (int)(len - start), log + start);
}

/* Loads "r0 = 0; exit" (bpf(2)); an fd, or -1 with errno. */
static int prog_load(const struct load_spec *s, struct barco_report *ev)
{
	static const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char log[VERIFIER_LOG] = "";
	char what[256];
	union bpf_attr attr;
	long fd;

	(void)snprintf(what, sizeof(what), "%s%s%s", s->type_name, s->attach_type_name ? ", " : "",
		       s->attach_type_name ? s->attach_type_name : "");
	load_attr(s, insns, ARRAY_LEN(insns), NULL, 0, &attr);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (s->btf_id)
		(void)barco_probe_ev_call(
			ev, fd, "bpf(BPF_PROG_LOAD, {%s, attach_btf_id=%u (%s), r0 = 0; exit})",
			what, s->btf_id, s->btf_name);
	else
		(void)barco_probe_ev_call(ev, fd, "bpf(BPF_PROG_LOAD, {%s, r0 = 0; exit})", what);
	if (fd < 0) {
		int saved = errno;

		/* Again with the verifier's log, only to learn why. */
		load_attr(s, insns, ARRAY_LEN(insns), log, sizeof(log), &attr);
		if (sys_bpf(BPF_PROG_LOAD, &attr) < 0)
			add_log_reason(log, ev);
		errno = saved;
	}
	return (int)fd;
}

/* ---- attaching ------------------------------------------------------------------------ */

struct attach_attempt {
	const struct attach_def *def;
	uint32_t btf_id; /* for tp_btf and fexit */
};
_Static_assert(sizeof(struct attach_attempt) <= BARCO_PROBE_SCRATCH_MAX,
	       "an attempt's target fits in the facts' scratch");

static long read_event_id(const char *root, const struct attach_def *d, struct barco_report *ev)
{
	char path[256];
	long id;

	(void)snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, d->category, d->event);
	if (barco_probe_read_long(path, &id) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read %s", path);
		return -1;
	}
	barco_report_add(ev, "read %s = %ld", path, id);
	return id;
}

/* The tracepoint's id from tracefs, mounted in a private mount namespace when it is not. */
static long tracepoint_id(const struct attach_def *d, struct barco_report *ev)
{
	struct statfs sfs;

	if (statfs(TRACEFS, &sfs) == 0 && (unsigned long)sfs.f_type == TRACEFS_MAGIC)
		return read_event_id(TRACEFS, d, ev);
	if (statfs(TRACEFS_DEBUG, &sfs) == 0 && (unsigned long)sfs.f_type == TRACEFS_MAGIC)
		return read_event_id(TRACEFS_DEBUG, d, ev);
	barco_report_add(ev, TRACEFS " is not tracefs: mounting it in a private mount namespace");
	if (barco_probe_private_mounts(ev) ||
	    barco_probe_ev_call(ev, mount("tracefs", TRACEFS, "tracefs", 0, NULL),
				"mount(\"tracefs\", \"" TRACEFS "\", \"tracefs\", 0, NULL)") < 0)
		return -1;
	return read_event_id(TRACEFS, d, ev);
}

/*
 * perf_event_open(2) an event and run prog_fd on it (PERF_EVENT_IOC_SET_BPF).
 * The event fd stays open: detaching waits for RCU grace periods, which the
 * child's exit does after it has answered (see barco_probe_in_child).
 */
static int perf_attach(struct perf_event_attr *pa, const char *what, int prog_fd,
		       struct barco_report *ev)
{
	int pfd = (int)barco_probe_ev_call(
		ev, syscall(SYS_perf_event_open, pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC),
		"perf_event_open({%s}, pid=-1, cpu=0)", what);
	if (pfd < 0)
		return errno;
	if (barco_probe_ev_call(ev, ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd),
				"ioctl(PERF_EVENT_IOC_SET_BPF, %d)", prog_fd) < 0 ||
	    barco_probe_ev_call(ev, ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0),
				"ioctl(PERF_EVENT_IOC_ENABLE)") < 0)
		return errno;
	return 0;
}

static int attach_tp(const struct attach_def *d, int prog_fd, struct barco_report *ev)
{
	struct perf_event_attr pa = {.type = PERF_TYPE_TRACEPOINT, .size = sizeof(pa)};
	char what[128];
	long id = tracepoint_id(d, ev);

	if (id < 0)
		return errno ? errno : ENOENT;
	pa.config = (uint64_t)id;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	(void)snprintf(what, sizeof(what), "PERF_TYPE_TRACEPOINT, config=%ld (%s:%s)", id,
		       d->category, d->event);
	return perf_attach(&pa, what, prog_fd, ev);
}

static int attach_kprobe(const struct attach_def *d, int prog_fd, struct barco_report *ev)
{
	struct perf_event_attr pa = {.size = sizeof(pa)};
	char what[128];
	long pmu;

	/* The kprobe PMU (perf_event_open(2), "kprobe and uprobe"): no tracefs needed. */
	if (barco_probe_read_long(KPROBE_PMU, &pmu) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read " KPROBE_PMU);
		return errno;
	}
	barco_report_add(ev, "read " KPROBE_PMU " = %ld", pmu);
	pa.type = (uint32_t)pmu;
	pa.config1 = (uint64_t)(uintptr_t)d->event; /* kprobe_func */
	(void)snprintf(what, sizeof(what), "type=%ld (kprobe), kprobe_func=\"%s\"", pmu, d->event);
	return perf_attach(&pa, what, prog_fd, ev);
}

/* tp_btf, raw_tp and fexit all attach with BPF_RAW_TRACEPOINT_OPEN (bpf(2)). */
static int attach_raw(const struct attach_def *d, int prog_fd, struct barco_report *ev)
{
	union bpf_attr attr;
	bool is_named = d->kind == ATTACH_RAW_TP;
	long link;

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = (uint32_t)prog_fd;
	/* raw_tp names the tracepoint; tp_btf and fexit carry it in attach_btf_id. */
	attr.raw_tracepoint.name = is_named ? (uint64_t)(uintptr_t)d->event : 0;
	link = barco_probe_ev_call(ev, sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr),
				   "bpf(BPF_RAW_TRACEPOINT_OPEN, {name=%s%s%s, prog_fd=%d})",
				   is_named ? "\"" : "", is_named ? d->event : "NULL",
				   is_named ? "\"" : "", prog_fd);
	return link < 0 ? errno : 0;
}

static int try_attach(const void *arg, struct barco_report *ev, long *ret_value)
{
	const struct attach_attempt *a = arg;
	const struct kind_def *k = &kinds[a->def->kind];
	char btf_name[96];
	struct load_spec spec = {.type = k->prog_type,
				 .type_name = k->prog_type_name,
				 .attach_type = k->attach_type,
				 .attach_type_name = k->attach_type_name,
				 .btf_id = a->btf_id,
				 .btf_name = btf_name};
	int prog_fd; /* released by the child's exit, with what it is attached to */

	(void)snprintf(btf_name, sizeof(btf_name), "%s%s", k->btf_prefix ? k->btf_prefix : "",
		       a->def->event);
	prog_fd = prog_load(&spec, ev);
	if (prog_fd < 0)
		return errno;
	switch (a->def->kind) {
	case ATTACH_TP:
		return attach_tp(a->def, prog_fd, ev);
	case ATTACH_KPROBE:
		return attach_kprobe(a->def, prog_fd, ev);
	default:
		return attach_raw(a->def, prog_fd, ev);
	}
}

/* ---- checks ------------------------------------------------------------------------------ */

/* Every BTF name the checks look up, found in one pass before they run. */
const struct barco_btf_name barco_probe_bpf_btf_queries[] = {
	{"btf_trace_sys_enter", BTF_KIND_TYPEDEF},
	{"btf_trace_sys_exit", BTF_KIND_TYPEDEF},
	{"btf_trace_signal_generate", BTF_KIND_TYPEDEF},
	{"btf_trace_cap_capable", BTF_KIND_TYPEDEF},
	{"cap_capable", BTF_KIND_FUNC},
};
const size_t barco_probe_bpf_btf_queries_len = ARRAY_LEN(barco_probe_bpf_btf_queries);

void barco_probe_bpf_prepare(struct barco_probe_ctx *ctx)
{
	barco_probe_btf_load(&ctx->btf, barco_probe_bpf_btf_queries,
			     barco_probe_bpf_btf_queries_len);
}

/*
 * The whole walk, unlike the tracer's: the count of types is evidence that
 * all of the kernel's BTF is readable. The answers are copied out, so that
 * the checks' children share them without the data.
 */
void barco_probe_btf_load(struct barco_probe_btf *ret, const struct barco_btf_name *queries,
			  size_t n)
{
	struct barco_btf_questions q = {.names = queries, .n_names = n};
	struct barco_err err = {0};
	struct barco_btf btf;

	memset(ret, 0, sizeof(*ret));
	q.n_names = n < BARCO_PROBE_BTF_QUERIES_MAX ? n : BARCO_PROBE_BTF_QUERIES_MAX;
	ret->queries = queries;
	ret->n_queries = q.n_names;
	if (barco_btf_open(&btf, &q, &err) < 0) {
		/* Not there or not readable (errnum), or not valid BTF. */
		if (err.errnum)
			ret->errnum = err.errnum;
		else
			(void)snprintf(ret->error, sizeof(ret->error), "%s", err.msg);
		return;
	}
	ret->size = btf.size;
	if (barco_btf_count(&btf, &ret->type_count, &err) == 0) {
		ret->is_loaded = true;
		for (size_t i = 0; i < ret->n_queries; i++)
			ret->ids[i] =
				(uint32_t)barco_btf_id(&btf, queries[i].name, queries[i].kind);
	} else {
		(void)barco_err_wrap(&err, "%s", BARCO_BTF_VMLINUX);
		(void)snprintf(ret->error, sizeof(ret->error), "%s", err.msg);
	}
	barco_btf_close(&btf);
}

long barco_probe_btf_id(const struct barco_probe_btf *btf, const char *name, unsigned int kind)
{
	if (!btf->is_loaded)
		return -1;
	for (size_t i = 0; i < btf->n_queries; i++)
		if (btf->queries[i].kind == kind && strcmp(btf->queries[i].name, name) == 0)
			return btf->ids[i];
	return -1;
}

/* The BTF id of what the kind attaches to; 0 when absent; -1 when BTF is unreadable. */
static long btf_id_for(const struct barco_probe_ctx *ctx, const struct attach_def *d,
		       unsigned int btf_kind, const char *prefix, struct barco_report *ev)
{
	char name[96];
	long id;

	(void)snprintf(name, sizeof(name), "%s%s", prefix, d->event);
	id = barco_probe_btf_id(&ctx->btf, name, btf_kind);
	if (id < 0) {
		if (ctx->btf.error[0])
			barco_report_add(ev, "%s", ctx->btf.error);
		else
			(void)barco_probe_ev_fail(ev, ctx->btf.errnum,
						  "read /sys/kernel/btf/vmlinux");
		return -1;
	}
	if (id)
		barco_report_add(ev, "BTF %s %s: id %ld",
				 btf_kind == BTF_KIND_FUNC ? "func" : "typedef", name, id);
	else
		barco_report_add(ev, "BTF %s %s: absent",
				 btf_kind == BTF_KIND_FUNC ? "func" : "typedef", name);
	return id;
}

static void attach_hint(const struct attach_def *d, long btf_id, int code, char *buf, size_t size)
{
	if (btf_id == 0)
		(void)snprintf(buf, size,
			       "this kernel has no %s%s%s (capability:cap_capable is 6.14+): "
			       "barco run --trace uses the next method (see the bpf conclusions)",
			       d->category ? d->category : "function ", d->category ? ":" : "",
			       d->event);
	else if (d->kind == ATTACH_KPROBE)
		(void)snprintf(
			buf, size,
			"rebuild the kernel with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y; "
			"not needed where a tracepoint or fexit works");
	else if (d->kind == ATTACH_FEXIT)
		(void)snprintf(
			buf, size,
			"this kernel refuses fentry/fexit programs at load (BPF trampolines "
			"need CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, a JIT, and a kernel or "
			"hypervisor that allows them; EPERM as root with tracepoints working "
			"means policy); not needed where the cap_capable tracepoint works");
	else if (code == EPERM || code == EACCES)
		(void)snprintf(buf, size,
			       "needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) as root on the "
			       "host; lockdown=confidentiality also refuses tracing");
	else
		(void)snprintf(
			buf, size,
			"mount -t tracefs nodev /sys/kernel/tracing; check CONFIG_BPF_EVENTS "
			"and the evidence");
}

/*
 * The compiled-in layer (the kind's options) and the enabled one: every
 * tracepoint has a btf_trace_NAME typedef, so BTF says whether it exists
 * at all; tp_btf and fexit load with the id found, which goes to the
 * attempt in facts->scratch.
 */
static bool attach_target(struct barco_probe_ctx *ctx, const void *arg,
			  struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	const struct attach_def *d = arg;
	const struct kind_def *k = &kinds[d->kind];
	struct attach_attempt *a = (struct attach_attempt *)facts->scratch;
	char hint[BARCO_PROBE_HINT_MAX];
	long btf_id;

	facts->built = barco_probe_kconfig_layer(&ctx->kconfig, k->options, &ret->evidence, NULL);
	btf_id = d->kind == ATTACH_FEXIT ? btf_id_for(ctx, d, BTF_KIND_FUNC, "", &ret->evidence)
		 : d->category ? btf_id_for(ctx, d, BTF_KIND_TYPEDEF, "btf_trace_", &ret->evidence)
			       : -1;
	facts->enabled = btf_id;
	if (k->btf_kind && btf_id <= 0) {
		attach_hint(d, btf_id, ENOENT, hint, sizeof(hint));
		barco_probe_set(ret, btf_id == 0 ? BARCO_PROBE_FAIL : BARCO_PROBE_UNKNOWN, hint,
				"%s: %s", d->label,
				btf_id == 0 ? "no such target in this kernel's BTF"
					    : "BTF unreadable");
		return true;
	}
	a->def = d;
	a->btf_id = btf_id > 0 && k->btf_kind ? (uint32_t)btf_id : 0;
	facts->target = a;
	return false;
}

static void attach_verdict(const void *arg, const struct barco_probe_facts *f,
			   struct barco_probe_result *ret)
{
	const struct attach_def *d = arg;
	char hint[BARCO_PROBE_HINT_MAX];

	if (f->is_ok) {
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s: loaded and attached", d->label);
		return;
	}
	attach_hint(d, f->enabled, f->child.code, hint, sizeof(hint));
	barco_probe_set(ret, BARCO_PROBE_FAIL, hint, "%s: %s", d->label,
			f->child.code > 0 ? barco_probe_errno_name(f->child.code) : "failed");
}

/* A socket filter: the simplest program, loadable wherever bpf(2) works. */
static const struct load_spec socket_filter = {.type = BPF_PROG_TYPE_SOCKET_FILTER,
					       .type_name = "BPF_PROG_TYPE_SOCKET_FILTER"};

/* The program's fd is released by the child's exit. */
static int try_syscall(const void *arg, struct barco_report *ev, long *ret_value)
{
	int fd = prog_load(&socket_filter, ev);

	return fd < 0 ? errno : 0;
}

/* Not a switch for root, but evidence: whether only root may load. */
static bool read_unprivileged(struct barco_probe_ctx *ctx, const void *arg,
			      struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	static const char unpriv[] = "/proc/sys/kernel/unprivileged_bpf_disabled";

	if (barco_probe_read_long(unpriv, &facts->enabled) == 0)
		barco_report_add(&ret->evidence, "read %s = %ld (only root may load)", unpriv,
				 facts->enabled);
	return false;
}

static void syscall_verdict(const void *arg, const struct barco_probe_facts *f,
			    struct barco_probe_result *ret)
{
	barco_probe_set(ret, BARCO_PROBE_FAIL,
			f->child.code == ENOSYS ? "rebuild the kernel with CONFIG_BPF_SYSCALL=y"
						: "needs CAP_BPF (or CAP_SYS_ADMIN) as root on "
						  "the host; a container's seccomp refuses bpf(2)",
			"bpf(2) refused: %s", barco_probe_errno_name(f->child.code));
}

static const struct barco_probe_layers bpf_syscall = {
	.options = (const char *const[]){"CONFIG_BPF_SYSCALL", NULL},
	.enabled = read_unprivileged,
	.attempt = try_syscall,
	.pass = "a program loaded with bpf(2)",
	.verdict = syscall_verdict,
};

static int try_jit(const void *arg, struct barco_report *ev, long *ret_value)
{
	int fd = prog_load(&socket_filter, ev); /* released by the child's exit */
	struct bpf_prog_info info;
	union bpf_attr attr;

	if (fd < 0)
		return errno;
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (barco_probe_ev_call(ev, sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr),
				"bpf(BPF_OBJ_GET_INFO_BY_FD, %d)", fd) < 0)
		return errno;
	barco_report_add(ev, "  jited_prog_len = %u, xlated_prog_len = %u", info.jited_prog_len,
			 info.xlated_prog_len);
	return info.jited_prog_len > 0 ? 0 : ENOEXEC;
}

static bool read_jit_enable(struct barco_probe_ctx *ctx, const void *arg,
			    struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	static const char sysctl[] = "/proc/sys/net/core/bpf_jit_enable";

	if (barco_kconfig_lookup(ctx->kconfig.text, "CONFIG_BPF_JIT_ALWAYS_ON", NULL, 0) ==
	    BARCO_KCONFIG_YES)
		barco_report_add(&ret->evidence, "CONFIG_BPF_JIT_ALWAYS_ON=y (no interpreter)");
	if (barco_probe_read_long(sysctl, &facts->enabled) == 0)
		barco_report_add(&ret->evidence, "read %s = %ld", sysctl, facts->enabled);
	else
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read %s", sysctl);
	return false;
}

static void jit_verdict(const void *arg, const struct barco_probe_facts *f,
			struct barco_probe_result *ret)
{
	if (f->child.code == ENOEXEC)
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"sysctl -w net.core.bpf_jit_enable=1 (fexit needs the JIT)",
				"programs run in the interpreter");
	else
		barco_probe_set(ret, BARCO_PROBE_FAIL, "see bpf.syscall", "no program could load");
}

static const struct barco_probe_layers jit = {
	.options = (const char *const[]){"CONFIG_BPF_JIT", NULL},
	.enabled = read_jit_enable,
	.attempt = try_jit,
	.pass = "programs are JIT-compiled",
	.verdict = jit_verdict,
};

static int check_btf(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		     struct barco_err *err)
{
	static const char *const options[] = {"CONFIG_DEBUG_INFO_BTF", NULL};
	const struct barco_probe_btf *btf = &ctx->btf;
	enum barco_probe_status built =
		barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, NULL);

	if (btf->error[0]) {
		barco_report_add(&ret->evidence, "%s", btf->error);
		barco_probe_set(ret, BARCO_PROBE_FAIL, "the kernel's BTF is malformed: report it",
				"kernel BTF unreadable");
		return 0;
	}
	if (!btf->is_loaded) {
		(void)barco_probe_ev_fail(&ret->evidence, btf->errnum,
					  "read /sys/kernel/btf/vmlinux");
		barco_probe_set(ret,
				built == BARCO_PROBE_PASS ? BARCO_PROBE_UNKNOWN : BARCO_PROBE_FAIL,
				"rebuild the kernel with CONFIG_DEBUG_INFO_BTF=y (needs pahole); "
				"tp_btf, fexit and CO-RE programs need it",
				"no kernel BTF");
		return 0;
	}
	barco_report_add(&ret->evidence, "read /sys/kernel/btf/vmlinux: %zu bytes, %u types",
			 btf->size, btf->type_count);
	for (size_t q = 0; q < btf->n_queries; q++)
		barco_report_add(&ret->evidence, "  %s: %s %u", btf->queries[q].name,
				 btf->ids[q] ? "id" : "absent", btf->ids[q]);
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%u types in /sys/kernel/btf/vmlinux",
			btf->type_count);
	return 0;
}

/* Lockdown modes (security/lockdown/lockdown.c); the active one is shown in brackets. */
static const char *const lockdown_modes[] = {"none", "integrity", "confidentiality"};

static long lockdown_mode(const char *text)
{
	for (size_t i = 0; i < ARRAY_LEN(lockdown_modes); i++) {
		char marked[32];

		(void)snprintf(marked, sizeof(marked), "[%s]", lockdown_modes[i]);
		if (strstr(text, marked))
			return (long)i;
	}
	return -1;
}

/* Reads the mode (into *ret_value), mounting securityfs privately when it is not mounted. */
static int try_lockdown(const void *arg, struct barco_report *ev, long *ret_value)
{
	char text[128];
	int r;

	if (barco_probe_read_file(SECURITYFS "/lockdown", text, sizeof(text)) < 0) {
		barco_report_add(ev, SECURITYFS "/lockdown unreadable: mounting securityfs in a "
						"private mount namespace");
		if ((r = barco_probe_private_mounts(ev)))
			return r;
		if (barco_probe_ev_call(ev, mount("securityfs", SECURITYFS, "securityfs", 0, NULL),
					"mount(\"securityfs\", \"" SECURITYFS
					"\", \"securityfs\", 0, NULL)") < 0)
			return errno;
		if (barco_probe_read_file(SECURITYFS "/lockdown", text, sizeof(text)) < 0)
			return barco_probe_ev_fail(ev, errno, "read " SECURITYFS "/lockdown"),
			       errno;
	}
	barco_report_add(ev, "read " SECURITYFS "/lockdown = %s", text);
	*ret_value = lockdown_mode(text);
	return *ret_value < 0 ? EPROTO : 0;
}

static void set_lockdown(int mode, struct barco_probe_result *ret)
{
	if (mode == 2)
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"boot with lockdown=integrity (or none): confidentiality refuses "
				"kprobes and reading kernel memory from eBPF",
				"lockdown: confidentiality");
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "lockdown: %s%s", lockdown_modes[mode],
				mode == 1 ? " (bpf_probe_write_user refused; tracing unaffected)"
					  : "");
}

/* Without the LSM there is no lockdown to read. */
static bool lockdown_built(struct barco_probe_ctx *ctx, const void *arg,
			   struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	if (facts->built != BARCO_PROBE_FAIL)
		return false;
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "no lockdown LSM in this kernel");
	return true;
}

/* The mode read decides PASS or WARN; an unreadable one is UNKNOWN, an absent one no LSM. */
static void lockdown_verdict(const void *arg, const struct barco_probe_facts *f,
			     struct barco_probe_result *ret)
{
	if (f->is_ok) {
		set_lockdown((int)f->child.value, ret);
		return;
	}
	barco_probe_set(ret, f->child.code == ENOENT ? BARCO_PROBE_PASS : BARCO_PROBE_UNKNOWN,
			"mount -t securityfs none /sys/kernel/security; cat "
			"/sys/kernel/security/lockdown",
			f->child.code == ENOENT ? "lockdown LSM not active"
						: "lockdown mode unknown");
}

static const struct barco_probe_layers lockdown = {
	.options = (const char *const[]){"CONFIG_SECURITY_LOCKDOWN_LSM", NULL},
	.enabled = lockdown_built,
	.attempt = try_lockdown,
	.verdict = lockdown_verdict,
};

static int check_tracefs(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_result *ret, struct barco_err *err)
{
	static const char *const roots[] = {TRACEFS, TRACEFS_DEBUG};
	struct statfs sfs;

	for (size_t i = 0; i < ARRAY_LEN(roots); i++) {
		if (barco_probe_ev_call(&ret->evidence, statfs(roots[i], &sfs), "statfs(\"%s\")",
					roots[i]) < 0)
			continue;
		barco_report_add(&ret->evidence, "  f_type = 0x%lx (%s)", (unsigned long)sfs.f_type,
				 (unsigned long)sfs.f_type == TRACEFS_MAGIC   ? "tracefs"
				 : (unsigned long)sfs.f_type == SYSFS_MAGIC   ? "sysfs: not mounted"
				 : (unsigned long)sfs.f_type == DEBUGFS_MAGIC ? "debugfs"
									      : "other");
		if ((unsigned long)sfs.f_type == TRACEFS_MAGIC) {
			barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "tracefs at %s", roots[i]);
			return 0;
		}
	}
	barco_probe_set(ret, BARCO_PROBE_WARN,
			"mount -t tracefs nodev /sys/kernel/tracing (tp/ programs read event ids "
			"there; tp_btf and raw_tp do not need it)",
			"tracefs not mounted");
	return 0;
}

/* ---- cgroup device programs ----------------------------------------------------------------- */

/*
 * What linux.resources.devices becomes on cgroup v2 (stages/devices_bpf.h),
 * tried for real: barco's compiler makes the program of "allow everything
 * but writing /dev/null", it is attached to a fresh cgroup2 directory, and
 * a child moved there opens /dev/null both ways. Removing the directory
 * detaches the program.
 */
struct devcg_attempt {
	char dir[PATH_MAX];
};
_Static_assert(sizeof(struct devcg_attempt) <= BARCO_PROBE_SCRATCH_MAX,
	       "the attempt's cgroup fits in the facts' scratch");

static const struct barco_device_rule devcg_rules[] = {
	{true, 'a', -1, -1, "rwm"},
	{false, 'c', 1, 3, "w"},
};

/* In a child of the attempt, moved into dir: the errno of each open (0: it worked). */
static void devcg_child(const char *dir, int out)
{
	char procs[PATH_MAX + 16];
	int errs[2] = {-1, -1};
	int fd;

	(void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "0", 1) == 1) {
		static const int flags[2] = {O_WRONLY, O_RDONLY};

		for (int i = 0; i < 2; i++) {
			int null_fd = open("/dev/null", flags[i] | O_CLOEXEC);

			errs[i] = null_fd < 0 ? errno : 0;
		}
	}
	_exit(write(out, errs, sizeof(errs)) == (ssize_t)sizeof(errs) ? 0 : 1);
}

/* 0 when the write was refused with EPERM and the read allowed; EPROTO when not. */
static int devcg_opens(const char *dir, struct barco_report *ev)
{
	int errs[2] = {-1, -1};
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	pid = fork();
	if (pid == 0)
		devcg_child(dir, fds[1]);
	(void)close(fds[1]);
	if (pid < 0 || read(fds[0], errs, sizeof(errs)) != (ssize_t)sizeof(errs))
		errs[0] = errs[1] = -1;
	(void)close(fds[0]);
	if (pid > 0)
		(void)barco_waitpid(pid, NULL);
	if (errs[0] < 0)
		return barco_probe_ev_fail(ev, ESRCH, "a child in %s/cgroup.procs", dir), ESRCH;
	barco_report_add(ev, "a child in %s/cgroup.procs:", dir);
	for (int i = 0; i < 2; i++)
		barco_report_add(ev, "  open(\"/dev/null\", %s)%s%s", i ? "O_RDONLY" : "O_WRONLY",
				 errs[i] ? " = -1 " : ": opened",
				 errs[i] ? barco_probe_errno_name(errs[i]) : "");
	return errs[0] == EPERM && errs[1] == 0 ? 0 : EPROTO;
}

static int try_devcg(const void *arg, struct barco_report *ev, long *ret_value)
{
	const struct devcg_attempt *a = arg;
	struct barco_err err = {0};
	int r;

	if (barco_probe_ev_call(ev, mkdir(a->dir, 0755), "mkdir(\"%s\", 0755)", a->dir) < 0)
		return errno;
	barco_report_add(ev, "rules: allow a *:* rwm, deny c 1:3 w");
	if (barco_devices_bpf_attach(a->dir, devcg_rules, ARRAY_LEN(devcg_rules), ev, &err) < 0) {
		r = err.errnum ? err.errnum : EINVAL;
		(void)barco_probe_ev_fail(ev, r, "%s", err.msg);
	} else {
		r = devcg_opens(a->dir, ev);
	}
	if (barco_probe_ev_call(ev, rmdir(a->dir), "rmdir(\"%s\") (detaches the program)", a->dir) <
		    0 &&
	    r == 0)
		r = errno;
	return r;
}

/* The enabled layer: a cgroup2 tree to make the directory in. */
static bool devcg_target(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	struct devcg_attempt *a = (struct devcg_attempt *)facts->scratch;
	struct barco_cgroup_layout layout;
	struct barco_err err = {0};

	if (barco_cgroup_layout_detect(&layout, &err) < 0)
		memset(&layout, 0, sizeof(layout));
	barco_report_add(&ret->evidence, "mountinfo: cgroup2 at %s",
			 layout.unified_mount[0] ? layout.unified_mount : "(none)");
	if (!layout.unified_mount[0]) {
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"on a cgroup v1 host the v1 devices controller enforces the rules; "
				"mount cgroup2 to try device programs",
				"no cgroup2 tree to attach a device program to");
		return true;
	}
	(void)snprintf(a->dir, sizeof(a->dir), "%.4000s/barco-probe-dev-%d", layout.unified_mount,
		       (int)getpid());
	facts->target = a;
	return false;
}

static void devcg_verdict(const void *arg, const struct barco_probe_facts *f,
			  struct barco_probe_result *ret)
{
	int code = f->child.code;

	if (code == EPROTO)
		barco_probe_set(
			ret, BARCO_PROBE_FAIL,
			"an older program on an ancestor cgroup may override it (see "
			"bpftool cgroup tree); report it",
			"a device program attached, and the write to /dev/null went through");
	else
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				code == EINVAL ? "rebuild the kernel with CONFIG_CGROUP_BPF=y"
				: code == EPERM
					? "needs CAP_BPF and CAP_SYS_ADMIN (root) on the host"
					: "see the evidence",
				"no device program: %s",
				code > 0 ? barco_probe_errno_name(code) : "the attempt failed");
}

static const struct barco_probe_layers cgroup_device = {
	.options = (const char *const[]){"CONFIG_CGROUP_BPF", NULL},
	.enabled = devcg_target,
	.attempt = try_devcg,
	.pass = "a device program attached: /dev/null read, its write refused (EPERM)",
	.verdict = devcg_verdict,
};

/* ---- conclusions ---------------------------------------------------------------------------- */

static bool passed(const struct barco_probe_run *run, const char *name)
{
	const struct barco_probe_result *r = barco_probe_run_find(run, name);

	return r && r->status == BARCO_PROBE_PASS;
}

/*
 * The order barco run --trace tries (src/trace/trace_ways.c): the cap_capable
 * tracepoint as raw_tp, else tp_btf, else fexit, else kprobe, else nothing.
 * tp/ programs are probed but never used: raw_tp reaches the same
 * tracepoints without tracefs.
 */
static void conclude_caps(const struct barco_probe_run *run, struct barco_probe_conclusion *ret)
{
	static const struct {
		const char *check, *strategy;
	} order[] = {
		{"bpf.raw_tp.cap_capable", "capability:cap_capable tracepoint (raw_tp)"},
		{"bpf.tp_btf.cap_capable", "capability:cap_capable tracepoint (tp_btf)"},
		{"bpf.fexit.cap_capable", "fexit/cap_capable"},
		{"bpf.kprobe.cap_capable", "kprobe/cap_capable"},
	};

	ret->key = "trace_capabilities";
	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		if (passed(run, order[i].check)) {
			(void)snprintf(ret->value, sizeof(ret->value), "%s", order[i].strategy);
			return;
		}
	}
	(void)snprintf(ret->value, sizeof(ret->value),
		       "none: no cap_capable tracepoint, fexit or kprobe attaches");
}

/* raw_syscalls sys_enter/sys_exit pairing plus signal:signal_generate, with the first kind that has
 * all three, in the order barco run --trace tries them. */
static void conclude_seccomp(const struct barco_probe_run *run, struct barco_probe_conclusion *ret)
{
	static const char *const kind_names[] = {"raw_tp", "tp_btf"};
	char a[64], b[64], c[64];

	ret->key = "trace_seccomp";
	for (size_t i = 0; i < ARRAY_LEN(kind_names); i++) {
		(void)snprintf(a, sizeof(a), "bpf.%s.sys_enter", kind_names[i]);
		(void)snprintf(b, sizeof(b), "bpf.%s.sys_exit", kind_names[i]);
		(void)snprintf(c, sizeof(c), "bpf.%s.signal_generate", kind_names[i]);
		if (passed(run, a) && passed(run, b) && passed(run, c)) {
			(void)snprintf(ret->value, sizeof(ret->value),
				       "raw_syscalls:sys_enter/sys_exit pairing + "
				       "signal:signal_generate (%s)",
				       kind_names[i]);
			return;
		}
	}
	(void)snprintf(ret->value, sizeof(ret->value),
		       "none: raw_syscalls and signal_generate do not all attach");
}

void barco_probe_bpf_conclude(const struct barco_probe_run *run,
			      struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX])
{
	conclude_caps(run, &ret[0]);
	conclude_seccomp(run, &ret[1]);
}

/* An attachment's row: the layers of its kind, tried on attaches[id]. */
#define ATTACH_ROW(id, name, title)                                                                \
	{                                                                                          \
		name, title, BARCO_PROBE_BPF, false, barco_probe_check_layers,                     \
			&(const struct barco_probe_layers){.enabled = attach_target,               \
							   .attempt = try_attach,                  \
							   .verdict = attach_verdict,              \
							   .arg = &attaches[id]},                  \
			true                                                                       \
	}

const struct barco_probe_check barco_probe_bpf_checks[] = {
	{"bpf.syscall", "the bpf(2) syscall loads a program", BARCO_PROBE_BPF, false,
	 barco_probe_check_layers, &bpf_syscall, true},
	{"bpf.jit", "the JIT compiles programs", BARCO_PROBE_BPF, false, barco_probe_check_layers,
	 &jit, true},
	{"bpf.btf", "kernel BTF (/sys/kernel/btf/vmlinux)", BARCO_PROBE_BPF, false, check_btf, NULL,
	 false},
	{"bpf.lockdown", "the lockdown mode", BARCO_PROBE_BPF, false, barco_probe_check_layers,
	 &lockdown, true},
	{"bpf.tracefs", "tracefs mounted (tracepoint ids for tp/)", BARCO_PROBE_BPF, false,
	 check_tracefs, NULL, false},
	{"bpf.cgroup_device", "cgroup device programs (linux.resources.devices on cgroup v2)",
	 BARCO_PROBE_BPF, false, barco_probe_check_layers, &cgroup_device, true},
	ATTACH_ROW(TP_SYS_ENTER, "bpf.tp.sys_enter", "tp/raw_syscalls/sys_enter"),
	ATTACH_ROW(TP_SYS_EXIT, "bpf.tp.sys_exit", "tp/raw_syscalls/sys_exit"),
	ATTACH_ROW(TP_SIGNAL, "bpf.tp.signal_generate", "tp/signal/signal_generate"),
	ATTACH_ROW(TP_CAP, "bpf.tp.cap_capable", "tp/capability/cap_capable"),
	ATTACH_ROW(RAW_SYS_ENTER, "bpf.raw_tp.sys_enter", "raw_tp/sys_enter"),
	ATTACH_ROW(RAW_SYS_EXIT, "bpf.raw_tp.sys_exit", "raw_tp/sys_exit"),
	ATTACH_ROW(RAW_SIGNAL, "bpf.raw_tp.signal_generate", "raw_tp/signal_generate"),
	ATTACH_ROW(RAW_CAP, "bpf.raw_tp.cap_capable", "raw_tp/cap_capable"),
	ATTACH_ROW(BTF_SYS_ENTER, "bpf.tp_btf.sys_enter", "tp_btf/sys_enter"),
	ATTACH_ROW(BTF_SYS_EXIT, "bpf.tp_btf.sys_exit", "tp_btf/sys_exit"),
	ATTACH_ROW(BTF_SIGNAL, "bpf.tp_btf.signal_generate", "tp_btf/signal_generate"),
	ATTACH_ROW(BTF_CAP, "bpf.tp_btf.cap_capable", "tp_btf/cap_capable"),
	ATTACH_ROW(FEXIT_CAP, "bpf.fexit.cap_capable", "fexit/cap_capable"),
	ATTACH_ROW(KPROBE_CAP, "bpf.kprobe.cap_capable", "kprobe/cap_capable"),
};
const size_t barco_probe_bpf_checks_len = ARRAY_LEN(barco_probe_bpf_checks);
