/*
 * barco-probe-seccomp: seccomp: filter mode, each action, user notification, actions_logged.
 * The same checks as `barco probe seccomp` (src/probe/probe_seccomp.c); see docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-seccomp", argc, argv, BARCO_PROBE_SECCOMP);
}
