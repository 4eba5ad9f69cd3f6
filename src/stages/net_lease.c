#include "stages/net_lease.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"

int barco_lease_lock(const char *path, int *ret_fd, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return barco_err_errno(err, "open %s", path);
	if (flock(fd, LOCK_EX) < 0)
		return barco_err_errno(err, "flock(%s, LOCK_EX)", path);
	*ret_fd = steal_fd(&fd);
	return 0;
}

bool barco_lease_parse(const char *line, struct barco_lease *ret)
{
	struct barco_lease l;
	int end = 0;

	memset(&l, 0, sizeof(l));
	if (sscanf(line, "%u %llu %64s%n", &l.offset, &l.netns, l.name, &end) != 3 ||
	    (line[end] != '\0' && line[end] != '\n'))
		return false;
	if (l.offset < BARCO_NET_FIRST_OFFSET || l.offset > BARCO_NET_LAST_OFFSET)
		return false;
	*ret = l;
	return true;
}

/* The leases in the file, malformed lines skipped (a torn write leaves nothing worse). */
static int load(int fd, struct barco_lease **ret, size_t *ret_len, struct barco_err *err)
{
	struct stat st;
	cleanup_free char *text = NULL;
	struct barco_lease *leases;
	size_t len = 0;

	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, "fstat the lease file");
	text = malloc((size_t)st.st_size + 1);
	leases = calloc((size_t)st.st_size / 6 + 1, sizeof(*leases)); /* a line is >= 6 bytes */
	if (!text || !leases) {
		free(leases);
		return barco_err_set(err, ENOMEM, "reading the lease file");
	}
	if (pread(fd, text, (size_t)st.st_size, 0) != st.st_size) {
		free(leases);
		return barco_err_errno(err, "read the lease file");
	}
	text[st.st_size] = '\0';
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (barco_lease_parse(line, &leases[len]))
			len++;
	}
	*ret = leases;
	*ret_len = len;
	return 0;
}

/* Replaces the file's text: one write, then the tail cut (a crash between leaves stale lines). */
static int store(int fd, const struct barco_lease *leases, size_t len, struct barco_err *err)
{
	cleanup_free char *text = malloc(len * 96 + 1);
	size_t used = 0;

	if (!text)
		return barco_err_set(err, ENOMEM, "writing the lease file");
	for (size_t i = 0; i < len; i++)
		used += (size_t)snprintf(text + used, 96, "%u %llu %s\n", leases[i].offset,
					 leases[i].netns, leases[i].name);
	if (pwrite(fd, text, used, 0) != (ssize_t)used || ftruncate(fd, (off_t)used) < 0)
		return barco_err_errno(err, "write the lease file");
	return 0;
}

unsigned barco_lease_free_offset(const struct barco_lease *leases, size_t len)
{
	/* One bit per host part: linear in the leases, 8 KiB whatever their number. */
	uint8_t taken[(BARCO_NET_LAST_OFFSET + 8) / 8] = {0};

	for (size_t i = 0; i < len; i++)
		if (leases[i].offset <= BARCO_NET_LAST_OFFSET)
			taken[leases[i].offset / 8] |= (uint8_t)(1u << (leases[i].offset % 8));
	for (unsigned off = BARCO_NET_FIRST_OFFSET; off <= BARCO_NET_LAST_OFFSET; off++)
		if (!(taken[off / 8] & (1u << (off % 8))))
			return off;
	return 0;
}

/* Keeps the leases of live containers other than name; returns how many are kept. */
static size_t keep_live(struct barco_lease *leases, size_t len, const char *name,
			barco_lease_live_fn is_live, struct barco_report *rep)
{
	size_t kept = 0;
	char addr[16];

	for (size_t i = 0; i < len; i++) {
		if (strcmp(leases[i].name, name) == 0)
			continue;
		if (is_live && !is_live(leases[i].name)) {
			barco_report_add(rep, "lease %s of %s taken back: that container is gone",
					 barco_lease_addr(leases[i].offset, addr, sizeof(addr)),
					 leases[i].name);
			continue;
		}
		leases[kept++] = leases[i];
	}
	return kept;
}

int barco_lease_take(int fd, const char *name, unsigned long long netns,
		     barco_lease_live_fn is_live, struct barco_lease *ret, struct barco_report *rep,
		     struct barco_err *err)
{
	cleanup_free struct barco_lease *leases = NULL;
	struct barco_lease *grown;
	size_t len = 0;
	unsigned off;

	if (load(fd, &leases, &len, err) < 0)
		return -1;
	len = keep_live(leases, len, name, is_live, rep);
	off = barco_lease_free_offset(leases, len);
	if (off == 0)
		return barco_err_set(err, EADDRNOTAVAIL,
				     "no free address in 10.88.0.0/%d: %zu containers hold one "
				     "(barco ps; barco delete NAME frees one)",
				     BARCO_NET_PREFIX, len);
	grown = realloc(leases, (len + 1) * sizeof(*leases));
	if (!grown)
		return barco_err_set(err, ENOMEM, "taking a lease");
	leases = grown;
	memset(&leases[len], 0, sizeof(leases[len]));
	leases[len].offset = off;
	leases[len].netns = netns;
	(void)snprintf(leases[len].name, sizeof(leases[len].name), "%s", name);
	if (store(fd, leases, len + 1, err) < 0)
		return -1;
	*ret = leases[len];
	return 0;
}

int barco_lease_find(int fd, const char *name, struct barco_lease *ret, struct barco_err *err)
{
	cleanup_free struct barco_lease *leases = NULL;
	size_t len = 0;

	if (load(fd, &leases, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (strcmp(leases[i].name, name) == 0) {
			*ret = leases[i];
			return 1;
		}
	return 0;
}

int barco_lease_drop(int fd, const char *name, struct barco_lease *ret_dropped,
		     size_t *ret_same_netns_left, struct barco_err *err)
{
	cleanup_free struct barco_lease *leases = NULL;
	struct barco_lease mine = {0};
	size_t len = 0, kept = 0, same = 0;

	if (load(fd, &leases, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (strcmp(leases[i].name, name) == 0)
			mine = leases[i];
		else
			leases[kept++] = leases[i];
	if (mine.offset == 0)
		return 0;
	for (size_t i = 0; i < kept; i++)
		same += leases[i].netns == mine.netns;
	if (store(fd, leases, kept, err) < 0)
		return -1;
	*ret_dropped = mine;
	*ret_same_netns_left = same;
	return 1;
}

const char *barco_lease_addr(unsigned offset, char *buf, size_t size)
{
	unsigned a = BARCO_NET_SUBNET + offset;

	(void)snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		       a & 0xff);
	return buf;
}

#ifdef BARCO_FAULT_INJECTION
int barco_net_step_fault(const char *what, struct barco_err *err)
{
	static int steps; /* test builds only: the requests this process made */
	const char *at = getenv("BARCO_NET_FAULT_STEP");

	if (!at || atoi(at) != ++steps)
		return 0;
	if (getenv("BARCO_NET_FAULT_KILL"))
		(void)kill(getpid(), SIGKILL); /* barco dies right after the request */
	return barco_err_set(err, EIO, "%s: fault injected (BARCO_NET_FAULT_STEP=%s)", what, at);
}
#else
int barco_net_step_fault(const char *what, struct barco_err *err)
{
	return 0;
}
#endif
