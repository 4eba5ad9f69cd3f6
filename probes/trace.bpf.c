/*
 * barco run --trace: kernel evidence of which layer stopped what, for the
 * tasks of one container (its cgroup2 id, or its pid namespace).
 *
 * Seccomp: the kernel runs the seccomp filter before the raw_syscalls:
 * sys_enter tracepoint (syscall_trace_enter() of the generic entry code,
 * whose file under kernel/entry/ has moved across versions), and a
 * refused call still leaves through sys_exit. So a sys_exit with no
 * sys_enter on the same thread was stopped by seccomp; an ordinary failure
 * has both. SIGSYS with si_code SYS_SECCOMP covers the trap and kill actions
 * (kernel/seccomp.c force_sig_seccomp).
 *
 * Capabilities: every check ends in cap_capable() (security/commoncap.c),
 * seen through the capability:cap_capable tracepoint (6.14+), fexit, or a
 * kprobe pair. A denied check is remembered for the thread's current
 * syscall; at sys_exit it counts as a denial that took effect only if the
 * syscall failed with EPERM (the errno capable() callers return), otherwise
 * it was one of the kernel's silent probes (ns_capable_noaudit and friends,
 * such as cap_vm_enough_memory()'s CAP_SYS_ADMIN check when fork, execve,
 * brk or mmap reserve memory) that deny without failing anything.
 *
 * Each event has two or more programs (raw_tp, tp_btf, ...): user space
 * (src/trace/trace_attach.c) keeps one per event, the first this kernel accepts,
 * and disables the others before the object is loaded.
 *
 * No CO-RE, no vmlinux.h: uapi headers only. A CO-RE relocation anywhere in
 * the object, or a tp_btf program, makes libbpf read and index all of the
 * kernel's BTF before loading, which cost 50-70 ms of every traced run
 * (issue 9; src/trace/trace_btf.c has the numbers). The kernel-internal fields
 * (task_struct, pid, user_namespace, the syscall number in pt_regs) are
 * read instead at the offsets user space found in the running kernel's BTF
 * and set in `offsets` before the load (src/trace/trace_event.h); siginfo is
 * uapi. tp_btf programs stay as a fallback only: the same code, paid for
 * by that libbpf parse when raw_tp is refused.
 */
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/errno.h>
#include <asm/ptrace.h>	 /* struct pt_regs as kprobes see it, for bpf_tracing.h */
#include <asm/signal.h>	 /* SIGKILL, SIGSYS */
#include <asm/siginfo.h> /* siginfo_t (the kernel's kernel_siginfo has its layout), SYS_SECCOMP */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace/trace_event.h"

/*
 * Static analysers (make lint runs cppcheck on probes/) neither compile for
 * BPF nor read libbpf's headers: just enough of them to parse this file.
 */
#ifndef __bpf__
#define SEC(name)
#define BPF_PROG(name, ...)	 name(void *ctx)
#define BPF_KPROBE(name, ...)	 name(void *ctx)
#define BPF_KRETPROBE(name, ...) name(void *ctx)
#endif

/* Only pointers to these are passed around: their layout is read through `offsets`. */
struct task_struct;
struct user_namespace;
struct cred;
struct kernel_siginfo;

#define SEND_SIG_PRIV_	 ((struct kernel_siginfo *)1) /* include/linux/sched/signal.h */
#define ERESTARTSYS_	 512 /* kernel-internal restart codes, never seen by user space */
#define ERESTART_BLOCK_	 516
#define MAX_ERRNO_	 4095
#define NO_SYSCALL	 (-1)
#define TRACE_MAX_TASKS	 8192 /* kprobe fallback: threads in cap_capable at once */
#define TRACE_RINGBUF_SZ (256 * 1024)

char LICENSE[] SEC("license") = "GPL";

/* Set before load: whom to trace, and the syscalls that never return. */
const volatile __u64 target_cgroup_id = 0;
const volatile __s64 nr_exit = -1;
const volatile __s64 nr_exit_group = -1;
/* Set before load: where this kernel keeps the fields read below (src/trace/trace_btf.c). */
const volatile struct barco_trace_offsets offsets = {};

/* Set while loaded (the skeleton's mmap of .bss). */
__u64 target_pidns_dev = 0; /* used when there is no cgroup2 id */
__u64 target_pidns_ino = 0;
__u32 armed = 0; /* events are sent only once the container's command runs */

/* The syscall a thread is in, and what was denied during it. */
struct task_state {
	__s64 nr;	    /* NO_SYSCALL between syscalls */
	__u64 caps;	    /* denied capabilities, bit N = cap N */
	__s32 last_cap;	    /* -1: none */
	__s32 sigsys_nr;    /* a seccomp SIGSYS already reported for this syscall; -1 none */
	__u32 cap_ns_level; /* of the user namespace last_cap was checked in; 0: the host's */
};

/*
 * Task-local storage (5.12+ for tracing programs): created on a thread's
 * first traced syscall, freed with the thread or with the map. No size to
 * outgrow and nothing to evict, and nothing to allocate up front: the
 * 8192-entry LRU hash it replaces cost 2-8 ms to create at every traced run
 * on the development host (issue 9).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tasks SEC(".maps");

/* kprobe fallback: what cap_capable was asked, from its entry to its return. */
struct cap_call {
	const struct user_namespace *ns;
	__s32 cap;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TRACE_MAX_TASKS);
	__type(key, __u32);
	__type(value, struct cap_call);
} kprobe_cap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TRACE_RINGBUF_SZ);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BARCO_TRACE_STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline bool in_container(void)
{
	struct bpf_pidns_info ns;

	if (target_cgroup_id)
		return bpf_get_current_cgroup_id() == target_cgroup_id;
	if (target_pidns_ino)
		return bpf_get_ns_current_pid_tgid(target_pidns_dev, target_pidns_ino, &ns,
						   sizeof(ns)) == 0;
	return false;
}

static __always_inline void count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &stat);

	if (v)
		*v += 1; /* per-CPU: no other writer */
}

/*
 * Kernel memory at addr + off, addr being a kernel pointer as a number; 0
 * when it cannot be read (addr 0 among others): bpf_probe_read_kernel()
 * checks, so a chain of reads needs no NULL test at each link.
 */
static __always_inline __u64 read_u64(unsigned long addr, __u32 off)
{
	__u64 v = 0;

	(void)bpf_probe_read_kernel(&v, sizeof(v), (const void *)(addr + off));
	return v;
}

static __always_inline __u32 read_u32(unsigned long addr, __u32 off)
{
	__u32 v = 0;

	(void)bpf_probe_read_kernel(&v, sizeof(v), (const void *)(addr + off));
	return v;
}

/* The task's tgid as its innermost pid namespace numbers it (struct pid.numbers[level]). */
static __always_inline __u32 ns_tgid(unsigned long task)
{
	unsigned long leader = read_u64(task, offsets.task_group_leader);
	unsigned long pid = read_u64(leader, offsets.task_thread_pid);
	__u32 level = read_u32(pid, offsets.pid_level);

	if (!pid || level > 32)
		return 0;
	return read_u32(pid, offsets.pid_numbers + level * offsets.upid_size + offsets.upid_nr);
}

/* Sends one event about task (NULL: the current task); counts it, or counts the drop. */
static __always_inline void emit(__u32 kind, long nr, long ret, const struct task_state *st,
				 const struct task_struct *task)
{
	struct barco_trace_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	unsigned long addr;

	if (!e) {
		count(BARCO_TRACE_STAT_DROPPED);
		return;
	}
	addr = task ? (unsigned long)task : (unsigned long)bpf_get_current_task();
	e->kind = kind;
	e->pid = read_u32(addr, offsets.task_tgid);
	e->tid = read_u32(addr, offsets.task_pid);
	e->ns_pid = ns_tgid(addr);
	e->nr = (__s32)nr;
	e->ret = (__s32)ret;
	e->cap = st ? st->last_cap : -1;
	e->cap_ns_level = st ? st->cap_ns_level : 0;
	e->caps = st ? st->caps : 0;
	(void)bpf_probe_read_kernel_str(e->comm, sizeof(e->comm),
					(const void *)(addr + offsets.task_comm));
	bpf_ringbuf_submit(e, 0);
	count(BARCO_TRACE_STAT_EMITTED);
}

/*
 * The syscall number at sys_exit, where the tracepoint passes only the
 * registers: orig_ax (x86, 64 bits) or syscallno (arm64, 32 bits); both
 * little-endian, so the low 32 bits hold it either way.
 */
static __always_inline long exit_nr(const struct pt_regs *regs)
{
	return (__s32)read_u32((unsigned long)regs, offsets.regs_syscall_nr);
}

static __always_inline bool is_failure(long ret)
{
	return ret < 0 && ret >= -MAX_ERRNO_ && !(ret <= -ERESTARTSYS_ && ret >= -ERESTART_BLOCK_);
}

/* The current thread's state; created (between syscalls) when create is true. */
static __always_inline struct task_state *current_state(bool create)
{
	return bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline void set_state(struct task_state *st, long nr, int sigsys_nr)
{
	st->nr = nr;
	st->caps = 0;
	st->last_cap = -1;
	st->sigsys_nr = sigsys_nr;
	st->cap_ns_level = 0;
}

static __always_inline int on_sys_enter(long nr)
{
	struct task_state *st;

	if (!in_container() || nr == nr_exit || nr == nr_exit_group)
		return 0;
	st = current_state(true);
	if (st)
		set_state(st, nr, -1);
	return 0;
}

/* No matching sys_enter: seccomp stopped it, unless a SIGSYS already said so. */
static __always_inline void exit_without_enter(struct task_state *st, long nr, long ret)
{
	if (st && st->sigsys_nr == nr)
		return;
	if (armed && is_failure(ret))
		emit(BARCO_TRACE_SECCOMP, nr, ret, NULL, NULL);
}

static __always_inline int on_sys_exit(const struct pt_regs *regs, long ret)
{
	struct task_state *st, copy;
	long nr;

	if (!in_container())
		return 0;
	nr = exit_nr(regs);
	st = current_state(false);
	if (!st || st->nr != nr) {
		exit_without_enter(st, nr, ret);
		if (st)
			set_state(st, NO_SYSCALL, -1);
		return 0;
	}
	copy = *st;
	set_state(st, NO_SYSCALL, -1);
	if (!armed)
		return 0;
	if (copy.caps && ret == -EPERM) {
		emit(BARCO_TRACE_CAP_FAILED, nr, ret, &copy, NULL);
		return 0;
	}
	/* e.g. fork past pids.max: a silent CAP_SYS_ADMIN check, then EAGAIN. */
	if (copy.caps)
		emit(BARCO_TRACE_CAP_SILENT, nr, ret, &copy, NULL);
	if (is_failure(ret))
		emit(BARCO_TRACE_FAILED, nr, ret, NULL, NULL);
	return 0;
}

/* A denied capability check: remembered for the current syscall, or silent outside one. */
static __always_inline int on_cap_denied(int cap, const struct user_namespace *ns)
{
	struct task_state lone = {.nr = NO_SYSCALL, .last_cap = cap, .sigsys_nr = -1};
	struct task_state *st;

	if (cap < 0 || cap > 63 || !in_container())
		return 0;
	lone.caps = 1ull << cap;
	lone.cap_ns_level = ns ? read_u32((unsigned long)ns, offsets.userns_level) : 0;
	st = current_state(false);
	if (!st || st->nr == NO_SYSCALL) {
		if (armed)
			emit(BARCO_TRACE_CAP_SILENT, NO_SYSCALL, 0, &lone, NULL);
		return 0;
	}
	st->caps |= lone.caps;
	st->last_cap = cap;
	st->cap_ns_level = lone.cap_ns_level;
	return 0;
}

static __always_inline int on_signal(int sig, const struct kernel_siginfo *info,
				     const struct task_struct *task)
{
	struct task_state *st;
	int nr;

	if ((sig != SIGSYS && sig != SIGKILL) || !armed || !in_container())
		return 0;
	if (sig == SIGKILL) {
		if (info == SEND_SIG_PRIV_)
			emit(BARCO_TRACE_KERNEL_KILL, NO_SYSCALL, sig, NULL, task);
		return 0;
	}
	/* SEND_SIG_NOINFO (0), SEND_SIG_PRIV (1), SEND_SIG_FORCED (2, before 4.20): no siginfo. */
	if ((unsigned long)info <= 2 ||
	    (int)read_u32((unsigned long)info, offsetof(siginfo_t, si_code)) != SYS_SECCOMP)
		return 0;
	nr = (int)read_u32((unsigned long)info, offsetof(siginfo_t, si_syscall));
	emit(BARCO_TRACE_SIGSYS, nr, sig, NULL, task);
	/* A trap returns through sys_exit without sys_enter: report it once. */
	st = current_state(true);
	if (st)
		set_state(st, NO_SYSCALL, nr);
	return 0;
}

/* ---- the programs: one per event and attach kind, in the order they are tried ----------- */

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

SEC("raw_tp/signal_generate")
int BPF_PROG(signal_raw, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	return on_signal(sig, info, task);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_btf, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	return on_signal(sig, info, task);
}

/* capability:cap_capable, kernel 6.14+: (cred, target_ns, capable_ns, cap, ret). */
SEC("raw_tp/cap_capable")
int BPF_PROG(cap_raw, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return ret ? on_cap_denied(cap, target_ns) : 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_btf, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return ret ? on_cap_denied(cap, target_ns) : 0;
}

/* Older kernels: cap_capable(cred, ns, cap, opts) itself. */
SEC("fexit/cap_capable")
int BPF_PROG(cap_fexit, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	return ret ? on_cap_denied(cap, ns) : 0;
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_kprobe, const struct cred *cred, struct user_namespace *ns, int cap)
{
	struct cap_call call = {.ns = ns, .cap = cap};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (in_container())
		bpf_map_update_elem(&kprobe_cap, &tid, &call, BPF_ANY);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(cap_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cap_call *found = bpf_map_lookup_elem(&kprobe_cap, &tid);
	struct cap_call call;

	if (!found)
		return 0;
	call = *found;
	bpf_map_delete_elem(&kprobe_cap, &tid);
	return ret ? on_cap_denied(call.cap, call.ns) : 0;
}
