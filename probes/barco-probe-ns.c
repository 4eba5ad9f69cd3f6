/*
 * barco-probe-ns: namespaces: mnt, uts, ipc, net, pid, cgroup, time, user, each created in a child.
 * The same checks as `barco probe ns` (src/probe/probe_ns.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-ns", argc, argv, BARCO_PROBE_NS);
}
