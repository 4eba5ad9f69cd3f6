#include "stages/net.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "base/cleanup.h"
#include "base/util.h"

static const struct barco_flag_name if_flag_names[] = {
	{IFF_UP, "IFF_UP"},
	{IFF_LOOPBACK, "IFF_LOOPBACK"},
	{IFF_RUNNING, "IFF_RUNNING"},
};

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
