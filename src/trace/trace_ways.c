/*
 * The ways barco can attach each traced group: one table read by the
 * chooser (src/trace/trace_attach.c tries the targets) and by the loader
 * (src/trace/trace.c loads and attaches the programs), so that a way added here
 * is both tried and loaded.
 *
 * A group's ways are listed best first, and that order is the preference
 * (kernel 6.14 added capability:cap_capable):
 *   syscalls      raw_tp, tp_btf            (raw_syscalls:sys_enter/sys_exit)
 *   signals       raw_tp, tp_btf            (signal:signal_generate)
 *   capabilities  raw_tp, tp_btf, fexit, kprobe   (cap_capable)
 * raw_tp comes before tp_btf: the programs read their arguments the same
 * way under both (probes/trace.bpf.c), but a tp_btf program makes libbpf
 * read all of the kernel's BTF at load, 50-70 ms here (issue 9). Classic
 * tp/ programs are not candidates: they need tracefs mounted for the event
 * id, and raw_tp reaches the same tracepoints without it. `barco probe`
 * concludes with the same order (src/probe/probe_bpf.c).
 */
#include "trace/trace.h"

#include "base/util.h"

/* clang-format off */
const struct barco_trace_way barco_trace_ways[] = {
	{BARCO_TRACE_GROUP_SYSCALLS, BARCO_TRACE_ATTACH_RAW_TP,
	 {"sys_enter_raw", "sys_exit_raw"}, {"sys_enter", "sys_exit"}},
	{BARCO_TRACE_GROUP_SYSCALLS, BARCO_TRACE_ATTACH_TP_BTF,
	 {"sys_enter_btf", "sys_exit_btf"}, {"sys_enter", "sys_exit"}},
	{BARCO_TRACE_GROUP_SIGNALS, BARCO_TRACE_ATTACH_RAW_TP,
	 {"signal_raw"}, {"signal_generate"}},
	{BARCO_TRACE_GROUP_SIGNALS, BARCO_TRACE_ATTACH_TP_BTF,
	 {"signal_btf"}, {"signal_generate"}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_RAW_TP,
	 {"cap_raw"}, {"cap_capable"}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_TP_BTF,
	 {"cap_btf"}, {"cap_capable"}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_FEXIT,
	 {"cap_fexit"}, {"cap_capable"}},
	{BARCO_TRACE_GROUP_CAPS, BARCO_TRACE_ATTACH_KPROBE,
	 {"cap_kprobe", "cap_kretprobe"}, {"cap_capable"}},
};
/* clang-format on */

const size_t barco_trace_ways_len = ARRAY_LEN(barco_trace_ways);
