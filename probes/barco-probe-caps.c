/*
 * barco-probe-caps: capabilities: root, cap_last_cap, bounding and ambient sets, what barco lacks
 * here. The same checks as `barco probe caps` (src/probe/probe_caps.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-caps", argc, argv, BARCO_PROBE_CAPS);
}
