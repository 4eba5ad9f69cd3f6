/*
 * barco-probe-kernel: the kernel release, its build configuration, overlayfs, pivot_root.
 * The same checks as `barco probe kernel` (src/probe/probe_kernel.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-kernel", argc, argv, BARCO_PROBE_KERNEL);
}
