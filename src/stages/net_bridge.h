#pragma once
/*
 * --net=bridge, from the runner (on the host, as root), with netlink
 * through libnl-route-3: the bridge barco0 (made on first use, with the
 * gateway address), a veth pair whose host end barco-XXXX joins the bridge
 * and whose other end is created in the container's network namespace as
 * eth0, then eth0's address, link and default route set from a netlink
 * socket opened inside that namespace. /etc/hosts, /etc/hostname and
 * /etc/resolv.conf are files in the state directory, bind-mounted into the
 * container's mount namespace: nothing is written into the rootfs (a
 * missing file gets an empty mount point, as runc makes).
 */
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"
#include "stages/net_lease.h"

#define BARCO_BRIDGE_NAME "barco0"

struct barco_net_bridge_req {
	const struct barco_config *cfg;
	pid_t pid;		     /* the container process (its network and mount namespaces) */
	int state_dir_fd;	     /* where the name files are written */
	const char *lease_path;	     /* the allocator's file */
	barco_lease_live_fn is_live; /* which leases still have a live owner */
};

/* Everything above; what it made is undone by barco_net_bridge_release(). */
int barco_net_bridge_setup(const struct barco_net_bridge_req *req, struct barco_report *rep,
			   struct barco_err *err) __attribute__((warn_unused_result));

/*
 * True when name holds a lease of another network namespace than this
 * process's (*ret_netns: its inode). Its bridge and veth are out of reach
 * from here: only a barco in that namespace can release them, so a
 * reclaim from here must leave the container alone.
 */
bool barco_net_bridge_lease_elsewhere(const char *name, const char *lease_path,
				      unsigned long long *ret_netns);

/*
 * Frees name's address; removes its veth (gone already when its namespace
 * died), the bridge when no other container of this network namespace
 * holds an address, and its nft element (state_dir_fd: the state
 * directory, or -1). The name files' mount points are
 * barco_net_names_remove's. Safe when name never had an address. rep may
 * be NULL.
 */
int barco_net_bridge_release(const char *name, const char *lease_path, int state_dir_fd,
			     struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
