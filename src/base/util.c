#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *barco_flags_str(const struct barco_flag_name *names, size_t n, unsigned long flags,
			    char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;

		if (!(flags & names[i].flag))
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? "|" : "", names[i].name);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	if (!len)
		(void)snprintf(buf, size, "0");
	return buf;
}

uint64_t barco_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

pid_t barco_waitpid(pid_t pid, int *ret_wstatus)
{
	pid_t r;

	while ((r = waitpid(pid, ret_wstatus, 0)) < 0 && errno == EINTR)
		;
	return r;
}

int barco_read_full(int fd, void *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, (char *)buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}
