/*
 * barco-probe-net: networking: veth, bridge, nftables, NAT, ip_forward, br_netfilter,
 * slirp4netns/pasta. The same checks as `barco probe net` (src/probe/probe_net.c); see
 * docs/probes.md.
 */
#include "probe/probe.h"

int main(int argc, char **argv)
{
	return barco_probe_main("barco-probe-net", argc, argv, BARCO_PROBE_NET);
}
