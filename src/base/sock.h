#pragma once
/*
 * Message sockets (AF_UNIX, SOCK_SEQPACKET): one send is one message, and
 * file descriptors (SCM_RIGHTS) and the sender's credentials
 * (SCM_CREDENTIALS) travel alongside. Used between the runner and the
 * container, and between `barco step` clients and the monitor.
 */
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"

#define BARCO_SOCK_MAX_FDS 3

/* Sends len bytes as one message, with nfds descriptors attached. */
int barco_sock_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds,
		    struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Receives one message into buf. Returns its length, 0 at end of file, -1
 * with errno set on failure. When the receiver set SO_PASSCRED, the
 * sender's pid as seen from our pid namespace goes to *ret_sender. Exactly
 * nfds passed descriptors go to ret_fds (close-on-exec); others are closed.
 */
ssize_t barco_sock_recv(int sock, void *buf, size_t size, pid_t *ret_sender, int *ret_fds,
			size_t nfds);
