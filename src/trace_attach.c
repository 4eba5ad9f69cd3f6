/*
 * Which way this kernel lets barco attach each traced event, found by
 * trying: for each candidate a minimal program ("r0 = 0; exit") of the
 * candidate's type is loaded for the real target, then closed. BTF
 * describing a function or tracepoint is not proof that a program can attach
 * to it (a kernel may have cap_capable in BTF and still refuse fexit
 * programs, or have no kprobes at all), so nothing is guessed from it.
 *
 * tp_btf and fexit programs name their target at load time, so the load is
 * the test (and the kernel refuses fexit there where it refuses it at all).
 * raw_tp and kprobe programs do not: they are attached too, and detached.
 * A successful attach costs an RCU grace period at detach, which is why
 * the best kinds, tried first, are the ones that need no attach.
 *
 * The candidates, best first (kernel 6.14 added capability:cap_capable):
 *   syscalls      tp_btf, raw_tp            (raw_syscalls:sys_enter/sys_exit)
 *   signals       tp_btf, raw_tp            (signal:signal_generate)
 *   capabilities  tp_btf, raw_tp, fexit, kprobe   (cap_capable)
 * Classic tp/ programs are not candidates: they need tracefs mounted for the
 * event id, and raw_tp reaches the same tracepoints without it.
 *
 * References: bpf(2) BPF_PROG_LOAD and BPF_RAW_TRACEPOINT_OPEN,
 * Documentation/bpf/libbpf/program_types.rst, perf_event_open(2) (the
 * kprobe PMU, /sys/bus/event_source/devices/kprobe/type).
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "probe.h"
#include "util.h"

#define KPROBE_PMU_TYPE "/sys/bus/event_source/devices/kprobe/type"
#define TRIAL_TARGETS	2

struct candidate {
	enum barco_trace_group group;
	enum barco_trace_attach attach;
	const char *targets[TRIAL_TARGETS]; /* tracepoints or functions, NULL-padded */
};

static const struct candidate candidates[] = {
	{BARCO_TRACE_GROUP_SYSCALLS, BARCO_TRACE_ATTACH_TP_BTF, {"sys_enter", "sys_exit"}},
	{BARCO_TRACE_GROUP_SYSCALLS, BARCO_TRACE_ATTACH_RAW_TP, {"sys_enter", "sys_exit"}},
	{BARCO_TRACE_GROUP_SIGNALS, BARCO_TRACE_ATTACH_TP_BTF, {"signal_generate", NULL}},
	{BARCO_TRACE_GROUP_SIGNALS, BARCO_TRACE_ATTACH_RAW_TP, {"signal_generate", NULL}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_TP_BTF, {"cap_capable", NULL}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_RAW_TP, {"cap_capable", NULL}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_FEXIT, {"cap_capable", NULL}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_KPROBE, {"cap_capable", NULL}},
};

static const char *const attach_names[BARCO_TRACE_ATTACH_COUNT] = {
	[BARCO_TRACE_ATTACH_NONE] = "none",	[BARCO_TRACE_ATTACH_TP_BTF] = "tp_btf",
	[BARCO_TRACE_ATTACH_RAW_TP] = "raw_tp", [BARCO_TRACE_ATTACH_FEXIT] = "fexit",
	[BARCO_TRACE_ATTACH_KPROBE] = "kprobe",
};

static const char *const group_names[BARCO_TRACE_GROUP_COUNT] = {
	[BARCO_TRACE_GROUP_SYSCALLS] = "syscalls",
	[BARCO_TRACE_GROUP_SIGNALS] = "signals",
	[BARCO_TRACE_GROUP_CAPS] = "capabilities",
};

const char *barco_trace_attach_name(enum barco_trace_attach a)
{
	return (unsigned)a < BARCO_TRACE_ATTACH_COUNT ? attach_names[a] : "?";
}

const char *barco_trace_group_name(enum barco_trace_group g)
{
	return (unsigned)g < BARCO_TRACE_GROUP_COUNT ? group_names[g] : "?";
}

/* r0 = 0; exit: the smallest program every type accepts. */
static const struct bpf_insn trivial_prog[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	{.code = BPF_JMP | BPF_EXIT},
};

static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type attach, int btf_id)
{
	struct bpf_prog_load_opts opts = {.sz = sizeof(opts),
					  .expected_attach_type = attach,
					  .attach_btf_id = (__u32)(btf_id > 0 ? btf_id : 0)};

	return bpf_prog_load(type, NULL, "GPL", trivial_prog, ARRAY_LEN(trivial_prog), &opts);
}

/* The BTF names the tp_btf and fexit candidates load against. */
static const struct barco_btf_query btf_queries[] = {
	{"btf_trace_sys_enter", BARCO_BTF_KIND_TYPEDEF, 0},
	{"btf_trace_sys_exit", BARCO_BTF_KIND_TYPEDEF, 0},
	{"btf_trace_signal_generate", BARCO_BTF_KIND_TYPEDEF, 0},
	{"btf_trace_cap_capable", BARCO_BTF_KIND_TYPEDEF, 0},
	{"cap_capable", BARCO_BTF_KIND_FUNC, 0},
};

/* tp_btf needs the tracepoint's typedef btf_trace_NAME; fexit the function itself. */
static int btf_id_for(const struct barco_probe_btf *vmlinux, enum barco_trace_attach a,
		      const char *target, char *why, size_t size)
{
	bool is_tp = a == BARCO_TRACE_ATTACH_TP_BTF;
	char name[128];
	long id;

	if (!vmlinux->is_loaded) {
		(void)snprintf(why, size, "no kernel BTF (/sys/kernel/btf/vmlinux)");
		return -1;
	}
	(void)snprintf(name, sizeof(name), "%s%s", is_tp ? "btf_trace_" : "", target);
	id = barco_probe_btf_id(vmlinux, name,
				is_tp ? BARCO_BTF_KIND_TYPEDEF : BARCO_BTF_KIND_FUNC);
	if (id <= 0)
		(void)snprintf(why, size, "%s is not in the kernel's BTF", name);
	return id > 0 ? (int)id : -1;
}

/* The kprobe PMU's perf event type, or -1 (no CONFIG_KPROBE_EVENTS, or no kprobes at all). */
static int kprobe_pmu_type(void)
{
	char buf[32] = "";
	FILE *f = fopen(KPROBE_PMU_TYPE, "re");
	int type = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		type = atoi(buf);
	(void)fclose(f);
	return type;
}

static int attach_kprobe(int prog_fd, const char *func, char *why, size_t size)
{
	struct perf_event_attr attr;
	int type = kprobe_pmu_type();
	int fd;

	if (type < 0) {
		(void)snprintf(why, size, "no kprobe PMU (%s)", KPROBE_PMU_TYPE);
		return -1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (__u32)type;
	attr.kprobe_func = (__u64)(unsigned long)func;
	fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0) {
		(void)snprintf(why, size, "kprobe on %s: %s", func, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

static int load_for(const struct barco_probe_btf *vmlinux, enum barco_trace_attach a,
		    const char *target, char *why, size_t size)
{
	int id = 0;

	if (a == BARCO_TRACE_ATTACH_TP_BTF || a == BARCO_TRACE_ATTACH_FEXIT) {
		id = btf_id_for(vmlinux, a, target, why, size);
		if (id < 0)
			return -1;
	}
	switch (a) {
	case BARCO_TRACE_ATTACH_TP_BTF:
		return load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id);
	case BARCO_TRACE_ATTACH_FEXIT:
		return load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, id);
	case BARCO_TRACE_ATTACH_RAW_TP:
		return load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
	case BARCO_TRACE_ATTACH_KPROBE:
		return load_trivial(BPF_PROG_TYPE_KPROBE, 0, 0);
	default:
		return -1;
	}
}

/* Loads and attaches a trivial program to target the way a says; 0 when both worked. */
static int try_target(const struct barco_probe_btf *vmlinux, enum barco_trace_attach a,
		      const char *target, char *why, size_t size)
{
	cleanup_close int prog = -1;
	int link = -1;

	why[0] = '\0';
	prog = load_for(vmlinux, a, target, why, size);
	if (prog < 0) {
		if (!why[0])
			(void)snprintf(why, size, "BPF_PROG_LOAD: %s", strerror(errno));
		return -1;
	}
	if (a == BARCO_TRACE_ATTACH_KPROBE)
		return attach_kprobe(prog, target, why, size);
	/* BTF-typed programs were checked against their target when they loaded. */
	if (a != BARCO_TRACE_ATTACH_RAW_TP)
		return 0;
	link = bpf_raw_tracepoint_open(target, prog);
	if (link < 0) {
		(void)snprintf(why, size, "attach: %s", strerror(errno));
		return -1;
	}
	(void)close(link);
	return 0;
}

static int try_candidate(const struct barco_probe_btf *vmlinux, const struct candidate *c,
			 char *why, size_t size)
{
	for (size_t i = 0; i < TRIAL_TARGETS && c->targets[i]; i++) {
		char one[256];

		if (try_target(vmlinux, c->attach, c->targets[i], one, sizeof(one)) < 0) {
			(void)snprintf(why, size, "%s/%s: %s", attach_names[c->attach],
				       c->targets[i], one);
			return -1;
		}
	}
	return 0;
}

static void append_why(char *dst, size_t size, const char *why)
{
	size_t len = strlen(dst);

	(void)snprintf(dst + len, size - len, "%s%s", len ? "; " : "", why);
}

int barco_trace_choose(struct barco_trace_strategy *ret, struct barco_err *err)
{
	bool is_chosen[BARCO_TRACE_GROUP_COUNT] = {false};
	int fd = load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);
	struct barco_probe_btf *vmlinux;

	memset(ret, 0, sizeof(*ret));
	/* Not root, lockdown, or no CONFIG_BPF_SYSCALL: nothing else will load either. */
	if (fd < 0)
		return barco_err_errno(err, "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_RAW_TRACEPOINT, "
					    "\"r0 = 0; exit\")");
	(void)close(fd);
	vmlinux = calloc(1, sizeof(*vmlinux));
	if (!vmlinux)
		return barco_err_errno(err, "allocating the BTF lookup");
	barco_probe_btf_load(vmlinux, btf_queries, ARRAY_LEN(btf_queries));
	for (size_t i = 0; i < ARRAY_LEN(candidates); i++) {
		const struct candidate *c = &candidates[i];
		char why[BARCO_TRACE_WHY_MAX];

		if (is_chosen[c->group])
			continue;
		if (try_candidate(vmlinux, c, why, sizeof(why)) == 0) {
			ret->attach[c->group] = c->attach;
			is_chosen[c->group] = true;
		} else {
			append_why(ret->refused[c->group], sizeof(ret->refused[c->group]), why);
		}
	}
	free(vmlinux);
	return 0;
}
