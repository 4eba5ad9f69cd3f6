#include "stages/ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct barco_flag_name ns_flag_names[] = {
	{CLONE_NEWNS, "CLONE_NEWNS"},	      {CLONE_NEWUTS, "CLONE_NEWUTS"},
	{CLONE_NEWIPC, "CLONE_NEWIPC"},	      {CLONE_NEWNET, "CLONE_NEWNET"},
	{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_NEWPID, "CLONE_NEWPID"},
	{CLONE_NEWTIME, "CLONE_NEWTIME"},     {CLONE_NEWUSER, "CLONE_NEWUSER"},
};

const char *const barco_ns_names[] = {"user", "mnt", "uts", "ipc", "net", "cgroup", "pid", "time"};
const size_t barco_ns_names_len = ARRAY_LEN(barco_ns_names);

const char *barco_ns_flags_str(unsigned long flags, char *buf, size_t size)
{
	return barco_flags_str(ns_flag_names, ARRAY_LEN(ns_flag_names), flags, buf, size);
}

bool barco_ns_has_time(void)
{
	return access("/proc/self/ns/time", F_OK) == 0;
}

unsigned long barco_ns_flags(bool has_time)
{
	/*
	 * PID and time namespaces apply to children only (pid_namespaces(7),
	 * time_namespaces(7)): the caller forks pid 1 afterwards.
	 */
	return CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
	       CLONE_NEWPID | (has_time ? CLONE_NEWTIME : 0);
}

int barco_ns_join(const char *path, int nstype, struct barco_report *rep, struct barco_err *err)
{
	char name[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	barco_ns_flags_str((unsigned long)nstype, name, sizeof(name));
	if (fd < 0)
		return barco_err_errno(err, "open the namespace to join (%s)", path);
	r = setns(fd, nstype);
	(void)close(fd);
	if (r < 0)
		return barco_err_errno(err, "setns(\"%s\", %s)%s", path, name,
				       errno == EINVAL ? ": not a namespace of that type" : "");
	barco_report_add(rep, "setns(open(\"%s\"), %s) = 0: joined", path, name);
	return 0;
}

int barco_ns_unshare(unsigned long flags, struct barco_report *rep, struct barco_err *err)
{
	char names[256];

	barco_ns_flags_str(flags, names, sizeof(names));
	if (unshare((int)flags) < 0)
		return barco_err_errno(err, "unshare(%s)", names);
	barco_report_add(rep, "unshare(%s) = 0", names);
	return 0;
}

/* The pid namespace of /proc/PID, as st_dev and st_ino of its ns/pid (namespaces(7)). */
static int pid_ns_of(pid_t pid, struct stat *ret)
{
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, ret);
}

int barco_ns_pid_members(pid_t pid, pid_t *ret_pids, size_t max, size_t *ret_len,
			 struct barco_err *err)
{
	cleanup_closedir DIR *proc = opendir("/proc");
	struct stat want, st;
	struct dirent *e;

	*ret_len = 0;
	if (!proc)
		return barco_err_errno(err, "open /proc");
	if (pid_ns_of(pid, &want) < 0)
		return barco_err_errno(err, "stat /proc/%d/ns/pid", (int)pid);
	while ((e = readdir(proc)) && *ret_len < max) {
		char *end;
		long p = strtol(e->d_name, &end, 10);

		/* A process that exits meanwhile is simply not listed. */
		if (*end == '\0' && p > 0 && pid_ns_of((pid_t)p, &st) == 0 &&
		    st.st_dev == want.st_dev && st.st_ino == want.st_ino)
			ret_pids[(*ret_len)++] = (pid_t)p;
	}
	return 0;
}
