/*
 * The tracer's questions to the kernel's BTF (src/trace/trace_btf.h): which
 * fields probes/trace.bpf.c reads, where each answer goes in struct
 * barco_trace_offsets, and which tracepoints and functions the attach
 * candidates of src/trace/trace_attach.c name. The reading is src/base/btf.c's.
 *
 * Why not libbpf: CO-RE relocations and tp_btf or fexit targets make libbpf
 * (1.1, Debian 12) read the whole of /sys/kernel/btf/vmlinux 4 KB at a time,
 * copy it and index its 127,000 types: 11 MB of fresh memory and 50-70 ms
 * at every `barco run --trace` on the development host (a guest where each
 * page fault is expensive; about 6 ms when the memory is already there).
 * src/base/btf.c looks at the file where it lies and keeps only the dozen
 * numbers asked for: the offsets take about 0.3 ms there, the
 * btf_trace_cap_capable typedef 1 ms more, the whole walk 2-3 ms.
 */
#include "trace/trace_btf.h"

#include "base/util.h"

#if defined(__x86_64__)
#define REGS_SYSCALL_NR "orig_ax"
#elif defined(__aarch64__)
#define REGS_SYSCALL_NR "syscallno"
#else
#error "barco's tracer knows where the syscall number is on x86-64 and arm64 only"
#endif

/* Named types: a tracepoint's typedef tells it exists (tp_btf attaches to it), a function fexit. */
static const struct barco_btf_name names[] = {
	{"btf_trace_sys_enter", BTF_KIND_TYPEDEF},
	{"btf_trace_sys_exit", BTF_KIND_TYPEDEF},
	{"btf_trace_signal_generate", BTF_KIND_TYPEDEF},
	{"btf_trace_cap_capable", BTF_KIND_TYPEDEF},
	{"cap_capable", BTF_KIND_FUNC},
};

#define AT(field) offsetof(struct barco_trace_offsets, field)

/* The fields probes/trace.bpf.c reads; member NULL: the struct's size. Every one is needed. */
static const struct barco_btf_field fields[] = {
	{"task_struct", "pid", AT(task_pid)},
	{"task_struct", "tgid", AT(task_tgid)},
	{"task_struct", "comm", AT(task_comm)},
	{"task_struct", "group_leader", AT(task_group_leader)},
	{"task_struct", "thread_pid", AT(task_thread_pid)},
	{"pid", "level", AT(pid_level)},
	{"pid", "numbers", AT(pid_numbers)},
	{"upid", NULL, AT(upid_size)},
	{"upid", "nr", AT(upid_nr)},
	{"user_namespace", "level", AT(userns_level)},
	{"pt_regs", REGS_SYSCALL_NR, AT(regs_syscall_nr)},
};

_Static_assert(ARRAY_LEN(names) <= BARCO_BTF_NAMES_MAX, "too many names for the reader");
_Static_assert(ARRAY_LEN(fields) <= BARCO_BTF_FIELDS_MAX, "too many fields for the reader");

static const struct barco_btf_questions questions = {
	.names = names,
	.n_names = ARRAY_LEN(names),
	.fields = fields,
	.n_fields = ARRAY_LEN(fields),
};

int barco_trace_btf_open_data(struct barco_trace_btf *ret, const void *data, size_t size,
			      struct barco_err *err)
{
	return barco_btf_open_data(&ret->reader, data, size, &questions, err);
}

int barco_trace_btf_open(struct barco_trace_btf *ret, struct barco_err *err)
{
	return barco_btf_open(&ret->reader, &questions, err);
}

int barco_trace_btf_offsets(struct barco_trace_btf *btf, struct barco_trace_offsets *ret,
			    struct barco_err *err)
{
	return barco_btf_fields(&btf->reader, ret, err);
}
