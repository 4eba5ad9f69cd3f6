/*
 * Networking (--net=bridge, and what NAT and rootless networking will
 * need): veth pairs and bridges, made for real in a new network namespace
 * of a child, so nothing touches the host's links; nftables and NAT in the
 * kernel's config; net.ipv4.ip_forward; br_netfilter, which sends bridged
 * frames through iptables; slirp4netns and pasta for rootless containers.
 * None is required: --net=none needs only the network namespace (ns.net).
 */
#include "probe/probe.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#include "base/util.h"

/*
 * In a forked grandchild (libnl allocates and locks: not in the probe's
 * shared-memory child): RTM_NEWLINK of kind. Exits with libnl's error
 * number, 0 when the link was made.
 */
static _Noreturn void make_link(const char *kind)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link =
		strcmp(kind, "veth") == 0 ? rtnl_link_veth_alloc() : rtnl_link_bridge_alloc();
	int r = NLE_NOMEM;

	if (sk && link) {
		r = nl_connect(sk, NETLINK_ROUTE);
		if (r == 0) {
			rtnl_link_set_name(link, "barco-probe0");
			r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
		}
		r = r < 0 ? -r : 0;
	}
	/* Freed, though _exit follows: valgrind (make check) counts this child's heap too. */
	if (link)
		rtnl_link_put(link);
	if (sk)
		nl_socket_free(sk);
	_exit(r);
}

/* The attempt: a new network namespace (dies with the child), a link of kind in it. */
static int try_link(const void *arg, struct barco_report *ev, long *ret_value)
{
	const char *kind = arg;
	int status = 0;
	pid_t pid;

	if (barco_probe_ev_call(ev, unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)") < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		(void)barco_probe_ev_fail(ev, errno, "fork()");
		return errno;
	}
	if (pid == 0)
		make_link(kind);
	if (barco_waitpid(pid, &status) < 0)
		return errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		barco_report_add(ev, "RTM_NEWLINK %s barco-probe0 = -%d (%s)", kind,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 0,
				 WIFEXITED(status) ? nl_geterror(WEXITSTATUS(status)) : "killed");
		return EOPNOTSUPP;
	}
	barco_report_add(ev, "RTM_NEWLINK %s barco-probe0 = 0 (in the new namespace, gone with it)",
			 kind);
	return 0;
}

static void link_verdict(const void *arg, const struct barco_probe_facts *f,
			 struct barco_probe_result *ret)
{
	const char *kind = arg;
	char hint[BARCO_PROBE_HINT_MAX];

	if (f->built == BARCO_PROBE_FAIL)
		(void)snprintf(hint, sizeof(hint),
			       "rebuild the kernel with %s=m (--net=bridge needs it; --net=none "
			       "does not)",
			       f->missing);
	else
		(void)snprintf(hint, sizeof(hint),
			       "modprobe %s (as root, on the host); inside a container, the host "
			       "must load it",
			       strcmp(kind, "veth") == 0 ? "veth" : "bridge");
	barco_probe_set(ret, BARCO_PROBE_FAIL, hint, "no %s link could be made", kind);
}

static const struct barco_probe_layers veth_layers = {
	.options = (const char *const[]){"CONFIG_VETH", NULL},
	.attempt = try_link,
	.pass = "a veth pair made in a new network namespace",
	.verdict = link_verdict,
	.arg = "veth",
};

static const struct barco_probe_layers bridge_layers = {
	.options = (const char *const[]){"CONFIG_BRIDGE", NULL},
	.attempt = try_link,
	.pass = "a bridge made in a new network namespace",
	.verdict = link_verdict,
	.arg = "bridge",
};

/* Options a later feature needs (NAT, -p): the compiled-in layer only, nothing to try yet. */
struct kconfig_need {
	const char *const *options;
	const char *what;
};

static int check_kconfig(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_result *ret, struct barco_err *err)
{
	const struct kconfig_need *need = arg;
	const char *missing = NULL;
	char hint[BARCO_PROBE_HINT_MAX];
	enum barco_probe_status built =
		barco_probe_kconfig_layer(&ctx->kconfig, need->options, &ret->evidence, &missing);

	if (built == BARCO_PROBE_PASS) {
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s: compiled in", need->what);
		return 0;
	}
	if (built == BARCO_PROBE_FAIL) {
		(void)snprintf(hint, sizeof(hint), "rebuild the kernel with %s=m", missing);
		barco_probe_set(ret, BARCO_PROBE_WARN, hint, "%s: %s not set", need->what, missing);
		return 0;
	}
	barco_probe_set(ret, BARCO_PROBE_UNKNOWN, "see kernel.config",
			"%s: kernel config unreadable", need->what);
	return 0;
}

static const struct kconfig_need nftables_need = {
	(const char *const[]){"CONFIG_NF_TABLES", "CONFIG_NF_TABLES_INET", NULL},
	"nftables (a table of barco's own, for NAT and published ports)"};

static const struct kconfig_need nat_need = {
	(const char *const[]){"CONFIG_NF_NAT", "CONFIG_NFT_NAT", "CONFIG_NFT_MASQ", NULL},
	"netfilter NAT (masquerade for egress, DNAT for -p)"};

/* A sysctl's value, and the read in the evidence; false when it could not be read. */
static bool read_sysctl(const char *path, long *ret_value, struct barco_probe_result *ret)
{
	if (barco_probe_read_long(path, ret_value) < 0) {
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read %s", path);
		return false;
	}
	barco_report_add(&ret->evidence, "read %s = %ld", path, *ret_value);
	return true;
}

/* net.ipv4.ip_forward: containers on barco0 reach each other without it; egress NAT needs it. */
static int check_ip_forward(struct barco_probe_ctx *ctx, const void *arg,
			    struct barco_probe_result *ret, struct barco_err *err)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	long value = -1;

	if (!read_sysctl(path, &value, ret)) {
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN, "is /proc mounted?", "%s unreadable",
				path);
		return 0;
	}
	if (value == 1)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "on: the host routes between links");
	else
		barco_probe_set(
			ret, BARCO_PROBE_WARN,
			"sysctl -w net.ipv4.ip_forward=1 when containers must reach "
			"beyond the host (containers on barco0 reach each other without it)",
			"off: no routing beyond the bridge");
	return 0;
}

/*
 * br_netfilter makes bridged frames traverse iptables' FORWARD chain
 * (bridge-nf-call-iptables): a DROP policy there, as Docker sets, then
 * cuts containers on the same bridge apart.
 */
static int check_br_netfilter(struct barco_probe_ctx *ctx, const void *arg,
			      struct barco_probe_result *ret, struct barco_err *err)
{
	static const char path[] = "/proc/sys/net/bridge/bridge-nf-call-iptables";
	long value = -1;

	if (!read_sysctl(path, &value, ret)) {
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL,
				"br_netfilter not loaded: bridged frames skip iptables");
		return 0;
	}
	if (value == 0) {
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL,
				"br_netfilter loaded, bridge-nf-call-iptables = 0");
		return 0;
	}
	barco_probe_set(ret, BARCO_PROBE_WARN,
			"if containers on barco0 cannot reach each other: iptables -I FORWARD -i "
			"barco0 -o barco0 -j ACCEPT, or sysctl -w "
			"net.bridge.bridge-nf-call-iptables=0",
			"bridged frames go through iptables' FORWARD chain");
	return 0;
}

/* Both make their tap device through /dev/net/tun, which the user must be able to open. */
static bool tun_is_usable(struct barco_probe_result *ret)
{
	return barco_probe_ev_call(&ret->evidence, access("/dev/net/tun", R_OK | W_OK),
				   "access(\"/dev/net/tun\", R_OK|W_OK)") == 0;
}

/* Rootless networking: a user-mode stack, slirp4netns or pasta (passt), on the PATH. */
static int check_rootless_tools(struct barco_probe_ctx *ctx, const void *arg,
				struct barco_probe_result *ret, struct barco_err *err)
{
	static const char *const tools[] = {"/usr/bin/slirp4netns", "/usr/bin/pasta"};
	char found[96] = "";

	for (size_t i = 0; i < ARRAY_LEN(tools); i++) {
		struct stat st;

		if (barco_probe_ev_call(&ret->evidence, stat(tools[i], &st), "stat(\"%s\")",
					tools[i]) == 0 &&
		    strlen(found) + strlen(tools[i]) + 2 < sizeof(found))
			(void)snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s",
				       found[0] ? ", " : "", strrchr(tools[i], '/') + 1);
	}
	if (found[0] && !tun_is_usable(ret))
		barco_probe_set(
			ret, BARCO_PROBE_WARN,
			"as root: chmod 0666 /dev/net/tun (udev's mode), or modprobe tun when "
			"it is missing",
			"found: %s, but this user cannot open /dev/net/tun (its tap device)",
			found);
	else if (found[0])
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "found: %s", found);
	else
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"apt-get install slirp4netns (or passt, for pasta): user-mode "
				"networking for containers started without root",
				"neither slirp4netns nor pasta installed");
	return 0;
}

const struct barco_probe_check barco_probe_net_checks[] = {
	/* --net=bridge is root's: as a user, veth and bridge are SKIP (needs root). */
	{"net.veth", "veth pairs (--net=bridge)", BARCO_PROBE_NET, false, barco_probe_check_layers,
	 &veth_layers, true},
	{"net.bridge", "bridges (--net=bridge: barco0)", BARCO_PROBE_NET, false,
	 barco_probe_check_layers, &bridge_layers, true},
	{"net.nftables", "nftables", BARCO_PROBE_NET, false, check_kconfig, &nftables_need, false},
	{"net.nat", "netfilter NAT", BARCO_PROBE_NET, false, check_kconfig, &nat_need, false},
	{"net.ip_forward", "net.ipv4.ip_forward", BARCO_PROBE_NET, false, check_ip_forward, NULL,
	 false},
	{"net.br_netfilter", "br_netfilter and iptables on bridges", BARCO_PROBE_NET, false,
	 check_br_netfilter, NULL, false},
	{"net.rootless", "slirp4netns or pasta (rootless networking)", BARCO_PROBE_NET, false,
	 check_rootless_tools, NULL, false},
};
const size_t barco_probe_net_checks_len = ARRAY_LEN(barco_probe_net_checks);
