#include "stages/net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "base/cleanup.h"
#include "base/util.h"

static const struct barco_flag_name if_flag_names[] = {
	{IFF_UP, "IFF_UP"},
	{IFF_LOOPBACK, "IFF_LOOPBACK"},
	{IFF_RUNNING, "IFF_RUNNING"},
};

static const char *const mode_names[] = {
	[BARCO_NET_NONE] = "none",	   [BARCO_NET_HOST] = "host",
	[BARCO_NET_NS] = "ns:PATH",	   [BARCO_NET_BRIDGE] = "bridge",
	[BARCO_NET_SLIRP] = "slirp4netns",
};

const char *barco_net_mode_name(enum barco_net_mode mode)
{
	return (unsigned)mode < ARRAY_LEN(mode_names) ? mode_names[mode] : "?";
}

bool barco_net_has_own_ns(const struct barco_config *cfg)
{
	return cfg->net_mode == BARCO_NET_NONE || cfg->net_mode == BARCO_NET_BRIDGE ||
	       cfg->net_mode == BARCO_NET_SLIRP;
}

/* A network namespace file: /run/netns/NAME (ip netns add) or /proc/PID/ns/net. */
static int check_netns_file(const char *path, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (path[0] != '/')
		return barco_err_set(err, 0,
				     "invalid --net 'ns:%s': the path must be absolute (e.g. "
				     "ns:/run/netns/NAME or ns:/proc/PID/ns/net)",
				     path);
	if (fd < 0)
		return barco_err_errno(err, "invalid --net 'ns:%s': cannot open it", path);
	/* NS_GET_NSTYPE (Linux 4.11) answers only for a namespace file (ioctl_ns(2)). */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET)
		return barco_err_set(err, 0,
				     "invalid --net 'ns:%s': not a network namespace file (make "
				     "one with 'ip netns add NAME': /run/netns/NAME)",
				     path);
	return 0;
}

int barco_net_parse_mode(const char *arg, struct barco_config *cfg, struct barco_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(mode_names); i++)
		if (i != BARCO_NET_NS && strcmp(arg, mode_names[i]) == 0) {
			cfg->net_mode = (enum barco_net_mode)i;
			return 0;
		}
	if (strncmp(arg, "ns:", 3) == 0) {
		if (check_netns_file(arg + 3, err) < 0)
			return -1;
		cfg->net_mode = BARCO_NET_NS;
		cfg->net_ns_path = arg + 3;
		return 0;
	}
	return barco_err_set(err, 0,
			     "invalid --net '%s': the modes are none (the default), bridge, "
			     "slirp4netns, host and ns:PATH",
			     arg);
}

/* "net:[4026531840]": the namespace an fd or a path names, as /proc/PID/ns/net shows it. */
static unsigned long long ns_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

int barco_net_enter(const char *path, int *ret_saved_fd, struct barco_report *rep,
		    struct barco_err *err)
{
	cleanup_close int saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (saved < 0)
		return barco_err_errno(err, "open /proc/self/ns/net");
	if (fd < 0)
		return barco_err_errno(err, "open %s (--net=ns:)", path);
	if (setns(fd, CLONE_NEWNET) < 0)
		return barco_err_errno(err, "setns(\"%s\", CLONE_NEWNET)", path);
	barco_report_add(rep,
			 "setns(open(\"%s\"), CLONE_NEWNET) = 0: the runner stands in net:[%llu] "
			 "while it clones; the clone starts there and keeps it",
			 path, ns_inode(fd));
	*ret_saved_fd = steal_fd(&saved);
	return 0;
}

int barco_net_leave(int saved_fd, struct barco_err *err)
{
	int r = setns(saved_fd, CLONE_NEWNET);

	(void)close(saved_fd);
	if (r < 0)
		return barco_err_errno(err, "setns back to the runner's network namespace");
	return 0;
}

void barco_net_report_shared(const struct barco_config *cfg, struct barco_report *rep)
{
	cleanup_close int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (cfg->net_mode == BARCO_NET_HOST) {
		barco_report_add(rep,
				 "--net=host: no network namespace of its own; net:[%llu] is "
				 "the host's",
				 ns_inode(fd));
		barco_report_add(rep, "WARNING: the container sees every host interface, can bind "
				      "host ports and reach services listening on 127.0.0.1");
		return;
	}
	if (cfg->net_mode == BARCO_NET_NS) {
		barco_report_add(rep,
				 "--net=ns:%s: joined at the clone; this process is in "
				 "net:[%llu]",
				 cfg->net_ns_path, ns_inode(fd));
		return;
	}
	barco_report_add(rep, "no new network namespace: the host's network is shared");
}

static const char *if_flags_str(short flags, char *buf, size_t size)
{
	return barco_flags_str(if_flag_names, ARRAY_LEN(if_flag_names), (unsigned short)flags, buf,
			       size);
}

int barco_net_loopback_up(struct barco_report *rep, struct barco_err *err)
{
	/*
	 * An interface's flags are set through any socket with SIOCSIFFLAGS
	 * (netdevice(7)); no netlink is needed for one flag on one device.
	 */
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	char names[128];

	if (fd < 0)
		return barco_err_errno(err, "socket(AF_INET, SOCK_DGRAM)");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name) - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return barco_err_errno(err, "ioctl(SIOCGIFFLAGS, \"lo\")");
	barco_report_add(rep, "ioctl(SIOCGIFFLAGS, \"lo\") = 0: flags %s",
			 if_flags_str(ifr.ifr_flags, names, sizeof(names)));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return barco_err_errno(err, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
	barco_report_add(rep, "ioctl(SIOCSIFFLAGS, \"lo\", %s) = 0",
			 if_flags_str(ifr.ifr_flags, names, sizeof(names)));
	return 0;
}
