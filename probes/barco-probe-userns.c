/*
 * barco-probe-userns: user namespaces: built in, enabled, created as root and as nobody (rootless
 * possible?). The same checks as `barco probe userns` (src/probe/probe_userns.c); see
 * docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-userns", argc, argv, BARCO_PROBE_USERNS);
}
