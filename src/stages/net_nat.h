#pragma once
/*
 * --net=bridge's NAT, with nftables: a table of barco's own, "ip barco",
 * made by the first container of a network namespace and deleted with the
 * last. Its postrouting chain masquerades what leaves 10.88.0.0/16 through
 * any link but barco0 (egress; the host must forward, net.ipv4.ip_forward),
 * and its prerouting and output chains DNAT a packet to a local address
 * through the map "ports" (protocol . port : address . port), one element
 * per published port (-p), or "ports_ip" (keyed by the local address too)
 * for a port published on one address. The rules go through nft(8) (package nftables):
 * libnftables and libnftnl have no static archive usable by the static
 * bin/barco on Debian 12 (libnftnl needs libmnl's, which is not shipped).
 */
#include <stdbool.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* Parses -p [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp] into cfg->ports (IP 0.0.0.0: every address). */
int barco_net_parse_port(const char *arg, struct barco_config *cfg, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * With the lease lock held: the table when it is missing, and one map
 * element per published port to addr; the ports are noted in the state
 * directory (file "ports") for barco_net_nat_release(). Without nft and
 * without -p: no NAT, said in the report.
 */
int barco_net_nat_setup(const struct barco_config *cfg, const char *addr, int state_dir_fd,
			struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Removes the container's elements (state_dir_fd's "ports"), or the whole table when is_last. */
void barco_net_nat_release(int state_dir_fd, bool is_last, struct barco_report *rep);
