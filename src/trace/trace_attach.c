/*
 * Which way this kernel lets barco attach each traced event, found by
 * trying. BTF describing a function or tracepoint is not proof that a
 * program can attach to it (a kernel may have cap_capable in BTF and still
 * refuse fexit programs, or have no kprobes at all), so BTF only rules
 * candidates out: a tracepoint without its btf_trace_NAME typedef does not
 * exist.
 *
 * raw_tp, best first, is tested by the real thing: src/trace/trace.c attaches the
 * real programs and, when one is refused, asks barco_trace_choose_next() for
 * that event's next candidate and loads again. A trial attach of its own
 * would cost more than the real one (each attach and detach rewrites the
 * tracepoint's call sites: about 1 ms apiece here), for an answer that is
 * almost always yes. The fallbacks are tried with a minimal program
 * ("r0 = 0; exit") loaded for the real target, then closed: tp_btf and
 * fexit programs name their target at load time, so the load is the test
 * (and the kernel refuses fexit there where it refuses it at all); kprobe
 * programs do not, so they are attached too, and detached.
 *
 * The candidates, best first, are the ways of attaching listed in
 * src/trace/trace_ways.c, which says why they come in that order.
 *
 * References: bpf(2) BPF_PROG_LOAD and BPF_RAW_TRACEPOINT_OPEN,
 * Documentation/bpf/libbpf/program_types.rst, perf_event_open(2) (the
 * kprobe PMU, /sys/bus/event_source/devices/kprobe/type).
 */
#include "trace/trace.h"

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

#include "base/cleanup.h"
#include "trace/trace_btf.h"
#include "base/util.h"

#define KPROBE_PMU_TYPE "/sys/bus/event_source/devices/kprobe/type"

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

/* A tracepoint's typedef btf_trace_NAME (it exists; tp_btf attaches to it); fexit the function. */
static int btf_id_for(struct barco_trace_btf *btf, enum barco_trace_attach a, const char *target,
		      char *why, size_t size)
{
	bool is_func = a == BARCO_TRACE_ATTACH_FEXIT;
	char name[128];
	long id;

	(void)snprintf(name, sizeof(name), "%s%s", is_func ? "" : "btf_trace_", target);
	id = barco_btf_id(&btf->reader, name, is_func ? BTF_KIND_FUNC : BTF_KIND_TYPEDEF);
	if (id == 0)
		(void)snprintf(why, size, "%s is not in the kernel's BTF", name);
	else if (id < 0)
		(void)snprintf(why, size, "%.64s: %.160s", name,
			       btf->reader.error[0] ? btf->reader.error : "not looked for");
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

static int load_for(enum barco_trace_attach a, int btf_id)
{
	switch (a) {
	case BARCO_TRACE_ATTACH_TP_BTF:
		return load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, btf_id);
	case BARCO_TRACE_ATTACH_FEXIT:
		return load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, btf_id);
	case BARCO_TRACE_ATTACH_KPROBE:
		return load_trivial(BPF_PROG_TYPE_KPROBE, 0, 0);
	default:
		errno = EINVAL;
		return -1;
	}
}

/*
 * 0 when target can be attached to the way a says, as far as can be known
 * before the real attach: for raw_tp, the tracepoint exists; for the others,
 * a trivial program loaded (tp_btf, fexit) and attached (kprobe).
 */
static int try_target(struct barco_trace_btf *btf, enum barco_trace_attach a, const char *target,
		      char *why, size_t size)
{
	cleanup_close int prog = -1;
	int id = 0;

	why[0] = '\0';
	if (a != BARCO_TRACE_ATTACH_KPROBE) {
		id = btf_id_for(btf, a, target, why, size);
		if (id < 0)
			return -1;
	}
	if (a == BARCO_TRACE_ATTACH_RAW_TP)
		return 0;
	prog = load_for(a, id);
	if (prog < 0) {
		(void)snprintf(why, size, "BPF_PROG_LOAD: %s", strerror(errno));
		return -1;
	}
	if (a == BARCO_TRACE_ATTACH_KPROBE)
		return attach_kprobe(prog, target, why, size);
	return 0;
}

static int try_way(struct barco_trace_btf *btf, const struct barco_trace_way *way, char *why,
		   size_t size)
{
	for (size_t i = 0; i < BARCO_TRACE_WAY_TARGETS && way->targets[i]; i++) {
		char one[256];

		if (try_target(btf, way->attach, way->targets[i], one, sizeof(one)) < 0) {
			(void)snprintf(why, size, "%s/%s: %s", attach_names[way->attach],
				       way->targets[i], one);
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

/* From the way after `after` (NONE: from the first), the first of group g that passes. */
static enum barco_trace_attach pick(struct barco_trace_btf *btf, enum barco_trace_group g,
				    enum barco_trace_attach after, char *refused, size_t size)
{
	bool is_past = after == BARCO_TRACE_ATTACH_NONE;

	for (size_t i = 0; i < barco_trace_ways_len; i++) {
		const struct barco_trace_way *way = &barco_trace_ways[i];
		char why[BARCO_TRACE_WHY_MAX];

		if (way->group != g)
			continue;
		if (!is_past) {
			is_past = way->attach == after;
			continue;
		}
		if (try_way(btf, way, why, sizeof(why)) == 0)
			return way->attach;
		append_why(refused, size, why);
	}
	return BARCO_TRACE_ATTACH_NONE;
}

int barco_trace_choose(struct barco_trace_btf *btf, struct barco_trace_strategy *ret,
		       struct barco_err *err)
{
	int fd = load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0);

	memset(ret, 0, sizeof(*ret));
	/* Not root, lockdown, or no CONFIG_BPF_SYSCALL: nothing else will load either. */
	if (fd < 0)
		return barco_err_errno(err, "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_RAW_TRACEPOINT, "
					    "\"r0 = 0; exit\")");
	(void)close(fd);
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		ret->attach[g] = pick(btf, (enum barco_trace_group)g, BARCO_TRACE_ATTACH_NONE,
				      ret->refused[g], sizeof(ret->refused[g]));
	return 0;
}

void barco_trace_choose_next(struct barco_trace_btf *btf, struct barco_trace_strategy *s,
			     enum barco_trace_group g, const char *why)
{
	append_why(s->refused[g], sizeof(s->refused[g]), why);
	if (s->attach[g] != BARCO_TRACE_ATTACH_NONE)
		s->attach[g] = pick(btf, g, s->attach[g], s->refused[g], sizeof(s->refused[g]));
}
