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
	const char *sysctl; /* /proc/sys/user/max_NAME_namespaces */
	const char *options[3];
	bool is_for_children; /* the caller stays; its children enter (pid, time) */
};

static const struct ns_kind ns_mnt = {
	"mnt", "CLONE_NEWNS", CLONE_NEWNS, "max_mnt_namespaces", {"CONFIG_NAMESPACES", NULL},
	false};
static const struct ns_kind ns_uts = {"uts",
				      "CLONE_NEWUTS",
				      CLONE_NEWUTS,
				      "max_uts_namespaces",
				      {"CONFIG_NAMESPACES", "CONFIG_UTS_NS", NULL},
				      false};
static const struct ns_kind ns_ipc = {"ipc",
				      "CLONE_NEWIPC",
				      CLONE_NEWIPC,
				      "max_ipc_namespaces",
				      {"CONFIG_NAMESPACES", "CONFIG_IPC_NS", NULL},
				      false};
static const struct ns_kind ns_net = {"net",
				      "CLONE_NEWNET",
				      CLONE_NEWNET,
				      "max_net_namespaces",
				      {"CONFIG_NAMESPACES", "CONFIG_NET_NS", NULL},
				      false};
static const struct ns_kind ns_pid = {"pid",
				      "CLONE_NEWPID",
				      CLONE_NEWPID,
				      "max_pid_namespaces",
				      {"CONFIG_NAMESPACES", "CONFIG_PID_NS", NULL},
				      true};
static const struct ns_kind ns_cgroup = {"cgroup",
					 "CLONE_NEWCGROUP",
					 CLONE_NEWCGROUP,
					 "max_cgroup_namespaces",
					 {"CONFIG_CGROUPS", NULL},
					 false};
static const struct ns_kind ns_time = {"time",
				       "CLONE_NEWTIME",
				       CLONE_NEWTIME,
				       "max_time_namespaces",
				       {"CONFIG_NAMESPACES", "CONFIG_TIME_NS", NULL},
				       true};
static const struct ns_kind ns_user = {"user",
				       "CLONE_NEWUSER",
				       CLONE_NEWUSER,
				       "max_user_namespaces",
				       {"CONFIG_NAMESPACES", "CONFIG_USER_NS", NULL},
				       false};

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
	if (barco_probe_ev_call(ev, unshare((int)k->flag), "unshare(%s)", k->flag_name) < 0)
		return errno;
	if (k->is_for_children)
		return check_grandchild(k, ev);
	read_link(path, after, sizeof(after));
	barco_report_add(ev, "readlink %s: %s before, %s after", path, before, after);
	return strcmp(before, after) != 0 ? 0 : EEXIST;
}

/* The enabled layer: the namespace exists in /proc and its sysctl allows some. */
static bool is_enabled(const struct ns_kind *k, struct barco_report *ev, long *ret_max)
{
	char path[96];

	*ret_max = -1;
	(void)snprintf(path, sizeof(path), "/proc/sys/user/%s", k->sysctl);
	if (barco_probe_read_long(path, ret_max) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read %s", path);
		return true; /* no sysctl: nothing limits it */
	}
	barco_report_add(ev, "read %s = %ld", path, *ret_max);
	return *ret_max != 0;
}

static void set_failed(const struct ns_kind *k, enum barco_probe_status built, const char *missing,
		       long max, int code, struct barco_probe_result *ret)
{
	char hint[BARCO_PROBE_HINT_MAX];

	if (built == BARCO_PROBE_FAIL)
		(void)snprintf(hint, sizeof(hint), "rebuild the kernel with %s=y", missing);
	else if (max == 0)
		(void)snprintf(hint, sizeof(hint), "sysctl -w user.%s=10000", k->sysctl);
	else if (code == EINVAL && built != BARCO_PROBE_PASS)
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

static int check_ns(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		    struct barco_err *err)
{
	const struct ns_kind *k = arg;
	struct barco_probe_child child;
	const char *missing = NULL;
	long max;
	enum barco_probe_status built =
		barco_probe_kconfig_layer(&ctx->kconfig, k->options, &ret->evidence, &missing);

	(void)is_enabled(k, &ret->evidence, &max);
	if (barco_probe_in_child(ctx, try_unshare, k, &ret->evidence, &child, err) < 0)
		return -1;
	if (barco_probe_child_ok(&child, &ret->evidence))
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "unshare(%s) worked", k->flag_name);
	else
		set_failed(k, built, missing, max, child.code, ret);
	return 0;
}

const struct barco_probe_check barco_probe_ns_checks[] = {
	{"ns.mnt", "mount namespace", BARCO_PROBE_NS, true, check_ns, &ns_mnt},
	{"ns.uts", "UTS namespace (hostname)", BARCO_PROBE_NS, true, check_ns, &ns_uts},
	{"ns.ipc", "IPC namespace", BARCO_PROBE_NS, true, check_ns, &ns_ipc},
	{"ns.net", "network namespace", BARCO_PROBE_NS, true, check_ns, &ns_net},
	{"ns.pid", "PID namespace (a child is pid 1)", BARCO_PROBE_NS, true, check_ns, &ns_pid},
	{"ns.cgroup", "cgroup namespace", BARCO_PROBE_NS, true, check_ns, &ns_cgroup},
	{"ns.time", "time namespace (optional: barco uses it when present)", BARCO_PROBE_NS, false,
	 check_ns, &ns_time},
	{"ns.user", "user namespace", BARCO_PROBE_NS, true, check_ns, &ns_user},
};
const size_t barco_probe_ns_checks_len = ARRAY_LEN(barco_probe_ns_checks);
