#include "base/sock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

union barco_cmsg_buf {
	char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * BARCO_SOCK_MAX_FDS)];
	struct cmsghdr align;
};

int barco_sock_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds,
		    struct barco_err *err)
{
	union barco_cmsg_buf control;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds > BARCO_SOCK_MAX_FDS)
		return barco_err_set(err, EINVAL, "too many descriptors to pass: %zu", nfds);
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return barco_err_errno(err, "sendmsg");
	return 0;
}

static void take_fds(struct cmsghdr *cm, int *ret_fds, size_t nfds)
{
	size_t got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int fds[BARCO_SOCK_MAX_FDS * 2];

	if (got > ARRAY_LEN(fds))
		got = ARRAY_LEN(fds);
	memcpy(fds, CMSG_DATA(cm), got * sizeof(int));
	if (ret_fds && got == nfds) {
		memcpy(ret_fds, fds, got * sizeof(int));
		return;
	}
	/* Unexpected descriptors are not ours to keep open. */
	for (size_t i = 0; i < got; i++)
		(void)close(fds[i]);
}

ssize_t barco_sock_recv(int sock, void *buf, size_t size, pid_t *ret_sender, int *ret_fds,
			size_t nfds)
{
	union barco_cmsg_buf control;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS && ret_sender) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			*ret_sender = cred.pid;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			take_fds(cm, ret_fds, nfds);
		}
	}
	return n;
}
