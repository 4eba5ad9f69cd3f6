/*
 * User namespaces (user_namespaces(7)): compiled in (CONFIG_USER_NS),
 * enabled (user.max_user_namespaces, and the distribution switches
 * kernel.unprivileged_userns_clone from Debian's patch and
 * kernel.apparmor_restrict_unprivileged_userns from Ubuntu's), and actually
 * working twice: as barco does it as root (clone, maps written from
 * outside, a capability used inside), and as an unprivileged user, which
 * answers whether rootless containers are possible here.
 */
#include "probe/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/cgroup.h"
#include "stages/rootless.h"

#define SYSCTL_MAX_USERNS  "/proc/sys/user/max_user_namespaces"
#define SYSCTL_DEBIAN	   "/proc/sys/kernel/unprivileged_userns_clone"
#define SYSCTL_APPARMOR	   "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
#define ROOT_MAP	   "0 100000 65536" /* barco's default map */
#define NOBODY		   65534	    /* the overflow uid and gid, proc(5) */
#define PROBE_HOSTNAME	   "barco-probe"
#define GRANDCHILD_ALARM_S 3

static int check_config(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_result *ret, struct barco_err *err)
{
	static const char *const options[] = {"CONFIG_USER_NS", NULL};
	struct stat st;
	const char *missing;
	enum barco_probe_status built =
		barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, &missing);
	bool has_ns = barco_probe_ev_call(&ret->evidence, stat("/proc/self/ns/user", &st),
					  "stat(\"/proc/self/ns/user\")") == 0;

	if (built == BARCO_PROBE_FAIL || (!has_ns && built != BARCO_PROBE_PASS))
		barco_probe_set(ret, BARCO_PROBE_FAIL, "rebuild the kernel with CONFIG_USER_NS=y",
				"user namespaces not built in");
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "CONFIG_USER_NS%s",
				built == BARCO_PROBE_PASS
					? "=y"
					: ": config unknown, /proc/self/ns/user exists");
	return 0;
}

static int check_max(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		     struct barco_err *err)
{
	long max = 0;

	if (barco_probe_read_long(SYSCTL_MAX_USERNS, &max) < 0) {
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read " SYSCTL_MAX_USERNS);
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN,
				"the sysctl exists on every kernel with user namespaces: check "
				"CONFIG_USER_NS and that /proc is mounted",
				"user.max_user_namespaces unreadable");
		return 0;
	}
	barco_report_add(&ret->evidence, "read " SYSCTL_MAX_USERNS " = %ld", max);
	if (max == 0)
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"sysctl -w user.max_user_namespaces=15000 (and set it in "
				"/etc/sysctl.d/ to keep it)",
				"user.max_user_namespaces = 0: user namespaces disabled");
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "user.max_user_namespaces = %ld", max);
	return 0;
}

/* A distribution switch: absent means the kernel has no such restriction. */
struct userns_switch {
	const char *path;
	const char *sysctl;
	long open_value; /* the value that lets unprivileged users in */
	const char *hint;
};

static const struct userns_switch debian_switch = {
	SYSCTL_DEBIAN, "kernel.unprivileged_userns_clone", 1,
	"sysctl -w kernel.unprivileged_userns_clone=1 (Debian's switch; root is not affected)"};
static const struct userns_switch apparmor_switch = {
	SYSCTL_APPARMOR, "kernel.apparmor_restrict_unprivileged_userns", 0,
	"sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give the program an "
	"AppArmor profile that allows 'userns,' (Ubuntu 23.10+; root is not affected)"};

static int check_switch(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_result *ret, struct barco_err *err)
{
	const struct userns_switch *sw = arg;
	long value = 0;

	if (barco_probe_read_long(sw->path, &value) < 0) {
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read %s", sw->path);
		if (errno == ENOENT) {
			barco_probe_set(ret, BARCO_PROBE_PASS, NULL,
					"%s absent: this kernel has no such restriction",
					sw->sysctl);
			return 0;
		}
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN, sw->hint, "%s unreadable", sw->sysctl);
		return 0;
	}
	barco_report_add(&ret->evidence, "read %s = %ld", sw->path, value);
	if (value == sw->open_value)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s = %ld", sw->sysctl, value);
	else
		barco_probe_set(ret, BARCO_PROBE_WARN, sw->hint,
				"%s = %ld: unprivileged user namespaces refused", sw->sysctl,
				value);
	return 0;
}

/* ---- a real user namespace ----------------------------------------------------- */

/* "CapEff:\t…" of this process, as evidence of what the namespace grants. */
static void add_capeff(struct barco_report *ev, const char *who)
{
	char status[4096];
	const char *eff;

	if (barco_probe_read_file("/proc/self/status", status, sizeof(status)) >= 0 &&
	    (eff = strstr(status, "CapEff:")))
		barco_report_add(ev, "%s: %.*s", who, (int)strcspn(eff, "\n"), eff);
}

/*
 * In the namespace, as its root: use a capability the namespace grants,
 * CAP_SYS_ADMIN over a UTS namespace it owns (user_namespaces(7)).
 */
static int use_capability(struct barco_report *ev)
{
	add_capeff(ev, "inside");
	if (barco_probe_ev_call(ev, unshare(CLONE_NEWUTS), "inside: unshare(CLONE_NEWUTS)") < 0 ||
	    barco_probe_ev_call(ev, sethostname(PROBE_HOSTNAME, strlen(PROBE_HOSTNAME)),
				"inside: sethostname(\"" PROBE_HOSTNAME "\")") < 0)
		return errno;
	return 0;
}

static void send_report(int fd, const struct barco_report *rep)
{
	ssize_t n = write(fd, rep, sizeof(*rep));

	(void)n;
}

/* The grandchild, born in the new namespace: waits for its maps, then becomes root there. */
static __attribute__((noreturn)) void grandchild(int go_rd, int res_wr)
{
	struct barco_report ev;
	char byte;
	int r = 0;

	(void)alarm(GRANDCHILD_ALARM_S);
	memset(&ev, 0, sizeof(ev)); /* sent whole */
	if (read(go_rd, &byte, 1) != 1)
		_exit(EPIPE);
	if (barco_probe_ev_call(&ev, setresgid(0, 0, 0), "inside: setresgid(0, 0, 0)") < 0 ||
	    barco_probe_ev_call(&ev, setresuid(0, 0, 0), "inside: setresuid(0, 0, 0)") < 0)
		r = errno;
	else
		r = use_capability(&ev);
	send_report(res_wr, &ev);
	_exit(r);
}

static int write_maps(pid_t pid, struct barco_report *ev)
{
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (barco_probe_write_text(path, ROOT_MAP, ev) < 0)
		return errno;
	(void)snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (barco_probe_write_text(path, ROOT_MAP, ev) < 0)
		return errno;
	return 0;
}

/* Lets the grandchild go, reads its report, returns its exit code (or an errno). */
static int finish_grandchild(pid_t *pid, int go_wr, int res_rd, struct barco_report *ev)
{
	struct barco_report inside;
	int status;

	if (write(go_wr, "g", 1) != 1)
		return errno;
	if (read(res_rd, &inside, sizeof(inside)) == (ssize_t)sizeof(inside))
		barco_report_append(ev, &inside);
	if (waitpid(*pid, &status, 0) < 0)
		return errno;
	*pid = -1;
	if (WIFSIGNALED(status))
		return EINTR;
	return WEXITSTATUS(status);
}

static int try_as_root(const void *arg, struct barco_report *ev, long *ret_value)
{
	int fds[2];
	cleanup_close int go_rd = -1;
	cleanup_close int go_wr = -1;
	cleanup_close int res_rd = -1;
	cleanup_close int res_wr = -1;
	cleanup_pid pid_t pid = -1;
	int r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	go_rd = fds[0];
	go_wr = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	res_rd = fds[0];
	res_wr = fds[1];
	/* clone(2) without a stack argument behaves like fork(2), in a new user namespace. */
	pid = (pid_t)barco_probe_ev_call(ev,
					 syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
					 "clone(CLONE_NEWUSER|SIGCHLD)");
	if (pid < 0)
		return errno;
	if (pid == 0)
		grandchild(go_rd, res_wr);
	(void)close(steal_fd(&res_wr));
	r = write_maps(pid, ev);
	if (r == 0)
		r = finish_grandchild(&pid, go_wr, res_rd, ev);
	return r;
}

/* The enabled layer has nothing to read here; the evidence says who tries, with which map. */
static bool say_who(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_facts *facts,
		    struct barco_probe_result *ret)
{
	barco_report_add(&ret->evidence, "as uid %d, map " ROOT_MAP " (barco's default)",
			 (int)geteuid());
	return false;
}

static void root_verdict(const void *arg, const struct barco_probe_facts *f,
			 struct barco_probe_result *ret)
{
	barco_probe_set(ret, BARCO_PROBE_FAIL,
			f->child.code == ENOSPC ? "sysctl -w user.max_user_namespaces=15000"
						: "run barco as root on the host (not inside a "
						  "container, where seccomp and the missing "
						  "capabilities refuse CLONE_NEWUSER)",
			"root cannot create a user namespace here");
}

static const struct barco_probe_layers as_root = {
	.enabled = say_who,
	.attempt = try_as_root,
	.pass = "user namespace created, mapped, capability used inside",
	.verdict = root_verdict,
};

static int drop_to_nobody(struct barco_report *ev)
{
	if (geteuid() != 0)
		return 0;
	if (barco_probe_ev_call(ev, setgroups(0, NULL), "setgroups(0, NULL)") < 0 ||
	    barco_probe_ev_call(ev, setresgid(NOBODY, NOBODY, NOBODY), "setresgid(%d, %d, %d)",
				NOBODY, NOBODY, NOBODY) < 0 ||
	    barco_probe_ev_call(ev, setresuid(NOBODY, NOBODY, NOBODY), "setresuid(%d, %d, %d)",
				NOBODY, NOBODY, NOBODY) < 0)
		return errno;
	/* prctl(2): a uid change clears "dumpable", which makes /proc/self/uid_map root's. */
	if (barco_probe_ev_call(ev, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0),
				"prctl(PR_SET_DUMPABLE, 1)") < 0)
		return errno;
	return 0;
}

static int try_unprivileged(const void *arg, struct barco_report *ev, long *ret_value)
{
	int r = drop_to_nobody(ev);

	if (r == 0)
		r = barco_probe_as_rootless(ev);
	return r ? r : use_capability(ev);
}

static const struct barco_probe_layers unprivileged = {
	.attempt = try_unprivileged,
	.pass = "an unprivileged user can create and use a user namespace",
	.fail = {BARCO_PROBE_FAIL,
		 "see userns.max, userns.debian and userns.apparmor; inside a container "
		 "seccomp refuses CLONE_NEWUSER",
		 "an unprivileged user cannot create a user namespace"},
};

/* The id maps barco gives this user (stages/rootless.h); for root, what decides them. */
static void rootless_ids(char *buf, size_t size)
{
	cleanup_free struct barco_config *cfg = calloc(1, sizeof(*cfg));
	struct barco_err err;
	bool is_subid = false;

	if (!barco_rootless_is() || !cfg) {
		(void)snprintf(buf, size,
			       "per user: a range in " BARCO_SUBUID_PATH " and " BARCO_SUBGID_PATH
			       " (usermod --add-subuids, --add-subgids) gives a %u-id map through "
			       "newuidmap; without one, root inside is only the user",
			       BARCO_ROOTLESS_IDS);
		return;
	}
	barco_config_init(cfg);
	if (barco_rootless_default_maps(cfg, &is_subid, &err) < 0 || !is_subid)
		(void)snprintf(buf, size,
			       "single-id map: no range for uid %u in " BARCO_SUBUID_PATH
			       " and " BARCO_SUBGID_PATH "; root inside is only this user",
			       (unsigned)geteuid());
	else
		(void)snprintf(buf, size, "0 %u %u from " BARCO_SUBUID_PATH " (newuidmap)",
			       cfg->uidmap[0].outside, cfg->uidmap[0].count);
}

/* Where an ordinary user's limits can go: a delegated cgroup2 directory, or nowhere. */
static void rootless_cgroup(char *buf, size_t size)
{
	struct barco_cgroup_layout l;
	struct barco_err err;

	if (barco_cgroup_layout_detect(&l, &err) < 0)
		(void)snprintf(buf, size, "unknown: %.400s", err.msg);
	else if (barco_rootless_is() && l.mode == BARCO_CGROUP_V2)
		(void)snprintf(buf, size, "delegated: %.400s", l.unified_mount);
	else if (barco_rootless_is())
		(void)snprintf(buf, size,
			       "none: no limits (--memory, --pids, --cpu-weight refused); %.400s",
			       barco_rootless_delegation_hint);
	else if (l.mode != BARCO_CGROUP_V2)
		(void)snprintf(buf, size,
			       "none for ordinary users: no limits (--memory, --pids, --cpu-weight "
			       "refused); delegation needs cgroup v2");
	else
		(void)snprintf(buf, size,
			       "per user: a cgroup2 directory delegated to them, else none "
			       "(no limits)");
}

void barco_probe_userns_conclude(const struct barco_probe_run *run,
				 struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX])
{
	const struct barco_probe_result *r = barco_probe_run_find(run, "userns.unprivileged");
	const char *value = "unknown";

	if (r && r->status == BARCO_PROBE_PASS)
		value = "yes";
	else if (r && r->status == BARCO_PROBE_FAIL)
		value = "no";
	ret[0].key = "rootless";
	(void)snprintf(ret[0].value, sizeof(ret[0].value), "%s", value);
	ret[1].key = "rootless ids";
	rootless_ids(ret[1].value, sizeof(ret[1].value));
	ret[2].key = "rootless cgroup";
	rootless_cgroup(ret[2].value, sizeof(ret[2].value));
}

const struct barco_probe_check barco_probe_userns_checks[] = {
	{"userns.config", "user namespaces built in", BARCO_PROBE_USERNS, true, check_config, NULL,
	 false},
	{"userns.max", "user.max_user_namespaces > 0", BARCO_PROBE_USERNS, true, check_max, NULL,
	 false},
	{"userns.debian", "kernel.unprivileged_userns_clone (Debian)", BARCO_PROBE_USERNS, false,
	 check_switch, &debian_switch, false},
	{"userns.apparmor", "kernel.apparmor_restrict_unprivileged_userns (Ubuntu)",
	 BARCO_PROBE_USERNS, false, check_switch, &apparmor_switch, false},
	{"userns.root", "root creates one, writes the maps, uses a capability inside",
	 BARCO_PROBE_USERNS, true, barco_probe_check_layers, &as_root, true},
	{"userns.unprivileged", "an unprivileged user (nobody) does the same", BARCO_PROBE_USERNS,
	 false, barco_probe_check_layers, &unprivileged, false},
};
const size_t barco_probe_userns_checks_len = ARRAY_LEN(barco_probe_userns_checks);
