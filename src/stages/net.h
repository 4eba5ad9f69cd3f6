#pragma once
/*
 * The container's network: which network namespace it lives in (--net),
 * loopback, and for --net=bridge a veth pair to a bridge on the host with
 * an address, a route and name files (stages/net_bridge.c).
 */
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/*
 * Parses --net=MODE into cfg: none, host, bridge, slirp4netns or ns:PATH
 * (a network namespace file).
 */
int barco_net_parse_mode(const char *arg, struct barco_config *cfg, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The --net names, for messages: "none", "host", "ns:PATH", "bridge", "slirp4netns". */
const char *barco_net_mode_name(enum barco_net_mode mode);

/* True when the container gets a network namespace of its own (none, bridge, slirp4netns). */
bool barco_net_has_own_ns(const struct barco_config *cfg);

/*
 * --net=ns:PATH, in the runner around the clone of the container: the
 * runner steps into PATH's network namespace (setns(2)), so the clone
 * starts there and keeps it whatever user namespace it gets; *ret_saved_fd
 * is the runner's own, which barco_net_leave() returns to.
 */
int barco_net_enter(const char *path, int *ret_saved_fd, struct barco_report *rep,
		    struct barco_err *err) __attribute__((warn_unused_result));
int barco_net_leave(int saved_fd, struct barco_err *err) __attribute__((warn_unused_result));

/* The network stage without a namespace of its own (host, ns:PATH): says what it shares. */
void barco_net_report_shared(const struct barco_config *cfg, struct barco_report *rep);

/* Brings "lo" up (it starts down in a new network namespace). */
int barco_net_loopback_up(struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
