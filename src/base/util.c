#include "base/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int barco_read_all(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		if (cap - len < 2) {
			size_t bigger = cap ? cap * 2 : 8192;
			char *grown = cap >= max ? NULL : realloc(buf, bigger);

			if (!grown) {
				free(buf);
				errno = cap >= max ? EFBIG : ENOMEM;
				return -1;
			}
			buf = grown;
			cap = bigger;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;

			if (n == 0)
				break;
			free(buf);
			errno = saved;
			return -1;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int barco_proc_stat(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
	char path[64];
	char buf[1024];
	const char *p;
	FILE *f;
	size_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* The command name is in parentheses and may hold anything: fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 ret_state, ret_start) != 2) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int barco_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s/", path);

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}
