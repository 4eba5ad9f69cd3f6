/*
 * Namespaces (namespaces(7)): each kind barco creates, compiled in (its
 * CONFIG_*_NS), enabled (its user.max_*_namespaces sysctl) and actually
 * created by unshare(2) in a child, which then shows a different
 * /proc/self/ns link. PID and time namespaces apply to the children of the
 * caller (pid_namespaces(7), time_namespaces(7)): a grandchild is forked
 * and must be pid 1 / see the new links.
 */
#include "probe/probe.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* linux/sched.h, 5.6 */
#endif

struct ns_kind {
	const char *proc_name; /* /proc/self/ns/NAME */
	const char *flag_name;
	unsigned long flag;
	const char *sysctl;   /* /proc/sys/user/max_NAME_namespaces */
	bool is_for_children; /* the caller stays; its children enter (pid, time) */
};

static void read_link(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	buf[n < 0 ? 0 : n] = '\0';
}

/* A grandchild: pid 1 of the new pid namespace, or simply born in the new time namespace. */
static int check_grandchild(const struct ns_kind *k, struct barco_report *ev)
{
	bool is_pid = k->flag == CLONE_NEWPID;
	char path[64], link[64];
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		(void)barco_probe_ev_fail(ev, errno, "fork()");
		return errno;
	}
	if (pid == 0)
		_exit(is_pid && getpid() != 1 ? 1 : 0);
	if (barco_waitpid(pid, &status) < 0)
		return errno;
	barco_report_add(ev, "fork() = %d (host pid); %s", (int)pid,
			 !is_pid ? "the child ran"
			 : WIFEXITED(status) && WEXITSTATUS(status) == 0
				 ? "the child's getpid() = 1"
				 : "the child's getpid() != 1");
	(void)snprintf(path, sizeof(path), "/proc/self/ns/%s_for_children", k->proc_name);
	read_link(path, link, sizeof(link));
	barco_report_add(ev, "readlink %s = %s", path, link);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

static int try_unshare(const void *arg, struct barco_report *ev, long *ret_value)
{
	const struct ns_kind *k = arg;
	char path[64], before[64], after[64];

	(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", k->proc_name);
	read_link(path, before, sizeof(before));
	/* As an ordinary user, in a user namespace of its own first, as rootless barco does. */
	if (k->flag != CLONE_NEWUSER) {
		int r = barco_probe_as_rootless(ev);

		if (r)
			return r;
	}
	if (barco_probe_ev_call(ev, unshare((int)k->flag), "unshare(%s)", k->flag_name) < 0)
		return errno;
	if (k->is_for_children)
		return check_grandchild(k, ev);
	read_link(path, after, sizeof(after));
	barco_report_add(ev, "readlink %s: %s before, %s after", path, before, after);
	return strcmp(before, after) != 0 ? 0 : EEXIST;
}

/* The enabled layer: its sysctl allows some (no sysctl: nothing limits it). */
static bool read_max(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_facts *facts,
		     struct barco_probe_result *ret)
{
	const struct ns_kind *k = arg;
	char path[96];

	(void)snprintf(path, sizeof(path), "/proc/sys/user/%s", k->sysctl);
	if (barco_probe_read_long(path, &facts->enabled) < 0) {
		facts->enabled = -1;
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read %s", path);
	} else {
		barco_report_add(&ret->evidence, "read %s = %ld", path, facts->enabled);
	}
	return false;
}

static void ns_verdict(const void *arg, const struct barco_probe_facts *f,
		       struct barco_probe_result *ret)
{
	const struct ns_kind *k = arg;
	char hint[BARCO_PROBE_HINT_MAX];

	if (f->built == BARCO_PROBE_FAIL)
		(void)snprintf(hint, sizeof(hint), "rebuild the kernel with %s=y", f->missing);
	else if (f->enabled == 0)
		(void)snprintf(hint, sizeof(hint), "sysctl -w user.%s=10000", k->sysctl);
	else if (f->child.code == EINVAL && f->built != BARCO_PROBE_PASS)
		(void)snprintf(hint, sizeof(hint),
			       "this kernel does not know %s: a newer kernel (or its CONFIG_ "
			       "option) is needed",
			       k->flag_name);
	else if (k->flag == CLONE_NEWUSER)
		(void)snprintf(hint, sizeof(hint),
			       "a user namespace needs no capability, but seccomp filters (as in a "
			       "container), user.max_user_namespaces and distribution switches can "
			       "refuse it: see the userns section");
	else
		(void)snprintf(hint, sizeof(hint),
			       "%s needs CAP_SYS_ADMIN: run barco as root on the host, outside any "
			       "container or seccomp filter",
			       k->flag_name);
	barco_probe_set(ret, BARCO_PROBE_FAIL, hint, "%s namespace not created", k->proc_name);
}

/* One kind: /proc/self/ns/NAME, user.max_NAME_namespaces, its flag and its options. */
#define NS(name, flag, is_for_children, ...)                                                       \
	{                                                                                          \
		.options = (const char *const[]){__VA_ARGS__, NULL}, .enabled = read_max,          \
		.attempt = try_unshare, .pass = "unshare(" #flag ") worked",                       \
		.verdict = ns_verdict, .arg = &(const struct ns_kind)                              \
		{                                                                                  \
			name, #flag, flag, "max_" name "_namespaces", is_for_children              \
		}                                                                                  \
	}

enum { NS_MNT, NS_UTS, NS_IPC, NS_NET, NS_PID, NS_CGROUP, NS_TIME, NS_USER, NS_COUNT };

static const struct barco_probe_layers kinds[NS_COUNT] = {
	[NS_MNT] = NS("mnt", CLONE_NEWNS, false, "CONFIG_NAMESPACES"),
	[NS_UTS] = NS("uts", CLONE_NEWUTS, false, "CONFIG_NAMESPACES", "CONFIG_UTS_NS"),
	[NS_IPC] = NS("ipc", CLONE_NEWIPC, false, "CONFIG_NAMESPACES", "CONFIG_IPC_NS"),
	[NS_NET] = NS("net", CLONE_NEWNET, false, "CONFIG_NAMESPACES", "CONFIG_NET_NS"),
	[NS_PID] = NS("pid", CLONE_NEWPID, true, "CONFIG_NAMESPACES", "CONFIG_PID_NS"),
	[NS_CGROUP] = NS("cgroup", CLONE_NEWCGROUP, false, "CONFIG_CGROUPS"),
	[NS_TIME] = NS("time", CLONE_NEWTIME, true, "CONFIG_NAMESPACES", "CONFIG_TIME_NS"),
	[NS_USER] = NS("user", CLONE_NEWUSER, false, "CONFIG_NAMESPACES", "CONFIG_USER_NS"),
};

const struct barco_probe_check barco_probe_ns_checks[] = {
	{"ns.mnt", "mount namespace", BARCO_PROBE_NS, true, barco_probe_check_layers,
	 &kinds[NS_MNT], false},
	{"ns.uts", "UTS namespace (hostname)", BARCO_PROBE_NS, true, barco_probe_check_layers,
	 &kinds[NS_UTS], false},
	{"ns.ipc", "IPC namespace", BARCO_PROBE_NS, true, barco_probe_check_layers, &kinds[NS_IPC],
	 false},
	{"ns.net", "network namespace", BARCO_PROBE_NS, true, barco_probe_check_layers,
	 &kinds[NS_NET], false},
	{"ns.pid", "PID namespace (a child is pid 1)", BARCO_PROBE_NS, true,
	 barco_probe_check_layers, &kinds[NS_PID], false},
	{"ns.cgroup", "cgroup namespace", BARCO_PROBE_NS, true, barco_probe_check_layers,
	 &kinds[NS_CGROUP], false},
	{"ns.time", "time namespace (optional: barco uses it when present)", BARCO_PROBE_NS, false,
	 barco_probe_check_layers, &kinds[NS_TIME], false},
	{"ns.user", "user namespace", BARCO_PROBE_NS, true, barco_probe_check_layers,
	 &kinds[NS_USER], false},
};
const size_t barco_probe_ns_checks_len = ARRAY_LEN(barco_probe_ns_checks);
