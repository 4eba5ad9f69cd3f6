/*
 * barco-probe-bpf: eBPF: bpf(2), JIT, BTF, lockdown, and each attachment barco run --trace may use.
 * The same checks as `barco probe bpf` (src/probe/probe_bpf.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-bpf", argc, argv, BARCO_PROBE_BPF);
}
