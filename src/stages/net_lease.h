#pragma once
/*
 * The address allocator of --net=bridge: one line per container in a
 * small text file (BARCO_RUN_DIR/net-leases), "OFFSET NETNS NAME", where
 * OFFSET is the host part of the container's address in the bridge's
 * subnet and NETNS the inode of the network namespace its bridge lives
 * in. Every reader and writer holds flock(2) on the file, so concurrent
 * starts never get the same address; a lease whose container is not live
 * any more (its runner died) is taken back by the next one that looks.
 */
#include <stdbool.h>
#include <stddef.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* The bridge's subnet: 10.88.0.0/16, the gateway (the bridge) is .0.1. */
#define BARCO_NET_SUBNET       0x0a580000u
#define BARCO_NET_PREFIX       16
#define BARCO_NET_GATEWAY      1u
#define BARCO_NET_FIRST_OFFSET 2u
#define BARCO_NET_LAST_OFFSET  0xfffeu

struct barco_lease {
	unsigned offset;	  /* host part: the address is BARCO_NET_SUBNET + offset */
	unsigned long long netns; /* inode of the network namespace of the bridge */
	char name[BARCO_NAME_MAX + 1];
};

/* Whether the container NAME still has a live owner (runtime/state.c answers). */
typedef bool (*barco_lease_live_fn)(const char *name);

/* Opens (creating) and flock()s the lease file; the fd holds the lock. */
int barco_lease_lock(const char *path, int *ret_fd, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Parses one line; false when it is not a lease. */
bool barco_lease_parse(const char *line, struct barco_lease *ret);

/* The lowest offset no lease in leases[0..len) holds, or 0 when the range is full. */
unsigned barco_lease_free_offset(const struct barco_lease *leases, size_t len);

/*
 * With the lock held (fd): drops the leases of dead containers, then gives
 * name the lowest free offset, in namespace netns.
 */
int barco_lease_take(int fd, const char *name, unsigned long long netns,
		     barco_lease_live_fn is_live, struct barco_lease *ret, struct barco_report *rep,
		     struct barco_err *err) __attribute__((warn_unused_result));

/* name's lease in the locked file fd: 1 and *ret, 0 when it has none, -1 with err. */
int barco_lease_find(int fd, const char *name, struct barco_lease *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * With the lock held (fd): drops name's lease. Returns 1 and fills
 * *ret_dropped (and *ret_same_netns_left, the leases left in the same
 * network namespace) when it had one, 0 when not, -1 on error.
 */
int barco_lease_drop(int fd, const char *name, struct barco_lease *ret_dropped,
		     size_t *ret_same_netns_left, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Test builds only (bin/barco-fault): with BARCO_NET_FAULT_STEP=N, the Nth
 * netlink or nft request of this process that succeeded is reported as a
 * failure (with BARCO_NET_FAULT_KILL too: barco SIGKILLs itself there), so
 * tests can prove a failure at any step leaves nothing, or nothing once
 * reclaimed. 0 (no fault) in release builds and without the variable.
 */
int barco_net_step_fault(const char *what, struct barco_err *err);

/* "10.88.0.5" for an offset. */
const char *barco_lease_addr(unsigned offset, char *buf, size_t size);
