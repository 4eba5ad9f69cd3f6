/*
 * barco-probe-cgroup: cgroups: the mode (v2, hybrid, v1), the memory, cpu and pids controllers,
 * PSI. The same checks as `barco probe cgroup` (src/probe/probe_cgroup.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-cgroup", argc, argv, BARCO_PROBE_CGROUP);
}
