#pragma once
/*
 * --net=slirp4netns: networking an ordinary user may have. The container
 * gets a network namespace of its own, as with --net=bridge, but nothing
 * is made on the host: slirp4netns(1) (a user-mode TCP/IP stack, libslirp,
 * as QEMU's user networking) opens a tap device, tap0, inside that
 * namespace and turns every frame the container sends on it into ordinary
 * socket calls of its own on the host. Its addresses are fixed:
 * 10.0.2.100/24 for the container, 10.0.2.2 the gateway (slirp4netns
 * itself), 10.0.2.3 its DNS forwarder.
 *
 * The runner starts it once the container's user and network namespaces
 * exist (the network stage's runner part), with the namespaces as file
 * descriptors the container passed it (see runtime/stage.c: between its
 * setresuid(2) and execve(2) the container process is not dumpable, so an
 * ordinary user may not open its /proc/PID/ns/ files). slirp4netns ends
 * when the read end of barco's exit pipe sees the write end close: when
 * barco closes it with the container, or when barco dies, SIGKILL
 * included. -p goes through its API socket (add_hostfwd), in the state
 * directory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

#define BARCO_SLIRP4NETNS     "/usr/bin/slirp4netns"
#define BARCO_SLIRP_TUN	      "/dev/net/tun"
#define BARCO_SLIRP_ADDR      "10.0.2.100"
#define BARCO_SLIRP_PREFIX    24
#define BARCO_SLIRP_GATEWAY   "10.0.2.2"
#define BARCO_SLIRP_DNS	      "10.0.2.3"
#define BARCO_SLIRP_MTU	      65520
#define BARCO_SLIRP_API_SOCK  "slirp.sock"	/* in the state directory */
#define BARCO_SLIRP_LOG	      "slirp4netns.log" /* its stdout and stderr, ditto */
#define BARCO_SLIRP_READY_SEC 30		/* how long it may take to be ready */

/* A running slirp4netns, as the runner holds it. */
struct barco_slirp {
	pid_t pid;   /* 0: none */
	int pidfd;   /* pidfd_open(2) of pid: waited on and signalled without pid reuse */
	int exit_fd; /* the exit pipe's write end: closing it ends slirp4netns */
};

/* No slirp4netns yet. */
void barco_slirp_init(struct barco_slirp *s);

/*
 * Before anything is made: slirp4netns is installed, and /dev/net/tun
 * exists (and for an ordinary user, is theirs to open).
 */
int barco_net_slirp_check(struct barco_err *err) __attribute__((warn_unused_result));

struct barco_net_slirp_req {
	const struct barco_config *cfg;
	int netns_fd;	       /* the container's network namespace */
	int userns_fd;	       /* its user namespace */
	int rootfs_fd;	       /* the rootfs, O_PATH (the name files' mount points) */
	int state_dir_fd;      /* where the log and the API socket go */
	const char *state_dir; /* its path (the API socket is named by path) */
};

/*
 * Starts slirp4netns, waits until it is ready (tap0 configured in the
 * container), then publishes cfg's ports. On failure it is stopped
 * again, *ret left with nothing running.
 */
int barco_net_slirp_start(const struct barco_net_slirp_req *req, struct barco_slirp *ret,
			  struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Closes the exit pipe; waits for slirp4netns to exit (SIGKILL after 2 s) and reaps it. */
void barco_net_slirp_stop(struct barco_slirp *s);

/*
 * In the container, in the network stage: hosts, hostname and
 * resolv.conf (nameserver 10.0.2.3), written into a tmpfs stacked on /dev
 * for a moment (open_tree(2) clones only what this mount namespace
 * shows), cloned, and bound over /etc's (stages/net_names.h).
 */
int barco_net_slirp_bind_names(const struct barco_config *cfg, struct barco_report *rep,
			       struct barco_err *err) __attribute__((warn_unused_result));

/*
 * The command line (pure, for the unit tests): argv[] points into buf;
 * is_sandbox adds --enable-sandbox (it works for root only: an ordinary
 * user's slirp4netns would have to setegid(0) in a user namespace it has
 * not joined). fd 3 is the network namespace, 4 the user namespace, 5 the
 * ready pipe, 6 the exit pipe. Returns argc, or -1 when buf is too small.
 */
int barco_net_slirp_argv(const char *api_socket, bool is_sandbox, char **argv, size_t max,
			 char *buf, size_t size);

/* The add_hostfwd request for port p (pure): JSON, into buf. */
void barco_net_slirp_hostfwd_json(const struct barco_port *p, char *buf, size_t size);

/*
 * Its answer: {"return": {"id": N}} gives 0 and *ret_id; {"error": {...}}
 * or anything else an error that quotes it.
 */
int barco_net_slirp_parse_reply(const char *json, int *ret_id, struct barco_err *err)
	__attribute__((warn_unused_result));
