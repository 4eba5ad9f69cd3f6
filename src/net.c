#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cleanup.h"

int barco_net_loopback_up(struct barco_report *rep, struct barco_err *err)
{
	/*
	 * An interface's flags are set through any socket with SIOCSIFFLAGS
	 * (netdevice(7)); no netlink is needed for one flag on one device.
	 */
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (fd < 0)
		return barco_err_errno(err, "socket(AF_INET, SOCK_DGRAM)");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name) - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return barco_err_errno(err, "ioctl(SIOCGIFFLAGS, \"lo\")");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return barco_err_errno(err, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
	barco_report_add(rep, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP|IFF_LOOPBACK|...) = 0");
	return 0;
}
