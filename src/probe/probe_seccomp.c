/*
 * Seccomp (seccomp(2)): filter mode compiled in and working (a one-rule
 * filter makes getppid fail with EXDEV in a child), the actions the kernel
 * offers (SECCOMP_GET_ACTION_AVAIL), user notification (a full round trip
 * through the listener fd), and which actions the kernel logs
 * (/proc/sys/kernel/seccomp/actions_logged).
 */
#include "probe/probe.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#define NOTIF_REPLY	 4242 /* what the supervisor makes getppid return */
#define NOTIF_TIMEOUT_MS 2000

struct seccomp_action {
	const char *name; /* as /proc/sys/kernel/seccomp/actions_avail names it */
	uint32_t action;
	bool is_needed; /* barco's filter uses it */
};

static const struct seccomp_action actions[] = {
	{"kill_process", SECCOMP_RET_KILL_PROCESS, false},
	{"kill_thread", SECCOMP_RET_KILL_THREAD, false},
	{"trap", SECCOMP_RET_TRAP, false},
	{"errno", SECCOMP_RET_ERRNO, true},
	{"user_notif", SECCOMP_RET_USER_NOTIF, false},
	{"trace", SECCOMP_RET_TRACE, false},
	{"log", SECCOMP_RET_LOG, false},
	{"allow", SECCOMP_RET_ALLOW, true},
};

static long sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* A one-rule filter: getppid gets action, everything else is allowed. */
static long install_filter(uint32_t action, unsigned int flags, const char *flags_name,
			   struct barco_report *ev)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ARRAY_LEN(code), .filter = code};

	/* seccomp(2): without CAP_SYS_ADMIN, a filter needs no_new_privs first. */
	if (barco_probe_ev_call(ev, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
				"prctl(PR_SET_NO_NEW_PRIVS, 1)") < 0)
		return -1;
	return barco_probe_ev_call(ev, sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog),
				   "seccomp(SECCOMP_SET_MODE_FILTER, %s, {getppid → 0x%08x})",
				   flags_name, action);
}

static int try_filter(const void *arg, struct barco_report *ev, long *ret_value)
{
	long r;

	if (install_filter(SECCOMP_RET_ERRNO | EXDEV, 0, "0", ev) < 0)
		return errno;
	r = syscall(SYS_getppid);
	if (barco_probe_ev_call(ev, r, "getppid()") >= 0 || errno != EXDEV)
		return EEXIST;
	return 0;
}

/* The enabled layer: this process's own mode (2: already filtered). */
static bool read_mode(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_facts *facts,
		      struct barco_probe_result *ret)
{
	facts->enabled = barco_probe_ev_call(&ret->evidence, prctl(PR_GET_SECCOMP, 0, 0, 0, 0),
					     "prctl(PR_GET_SECCOMP)");
	return false;
}

static void filter_verdict(const void *arg, const struct barco_probe_facts *f,
			   struct barco_probe_result *ret)
{
	if (f->built == BARCO_PROBE_FAIL)
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"rebuild the kernel with CONFIG_SECCOMP_FILTER=y",
				"seccomp filters not built in (%s)", f->missing);
	else
		barco_probe_set(
			ret, BARCO_PROBE_FAIL,
			"an outer filter may refuse seccomp(2) itself: run barco on the host",
			"a seccomp filter could not be loaded");
}

static const struct barco_probe_layers filter = {
	.options = (const char *const[]){"CONFIG_SECCOMP", "CONFIG_SECCOMP_FILTER", NULL},
	.enabled = read_mode,
	.attempt = try_filter,
	.pass = "a filter loaded in a child made getppid fail with EXDEV",
	.verdict = filter_verdict,
};

static int check_status(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_result *ret, struct barco_err *err)
{
	char status[4096];
	const char *seccomp, *nnp;

	if (barco_probe_read_file("/proc/self/status", status, sizeof(status)) < 0 ||
	    !(seccomp = strstr(status, "Seccomp:")) || !(nnp = strstr(status, "NoNewPrivs:"))) {
		barco_report_add(&ret->evidence,
				 "/proc/self/status: no Seccomp or NoNewPrivs line");
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN,
				"mount /proc; the Seccomp line needs CONFIG_SECCOMP",
				"this process's seccomp state unknown");
		return 0;
	}
	barco_report_add(&ret->evidence, "/proc/self/status %.*s", (int)strcspn(seccomp, "\n"),
			 seccomp);
	barco_report_add(&ret->evidence, "/proc/self/status %.*s", (int)strcspn(nnp, "\n"), nnp);
	if (strtol(seccomp + strlen("Seccomp:"), NULL, 10) == 0)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "not filtered (Seccomp: 0)");
	else
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"probe from the host to see the kernel rather than this filter",
				"already under a seccomp filter: results show what it allows");
	return 0;
}

static int check_actions(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_result *ret, struct barco_err *err)
{
	char avail[256], missing[128] = "";
	size_t len = 0;
	bool lacks_needed = false;

	if (barco_probe_read_file("/proc/sys/kernel/seccomp/actions_avail", avail, sizeof(avail)) >=
	    0)
		barco_report_add(&ret->evidence, "read /proc/sys/kernel/seccomp/actions_avail = %s",
				 avail);
	for (size_t i = 0; i < ARRAY_LEN(actions); i++) {
		uint32_t action = actions[i].action;

		if (barco_probe_ev_call(
			    &ret->evidence, sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action),
			    "seccomp(SECCOMP_GET_ACTION_AVAIL, 0, %s)", actions[i].name) == 0)
			continue;
		lacks_needed = lacks_needed || actions[i].is_needed;
		/* The names of all eight fit: 128 bytes hold them with room to spare. */
		len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s",
					len ? " " : "", actions[i].name);
	}
	if (len == 0)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "all %zu actions available",
				ARRAY_LEN(actions));
	else
		barco_probe_set(ret, lacks_needed ? BARCO_PROBE_FAIL : BARCO_PROBE_WARN,
				"a newer kernel (SECCOMP_GET_ACTION_AVAIL is 4.14+, user_notif "
				"5.0+); inside a container an outer filter may refuse seccomp(2)",
				"unavailable: %s", missing);
	return 0;
}

/* The supervisor's side: receive the notification, answer NOTIF_REPLY. */
static int answer(int listener, struct barco_report *ev)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct pollfd pfd = {.fd = listener, .events = POLLIN};

	if (poll(&pfd, 1, NOTIF_TIMEOUT_MS) != 1) {
		(void)barco_probe_ev_fail(ev, ETIMEDOUT, "poll(listener, %d ms)", NOTIF_TIMEOUT_MS);
		return ETIMEDOUT;
	}
	memset(&req, 0, sizeof(req));
	if (barco_probe_ev_call(ev, ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req),
				"ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV)") < 0)
		return errno;
	barco_report_add(ev, "  notification: pid %u, syscall %d", req.pid, req.data.nr);
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.val = NOTIF_REPLY;
	if (barco_probe_ev_call(ev, ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp),
				"ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, {val = %d})",
				NOTIF_REPLY) < 0)
		return errno;
	return 0;
}

static int try_notify(const void *arg, struct barco_report *ev, long *ret_value)
{
	cleanup_close int listener = -1;
	cleanup_pid pid_t pid = -1;
	int status, r;

	listener = (int)install_filter(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER,
				       "SECCOMP_FILTER_FLAG_NEW_LISTENER", ev);
	if (listener < 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		(void)alarm(NOTIF_TIMEOUT_MS / 1000 + 1);
		_exit(syscall(SYS_getppid) == NOTIF_REPLY ? 0 : 1);
	}
	r = answer(listener, ev);
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	(void)steal_pid(&pid); /* reaped: nothing left to kill */
	barco_report_add(ev, "the filtered child's getppid() returned %s",
			 WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "4242: answered" : "else");
	return r ? r : (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPROTO);
}

static const struct barco_probe_layers notify = {
	.attempt = try_notify,
	.pass = "a notification was received and answered through the listener",
	.fail = {BARCO_PROBE_WARN,
		 "user notification needs a 5.0+ kernel (5.5+ for the full API); "
		 "only OCI bundles whose profile uses SCMP_ACT_NOTIFY need it",
		 "user notification did not work"},
};

static int check_logged(struct barco_probe_ctx *ctx, const void *arg,
			struct barco_probe_result *ret, struct barco_err *err)
{
	static const char path[] = "/proc/sys/kernel/seccomp/actions_logged";
	char logged[256];

	if (barco_probe_read_file(path, logged, sizeof(logged)) < 0) {
		(void)barco_probe_ev_fail(&ret->evidence, errno, "read %s", path);
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN, "a 4.14+ kernel has this sysctl",
				"which actions are logged is unknown");
		return 0;
	}
	barco_report_add(&ret->evidence, "read %s = %s", path, logged);
	/* barco's denials are SECCOMP_RET_ERRNO, which the kernel never logs (seccomp(2)). */
	barco_report_add(&ret->evidence,
			 "errno actions are never logged: barco's denials leave "
			 "no audit record; barco run --trace observes them instead");
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "logged: %s", logged[0] ? logged : "(none)");
	return 0;
}

const struct barco_probe_check barco_probe_seccomp_checks[] = {
	{"seccomp.filter", "a filter loads and takes effect", BARCO_PROBE_SECCOMP, true,
	 barco_probe_check_layers, &filter, false},
	{"seccomp.status", "this process's own seccomp state", BARCO_PROBE_SECCOMP, false,
	 check_status, NULL, false},
	{"seccomp.actions", "each action (SECCOMP_GET_ACTION_AVAIL)", BARCO_PROBE_SECCOMP, true,
	 check_actions, NULL, false},
	{"seccomp.notify", "user notification: a round trip", BARCO_PROBE_SECCOMP, false,
	 barco_probe_check_layers, &notify, false},
	{"seccomp.logged", "actions the kernel logs (actions_logged)", BARCO_PROBE_SECCOMP, false,
	 check_logged, NULL, false},
};
const size_t barco_probe_seccomp_checks_len = ARRAY_LEN(barco_probe_seccomp_checks);
