#include "stages/net_bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/net_names.h"
#include "stages/net_nat.h"

/* libnl's objects are reference counted: these drop ours at the end of a scope. */
static void sock_freep(struct nl_sock **p)
{
	if (*p)
		nl_socket_free(*p);
}
static void link_putp(struct rtnl_link **p)
{
	if (*p)
		rtnl_link_put(*p);
}
static void addr_putp(struct nl_addr **p)
{
	if (*p)
		nl_addr_put(*p);
}
#define cleanup_nlsock __attribute__((cleanup(sock_freep)))
#define cleanup_link   __attribute__((cleanup(link_putp)))
#define cleanup_nladdr __attribute__((cleanup(addr_putp)))

/* libnl answers -NLE_*; the error contract wants an errno. */
static const struct {
	int nle;
	int errnum;
} nle_errnos[] = {
	{NLE_EXIST, EEXIST},	     {NLE_OBJ_NOTFOUND, ENODEV}, {NLE_NODEV, ENODEV},
	{NLE_PERM, EPERM},	     {NLE_BUSY, EBUSY},		 {NLE_INVAL, EINVAL},
	{NLE_OPNOTSUPP, EOPNOTSUPP}, {NLE_NOMEM, ENOMEM},	 {NLE_NOADDR, EADDRNOTAVAIL},
};

static int errno_of(int nle)
{
	for (size_t i = 0; i < ARRAY_LEN(nle_errnos); i++)
		if (nle_errnos[i].nle == -nle || nle_errnos[i].nle == nle)
			return nle_errnos[i].errnum;
	return EIO;
}

/* One netlink request in the report, "what = 0", or the error "what = -NLE: why". */
__attribute__((format(printf, 4, 5))) static int
nl_done(int r, struct barco_report *rep, struct barco_err *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r < 0)
		return barco_err_set(err, errno_of(r), "%s = %d (%s)", what, r, nl_geterror(r));
	barco_report_add(rep, "%s = 0", what);
	return barco_net_step_fault(what, err);
}

static int rtnl_open(struct nl_sock **ret, struct barco_err *err)
{
	cleanup_nlsock struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return barco_err_set(err, ENOMEM, "nl_socket_alloc");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return barco_err_set(err, errno_of(r), "socket(AF_NETLINK, NETLINK_ROUTE): %s",
				     nl_geterror(r));
	*ret = steal_pointer(&sk);
	return 0;
}

/* A socket in pid's network namespace: made there, it keeps talking to it. */
static int rtnl_open_in(pid_t pid, struct nl_sock **ret, struct barco_report *rep,
			struct barco_err *err)
{
	char path[64];
	cleanup_close int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int target = -1;
	int r;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || target < 0)
		return barco_err_errno(err, "open %s", own < 0 ? "/proc/self/ns/net" : path);
	if (setns(target, CLONE_NEWNET) < 0)
		return barco_err_errno(err, "setns(%s, CLONE_NEWNET)", path);
	r = rtnl_open(ret, err);
	if (setns(own, CLONE_NEWNET) < 0)
		return barco_err_errno(err, "setns back to the runner's network namespace");
	if (r == 0)
		barco_report_add(rep,
				 "setns(%s), socket(AF_NETLINK, NETLINK_ROUTE), setns back: "
				 "a netlink socket inside the container's namespace",
				 path);
	return r;
}

static int parse_addr(unsigned offset, int prefix, struct nl_addr **ret, struct barco_err *err)
{
	char text[32];
	int r;

	(void)barco_lease_addr(offset, text, sizeof(text));
	if (prefix >= 0)
		(void)snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%d", prefix);
	r = nl_addr_parse(text, AF_INET, ret);
	if (r < 0)
		return barco_err_set(err, errno_of(r), "nl_addr_parse(%s)", text);
	return 0;
}

/* RTM_NEWADDR: offset/prefix on ifindex. */
static int add_addr(struct nl_sock *sk, int ifindex, const char *ifname, unsigned offset,
		    struct barco_report *rep, struct barco_err *err)
{
	cleanup_nladdr struct nl_addr *local = NULL;
	struct rtnl_addr *addr = rtnl_addr_alloc();
	char text[16];
	int r;

	if (!addr)
		return barco_err_set(err, ENOMEM, "rtnl_addr_alloc");
	r = parse_addr(offset, BARCO_NET_PREFIX, &local, err);
	if (r == 0) {
		rtnl_addr_set_ifindex(addr, ifindex);
		r = rtnl_addr_set_local(addr, local);
		r = r < 0 ? r : rtnl_addr_add(sk, addr, NLM_F_EXCL);
		r = nl_done(r, rep, err, "RTM_NEWADDR %s %s/%d", ifname,
			    barco_lease_addr(offset, text, sizeof(text)), BARCO_NET_PREFIX);
	}
	rtnl_addr_put(addr);
	return r;
}

/* RTM_NEWLINK of an existing link: IFF_UP (and a master when master > 0). */
static int link_up(struct nl_sock *sk, const char *ifname, int master, struct barco_report *rep,
		   struct barco_err *err)
{
	cleanup_link struct rtnl_link *now = NULL;
	cleanup_link struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return barco_err_set(err, ENOMEM, "rtnl_link_alloc");
	r = rtnl_link_get_kernel(sk, 0, ifname, &now);
	if (r < 0)
		return nl_done(r, rep, err, "RTM_GETLINK %s", ifname);
	rtnl_link_set_flags(change, IFF_UP);
	if (master > 0)
		rtnl_link_set_master(change, master);
	return nl_done(rtnl_link_change(sk, now, change, 0), rep, err, "RTM_NEWLINK %s up", ifname);
}

/*
 * -p from the host's own 127.0.0.1: the output chain's DNAT sends the
 * packet to barco0 with its loopback source, which routing refuses on any
 * link but lo unless that link has route_localnet (ip-sysctl.rst); the
 * table's postrouting chain then masquerades it to 10.88.0.1, so the
 * answer comes back. barco0's own setting, in this network namespace only.
 */
static int allow_loopback_dnat(struct barco_report *rep, struct barco_err *err)
{
	static const char path[] = "/proc/sys/net/ipv4/conf/" BARCO_BRIDGE_NAME "/route_localnet";
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1", 1) != 1)
		return barco_err_errno(err, "write %s", path);
	barco_report_add(rep, "write %s = 1: -p answers on 127.0.0.1 too", path);
	return 0;
}

/* barco0, made on first use with the gateway address; *ret_ifindex is its index. */
static int ensure_bridge(struct nl_sock *sk, int *ret_ifindex, struct barco_report *rep,
			 struct barco_err *err)
{
	cleanup_link struct rtnl_link *br = NULL;
	int r = rtnl_link_get_kernel(sk, 0, BARCO_BRIDGE_NAME, &br);

	if (r == 0 && !rtnl_link_is_bridge(br))
		return barco_err_set(err, EEXIST,
				     "a link named %s exists and is not a bridge (ip -d link show "
				     "%s); remove or rename it",
				     BARCO_BRIDGE_NAME, BARCO_BRIDGE_NAME);
	if (r == 0) {
		*ret_ifindex = rtnl_link_get_ifindex(br);
		barco_report_add(rep, "RTM_GETLINK %s = 0: the bridge is there (index %d)",
				 BARCO_BRIDGE_NAME, *ret_ifindex);
		return 0;
	}
	rtnl_link_put(br);
	br = rtnl_link_bridge_alloc();
	if (!br)
		return barco_err_set(err, ENOMEM, "rtnl_link_bridge_alloc");
	rtnl_link_set_name(br, BARCO_BRIDGE_NAME);
	if (nl_done(rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL), rep, err,
		    "RTM_NEWLINK bridge %s", BARCO_BRIDGE_NAME) < 0)
		return -1;
	rtnl_link_put(br);
	br = NULL;
	r = rtnl_link_get_kernel(sk, 0, BARCO_BRIDGE_NAME, &br);
	if (r < 0)
		return nl_done(r, rep, err, "RTM_GETLINK %s", BARCO_BRIDGE_NAME);
	*ret_ifindex = rtnl_link_get_ifindex(br);
	if (add_addr(sk, *ret_ifindex, BARCO_BRIDGE_NAME, BARCO_NET_GATEWAY, rep, err) < 0 ||
	    allow_loopback_dnat(rep, err) < 0)
		return -1;
	return link_up(sk, BARCO_BRIDGE_NAME, 0, rep, err);
}

static void veth_name(unsigned offset, char *buf, size_t size)
{
	(void)snprintf(buf, size, "barco-%04x", offset);
}

/*
 * RTM_NEWLINK veth: the host end joins the bridge, up; the peer is created
 * straight in the container's network namespace (IFLA_NET_NS_PID) as eth0.
 */
static int add_veth(struct nl_sock *sk, unsigned offset, int bridge, pid_t pid,
		    struct barco_report *rep, struct barco_err *err)
{
	cleanup_link struct rtnl_link *veth = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	char name[IFNAMSIZ];

	if (!veth)
		return barco_err_set(err, ENOMEM, "rtnl_link_veth_alloc");
	veth_name(offset, name, sizeof(name));
	rtnl_link_set_name(veth, name);
	rtnl_link_set_master(veth, bridge);
	rtnl_link_set_flags(veth, IFF_UP);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_pid(peer, pid);
	rtnl_link_put(peer);
	return nl_done(rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL), rep, err,
		       "RTM_NEWLINK veth %s master %s up, peer eth0 in net of pid %d", name,
		       BARCO_BRIDGE_NAME, (int)pid);
}

/* RTM_NEWROUTE default via the gateway, on eth0 (ifindex). */
static int add_default_route(struct nl_sock *sk, int ifindex, struct barco_report *rep,
			     struct barco_err *err)
{
	cleanup_nladdr struct nl_addr *dst = NULL;
	cleanup_nladdr struct nl_addr *gw = NULL;
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	char text[16];
	int r;

	if (!route || !nh) {
		if (route)
			rtnl_route_put(route);
		if (nh)
			rtnl_route_nh_free(nh);
		return barco_err_set(err, ENOMEM, "rtnl_route_alloc");
	}
	r = nl_addr_parse("0.0.0.0/0", AF_INET, &dst);
	if (r == 0 && parse_addr(BARCO_NET_GATEWAY, -1, &gw, err) < 0)
		r = -NLE_INVAL;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	if (r == 0)
		r = rtnl_route_set_dst(route, dst);
	r = r < 0 ? r : rtnl_route_add(sk, route, NLM_F_EXCL);
	rtnl_route_put(route);
	return nl_done(r, rep, err, "RTM_NEWROUTE default via %s dev eth0",
		       barco_lease_addr(BARCO_NET_GATEWAY, text, sizeof(text)));
}

/* Inside the container's namespace: eth0's address, eth0 up, the default route. */
static int configure_eth0(pid_t pid, unsigned offset, struct barco_report *rep,
			  struct barco_err *err)
{
	cleanup_nlsock struct nl_sock *sk = NULL;
	cleanup_link struct rtnl_link *eth0 = NULL;
	int r;

	if (rtnl_open_in(pid, &sk, rep, err) < 0)
		return -1;
	r = rtnl_link_get_kernel(sk, 0, "eth0", &eth0);
	if (r < 0)
		return nl_done(r, rep, err, "RTM_GETLINK eth0 (in the container)");
	if (add_addr(sk, rtnl_link_get_ifindex(eth0), "eth0", offset, rep, err) < 0 ||
	    link_up(sk, "eth0", 0, rep, err) < 0)
		return -1;
	return add_default_route(sk, rtnl_link_get_ifindex(eth0), rep, err);
}

/* The inode of this process's network namespace: which bridge a lease belongs to. */
static unsigned long long own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The host's nameservers, less those on its loopback (a stub resolver is not reachable). */
static void resolv_conf(char *buf, size_t size)
{
	cleanup_fclose FILE *f = fopen("/etc/resolv.conf", "re");
	char line[256];
	size_t used = 0;

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f) && used + strlen(line) < size) {
		if (strncmp(line, "nameserver", 10) != 0 && strncmp(line, "search", 6) != 0)
			continue;
		if (strstr(line, " 127.") || strstr(line, " ::1"))
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s", line);
	}
	if (used == 0)
		(void)snprintf(buf, size,
			       "# barco: the host's resolv.conf names no nameserver a "
			       "container can reach\n");
}

static int write_name_files(int dir_fd, const struct barco_config *cfg, unsigned offset,
			    struct barco_report *rep, struct barco_err *err)
{
	char addr[16];
	char text[1024];

	(void)snprintf(text, sizeof(text), "127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n",
		       barco_lease_addr(offset, addr, sizeof(addr)), cfg->hostname);
	if (barco_net_names_write(dir_fd, "hosts", text, err) < 0)
		return -1;
	(void)snprintf(text, sizeof(text), "%s\n", cfg->hostname);
	if (barco_net_names_write(dir_fd, "hostname", text, err) < 0)
		return -1;
	resolv_conf(text, sizeof(text));
	if (barco_net_names_write(dir_fd, "resolv.conf", text, err) < 0)
		return -1;
	barco_report_add(rep, "wrote hosts (%s %s), hostname, resolv.conf in the state directory",
			 addr, cfg->hostname);
	return 0;
}

/*
 * The runner clones each file as a detached mount (open_tree(2)) where it
 * can see them, steps into the container's mount namespace (setns(2)),
 * attaches them (move_mount(2)) and steps back: the container cannot reach
 * the state directory itself (its root is an unprivileged host uid).
 */
static int bind_name_files(pid_t pid, int dir_fd, bool *ret_made, struct barco_report *rep,
			   struct barco_err *err)
{
	int trees[BARCO_NAME_FILES] = {-1, -1, -1};
	cleanup_close int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int target = -1;
	char path[64];
	int r = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || cwd < 0 || target < 0)
		return barco_err_errno(err, "open %s, /proc/self/ns/mnt, the cwd", path);
	for (size_t i = 0; i < BARCO_NAME_FILES && r == 0; i++) {
		trees[i] = open_tree(dir_fd, barco_name_files[i].file,
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (trees[i] < 0)
			r = barco_err_errno(err, "open_tree(state/%s)", barco_name_files[i].file);
	}
	if (r == 0 && setns(target, CLONE_NEWNS) < 0)
		r = barco_err_errno(err, "setns(%s, CLONE_NEWNS)", path);
	else if (r == 0) {
		r = barco_net_names_attach(trees, "state", ret_made, rep, err);
		if (setns(own, CLONE_NEWNS) < 0 || fchdir(cwd) < 0)
			r = barco_err_errno(err, "setns back to the runner's mount namespace");
	}
	barco_net_names_close(trees);
	return r;
}

int barco_net_bridge_setup(const struct barco_net_bridge_req *req, struct barco_report *rep,
			   struct barco_err *err)
{
	cleanup_close int lock = -1;
	cleanup_close int run = -1;
	cleanup_nlsock struct nl_sock *sk = NULL;
	struct barco_lease lease;
	bool made[BARCO_NAME_FILES] = {false};
	char addr[16];
	int bridge = 0, r;

	if (barco_lease_lock(req->lease_path, &lock, err) < 0 ||
	    barco_lease_take(lock, req->cfg->name, own_netns(), req->is_live, &lease, rep, err) < 0)
		return -1;
	barco_report_add(rep, "flock(%s), lease %s/%d for %s", req->lease_path,
			 barco_lease_addr(lease.offset, addr, sizeof(addr)), BARCO_NET_PREFIX,
			 req->cfg->name);
	/* Still under the lock: a last container leaving cannot remove the bridge meanwhile. */
	if (rtnl_open(&sk, err) < 0 || ensure_bridge(sk, &bridge, rep, err) < 0 ||
	    add_veth(sk, lease.offset, bridge, req->pid, rep, err) < 0 ||
	    configure_eth0(req->pid, lease.offset, rep, err) < 0 ||
	    barco_net_nat_setup(req->cfg, addr, req->state_dir_fd, rep, err) < 0)
		return -1;
	if (write_name_files(req->state_dir_fd, req->cfg, lease.offset, rep, err) < 0)
		return -1;
	/* A mount point another container made is found and noted, or made, under one lock. */
	if (barco_net_names_lock(req->state_dir_fd, &run, err) < 0)
		return -1;
	r = bind_name_files(req->pid, req->state_dir_fd, made, rep, err);
	if (barco_net_names_note(req->state_dir_fd, run, req->cfg->rootfs, made, rep, err) < 0)
		return -1;
	return r;
}

/*
 * RTM_DELLINK name; a link already gone (its namespace died) is not an
 * error, and a barco0 that is not a bridge is not barco's to remove.
 */
static int del_link(struct nl_sock *sk, const char *name, struct barco_report *rep,
		    struct barco_err *err)
{
	cleanup_link struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &link);

	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
		barco_report_add(rep, "RTM_GETLINK %s: gone already", name);
		return 0;
	}
	if (r < 0)
		return nl_done(r, rep, err, "RTM_GETLINK %s", name);
	if (strcmp(name, BARCO_BRIDGE_NAME) == 0 && !rtnl_link_is_bridge(link))
		return 0;
	r = rtnl_link_delete(sk, link);
	/* A veth whose container's namespace is being torn down goes by itself meanwhile. */
	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
		barco_report_add(rep, "RTM_DELLINK %s: gone meanwhile", name);
		return 0;
	}
	return nl_done(r, rep, err, "RTM_DELLINK %s", name);
}

bool barco_net_bridge_lease_elsewhere(const char *name, const char *lease_path,
				      unsigned long long *ret_netns)
{
	cleanup_close int lock = -1;
	struct barco_lease lease;
	struct barco_err ignored;

	if (access(lease_path, F_OK) < 0 || barco_lease_lock(lease_path, &lock, &ignored) < 0 ||
	    barco_lease_find(lock, name, &lease, &ignored) <= 0)
		return false;
	*ret_netns = lease.netns;
	return lease.netns != own_netns();
}

int barco_net_bridge_release(const char *name, const char *lease_path, int state_dir_fd,
			     struct barco_report *rep, struct barco_err *err)
{
	struct barco_report scratch;
	cleanup_close int lock = -1;
	cleanup_nlsock struct nl_sock *sk = NULL;
	struct barco_lease lease;
	size_t left = 0;
	char veth[IFNAMSIZ];
	int r;

	if (access(lease_path, F_OK) < 0)
		return 0; /* no container ever had an address */
	if (!rep) {
		barco_report_clear(&scratch);
		rep = &scratch;
	}
	if (barco_lease_lock(lease_path, &lock, err) < 0)
		return -1;
	r = barco_lease_drop(lock, name, &lease, &left, err);
	if (r <= 0)
		return r;
	barco_report_add(rep, "lease of %s freed", name);
	/* The links of another namespace are out of reach; they die with it. */
	if (lease.netns != own_netns())
		return 0;
	barco_net_nat_release(state_dir_fd, left == 0, rep);
	veth_name(lease.offset, veth, sizeof(veth));
	if (rtnl_open(&sk, err) < 0 || del_link(sk, veth, rep, err) < 0)
		return -1;
	if (left == 0)
		return del_link(sk, BARCO_BRIDGE_NAME, rep, err);
	return 0;
}
