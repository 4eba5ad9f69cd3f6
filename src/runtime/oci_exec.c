/*
 * barco exec: a process joins a container that exists (oci_exec.h).
 *
 * The runner does not build anything here: the namespaces, the root and the
 * cgroups are the init's. barco forks once, the child starting in the
 * container's cgroup2 directory and joining its v1 ones itself (as the
 * container's first process does, runtime/runner.c); it then enters the init's namespaces
 * through the files of /proc/INIT/ns (setns(2)): the user namespace first, so that it
 * owns the capabilities the other setns calls need; the pid and time
 * namespaces are entered by the parent before the fork, since they apply to
 * the children of the caller only. The child then runs what the last
 * stages run for the init (rlimits, cwd, caps, seccomp, execve), reporting
 * a failure over a close-on-exec socket: end of file there means execve
 * succeeded.
 */
#include "runtime/oci_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/config.h"
#include "base/parse.h"
#include "base/sock.h"
#include "base/util.h"
#include "runtime/exe_guard.h"
#include "runtime/oci_config.h"
#include "runtime/oci_lifecycle.h"
#include "runtime/seccomp_agent.h"
#include "stages/caps.h"
#include "stages/cgroup.h"
#include "stages/exec.h"
#include "stages/rootless.h"
#include "stages/seccomp.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * The init's namespaces, in the order they are entered: user first (it
 * owns the others); pid and time apply to the children of whoever enters
 * them, so the parent enters those before fork(2).
 */
static const struct {
	const char *name; /* in /proc/PID/ns */
	int type;
	bool is_for_children;
} exec_namespaces[] = {
	{"user", CLONE_NEWUSER, false}, {"mnt", CLONE_NEWNS, false},
	{"ipc", CLONE_NEWIPC, false},	{"uts", CLONE_NEWUTS, false},
	{"net", CLONE_NEWNET, false},	{"cgroup", CLONE_NEWCGROUP, false},
	{"pid", CLONE_NEWPID, true},	{"time", CLONE_NEWTIME, true},
};

#define EXEC_NS_COUNT ARRAY_LEN(exec_namespaces)

struct exec_ctx {
	const struct barco_oci_exec_opts *opts;
	struct barco_config cfg;
	struct barco_oci_spec *spec; /* the container's config.json: cfg points into it */
	struct barco_oci_spec *proc; /* process.json, or NULL */
	uint64_t caps_keep;
	pid_t init_pid;
	int ns_fds[EXEC_NS_COUNT]; /* -1: the same namespace as ours, not entered */
	/* Decided before setns(2): inside the user namespace we are root. */
	bool is_rootless;
	struct barco_cgroup cgroup;    /* the container's: none for a rootless one without */
	struct barco_cgroup_join join; /* its v1 "tasks" files, which the child writes */
	unsigned cgroup_skip;	       /* BARCO_CG_SKIP_*: where the child already is */
	int sock;		       /* parent end / child end of the socketpair */
	bool is_tty;
};

static void ctx_free(struct exec_ctx *x)
{
	for (size_t i = 0; i < EXEC_NS_COUNT; i++)
		if (x->ns_fds[i] >= 0)
			(void)close(x->ns_fds[i]);
	if (x->sock >= 0)
		(void)close(x->sock);
	barco_oci_spec_free(x->proc);
	barco_oci_spec_free(x->spec);
}

/* runc's words ("cannot exec in a stopped container"); a created container takes exec. */
static int check_status(const char *id, struct barco_oci_state *st, struct barco_err *err)
{
	if (barco_oci_state(id, st, err) < 0)
		return -1;
	if (st->status != BARCO_OCI_CREATED && st->status != BARCO_OCI_RUNNING)
		return barco_err_set(err, 0, "cannot exec in a %s container",
				     barco_oci_status_name(st->status));
	return 0;
}

static int read_process_file(const char *path, struct barco_oci_spec **ret, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *text = malloc(BARCO_OCI_FILE_MAX);
	size_t n = 0;

	if (fd < 0 || !text || barco_read_full(fd, text, BARCO_OCI_FILE_MAX, &n) < 0)
		return barco_err_errno(err, "--process %s", path);
	if (barco_oci_process_parse(text, n, ret, err) < 0)
		return barco_err_wrap(err, "--process %s", path);
	return 0;
}

/* --user UID[:GID]. */
static int apply_user(struct barco_config *cfg, const char *s, struct barco_err *err)
{
	char uid[32];
	const char *colon = strchr(s, ':');
	uint64_t v;

	(void)snprintf(uid, sizeof(uid), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (barco_parse_uint(uid, 0, UINT32_MAX - 1, "--user uid", &v, err) < 0)
		return -1;
	cfg->uid = (uid_t)v;
	if (!colon)
		return 0;
	if (barco_parse_uint(colon + 1, 0, UINT32_MAX - 1, "--user gid", &v, err) < 0)
		return -1;
	cfg->gid = (gid_t)v;
	return 0;
}

/* The flags over the process: --cwd, --env, --user, the arguments. */
static int apply_flags(struct exec_ctx *x, struct barco_err *err)
{
	const struct barco_oci_exec_opts *o = x->opts;

	if (!x->proc) {
		if (!o->args || !o->args[0])
			return barco_err_set(err, 0,
					     "exec: no command (give --process FILE or the "
					     "command after the id)");
		x->cfg.argv = o->args;
	}
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return barco_err_set(err, 0, "--cwd %s: not an absolute path", o->cwd);
		x->cfg.workdir = o->cwd;
	}
	for (size_t i = 0; i < o->env_len; i++)
		if (barco_config_add_env(&x->cfg, o->env[i], err) < 0)
			return barco_err_wrap(err, "--env");
	if (o->user && apply_user(&x->cfg, o->user, err) < 0)
		return -1;
	x->is_tty = o->is_tty || (x->proc && x->proc->is_terminal);
	if (x->is_tty && !o->console_socket)
		return barco_err_set(err, 0,
				     "--tty needs --console-socket (barco does not relay a "
				     "terminal itself)");
	return 0;
}

/* A process.json without "capabilities" keeps the container's (as runc does). */
static int apply_process_file(struct exec_ctx *x, struct barco_err *err)
{
	struct json_object *proc = NULL;
	bool has_caps_exact = x->cfg.has_caps_exact;
	uint64_t caps_exact = x->cfg.caps_exact;

	if (read_process_file(x->opts->process_file, &x->proc, err) < 0)
		return -1;
	(void)json_object_object_get_ex(x->proc->json, "process", &proc);
	if (json_object_object_get_ex(proc, "capabilities", NULL))
		return barco_oci_config_apply_process(x->proc, &x->cfg, err);
	x->proc->caps[BARCO_OCI_CAPS_BOUNDING] = caps_exact;
	x->proc->caps[BARCO_OCI_CAPS_EFFECTIVE] = caps_exact;
	x->proc->caps[BARCO_OCI_CAPS_PERMITTED] = caps_exact;
	if (barco_oci_config_apply_process(x->proc, &x->cfg, err) < 0)
		return -1;
	x->cfg.has_caps_exact = has_caps_exact;
	return 0;
}

/*
 * The container's config.json (its seccomp choice, its user namespace's
 * maps) with process.json's process, or config.json's own under the flags.
 */
static int load_config(struct exec_ctx *x, const char *bundle, struct barco_err *err)
{
	const struct barco_oci_exec_opts *o = x->opts;
	int last_cap = -1;

	barco_config_init(&x->cfg);
	x->cfg.bundle = bundle;
	(void)snprintf(x->cfg.name, sizeof(x->cfg.name), "%s", o->id);
	/* Whether the init had a terminal does not matter here: only ours does (is_tty). */
	if (barco_oci_config_load(&x->cfg, &x->spec, err) < 0)
		return -1;
	x->cfg.is_terminal = false;
	x->cfg.console_socket = o->console_socket;
	if (o->process_file && apply_process_file(x, err) < 0)
		return -1; /* named --process FILE already */
	if (apply_flags(x, err) < 0 || barco_config_finish(&x->cfg, err) < 0 ||
	    barco_caps_last_cap(&last_cap, err) < 0)
		return -1;
	x->caps_keep = x->cfg.has_caps_exact
			       ? x->cfg.caps_exact & barco_caps_compute(~0ULL, 0, last_cap)
			       : barco_caps_compute(x->cfg.caps_add, x->cfg.caps_drop, last_cap);
	return 0;
}

/* The files of /proc/INIT/ns: those that differ from ours are the ones to enter. */
static int open_namespaces(struct exec_ctx *x, struct barco_err *err)
{
	for (size_t i = 0; i < EXEC_NS_COUNT; i++) {
		char path[64];
		struct stat theirs, ours;

		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->init_pid,
			       exec_namespaces[i].name);
		x->ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (x->ns_fds[i] < 0 && errno == ENOENT &&
		    strcmp(exec_namespaces[i].name, "time") == 0)
			continue; /* a kernel without time namespaces */
		if (x->ns_fds[i] < 0 || fstat(x->ns_fds[i], &theirs) < 0)
			return barco_err_errno(err, "open %s", path);
		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", exec_namespaces[i].name);
		if (stat(path, &ours) == 0 && ours.st_ino == theirs.st_ino &&
		    ours.st_dev == theirs.st_dev) {
			(void)close(x->ns_fds[i]);
			x->ns_fds[i] = -1;
		}
	}
	return 0;
}

/*
 * The parent enters pid and time (they apply to its children). Rootless
 * it enters the user namespace first: setns(2) into the pid namespace
 * needs CAP_SYS_ADMIN in the user namespace that owns it.
 */
static bool is_entered_by_parent(const struct exec_ctx *x, size_t i)
{
	return exec_namespaces[i].is_for_children ||
	       (exec_namespaces[i].type == CLONE_NEWUSER && x->is_rootless);
}

static int enter_namespaces(struct exec_ctx *x, bool is_parent, struct barco_err *err)
{
	for (size_t i = 0; i < EXEC_NS_COUNT; i++) {
		if (x->ns_fds[i] < 0 || is_entered_by_parent(x, i) != is_parent)
			continue;
		if (setns(x->ns_fds[i], exec_namespaces[i].type) < 0)
			return barco_err_errno(err, "setns(/proc/%d/ns/%s)", (int)x->init_pid,
					       exec_namespaces[i].name);
		(void)close(x->ns_fds[i]);
		x->ns_fds[i] = -1;
	}
	return 0;
}

/* A pty of the container's devpts, its slave our terminal; the master goes to the parent. */
static int take_terminal(struct exec_ctx *x, struct barco_err *err)
{
	cleanup_close int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	cleanup_close int slave = -1;
	int unlock = 0;

	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return barco_err_errno(err, "open a pty on /dev/pts/ptmx");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return barco_err_errno(err, "ioctl(TIOCGPTPEER)");
	if (barco_sock_send(x->sock, "tty", 3, &master, 1, err) < 0)
		return -1;
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return barco_err_errno(err, "setsid, ioctl(TIOCSCTTY) on the pty");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return barco_err_errno(err, "dup2(pty, %d)", fd);
	return 0;
}

/*
 * A profile that notifies: its listener to the parent, which hands it to
 * the agent and answers "k". Only then may the command run: an agent that
 * never got the listener could not answer its calls (the parent kills this
 * process when the handoff fails).
 */
static int hand_listener(struct exec_ctx *x, int *listener, struct barco_err *err)
{
	char ack = 0;
	int r;

	if (*listener < 0)
		return 0;
	r = barco_sock_send(x->sock, "seccomp", 7, listener, 1, err);
	barco_close_fd(listener);
	if (r == 0 && (read(x->sock, &ack, 1) != 1 || ack != 'k'))
		r = barco_err_set(err, EPROTO, "the seccomp agent did not get the listener");
	return r;
}

/* In the child: everything the init's last stages did, then execve. Returns only on failure. */
static int exec_in_container(struct exec_ctx *x, struct barco_err *err)
{
	struct barco_report rep = {0};
	const struct barco_config *cfg = &x->cfg;
	int listener = -1;

	if (enter_namespaces(x, false, err) < 0 || (x->is_tty && take_terminal(x, err) < 0) ||
	    barco_exec_set_rlimits(cfg, &rep, err) < 0)
		return -1;
	if (chdir(cfg->workdir) < 0)
		return barco_err_errno(err, "chdir(\"%s\") (process.cwd)", cfg->workdir);
	if ((barco_seccomp_is_early(cfg) &&
	     (barco_seccomp_load_profile(cfg, &listener, &rep, err) < 0 ||
	      hand_listener(x, &listener, err) < 0)) ||
	    barco_caps_apply(x->caps_keep, cfg->uid, cfg->gid, cfg->groups, cfg->groups_len, &rep,
			     err) < 0 ||
	    barco_seccomp_apply(cfg, &listener, &rep, err) < 0 ||
	    hand_listener(x, &listener, err) < 0 || barco_exec_check(cfg->argv, cfg->env, err) < 0)
		return -1;
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return barco_err_errno(err, "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)");
	return barco_exec_command(cfg->argv, cfg->env, err);
}

static __attribute__((noreturn)) void run_child(struct exec_ctx *x)
{
	struct barco_err err = {0};
	char buf[BARCO_ERR_MSG_MAX + 128];
	char go;

	struct barco_report rep = {0};

	/* Into the v1 cgroups ourselves; the parent does the rest, then says go. */
	barco_cgroup_join_self(&x->join);
	if (read(x->sock, &go, 1) != 1)
		_exit(BARCO_EXIT_BARCO);
	if (barco_cgroup_join_report(&x->join, &rep, &err) == 0)
		(void)exec_in_container(x, &err);
	else
		(void)barco_err_wrap(&err, "the container's cgroups");
	(void)barco_err_str(&err, buf, sizeof(buf));
	(void)send(x->sock, buf, strlen(buf), MSG_NOSIGNAL);
	_exit(BARCO_EXIT_BARCO);
}

static int attach_cgroups(const struct exec_ctx *x, pid_t pid, struct barco_err *err)
{
	struct barco_report rep = {0};

	/* Rootless without a delegated cgroup: the layout is "none", and attach does nothing. */
	if (barco_cgroup_attach(&x->cgroup, pid, x->cgroup_skip, &rep, err) < 0)
		return barco_err_wrap(err, "the container's cgroups");
	return 0;
}

/* Until the child's end closes (execve happened) or it reports why it could not run. */
static int wait_for_execve(struct exec_ctx *x, pid_t pid, struct barco_err *err)
{
	char msg[BARCO_ERR_MSG_MAX + 128];
	struct barco_report rep = {0};

	for (;;) {
		int fd = -1;
		ssize_t n = barco_sock_recv(x->sock, msg, sizeof(msg) - 1, NULL, &fd, 1);

		if (n == 0)
			return 0;
		if (n < 0)
			return barco_err_errno(err, "reading from the exec process");
		msg[n] = '\0';
		if (fd < 0)
			return barco_err_set(err, 0, "%s", msg);
		if (strcmp(msg, "seccomp") == 0) {
			n = barco_seccomp_agent_send(&x->cfg, pid, x->init_pid, "running", fd, &rep,
						     err);
			if (n == 0 && write(x->sock, "k", 1) != 1)
				n = barco_err_errno(err, "answer the exec process");
		} else
			n = barco_oci_send_console(x->opts->console_socket, fd, err);
		(void)close(fd);
		if (n < 0)
			return -1;
	}
}

/* Signals for barco go to the process; its exit status is ours. */
static int wait_forwarding(pid_t pid, int *ret_status, struct barco_err *err)
{
	static const int forwarded[] = {SIGHUP,	 SIGINT,  SIGQUIT, SIGTERM,
					SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_LEN(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return barco_err_errno(err, "sigprocmask");
	for (;;) {
		int wstatus = 0;
		pid_t r = waitpid(pid, &wstatus, WNOHANG);
		int sig;

		if (r == pid) {
			*ret_status = barco_exit_status_from_wait(wstatus);
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return barco_err_errno(err, "waitpid(%d)", (int)pid);
		sig = sigwaitinfo(&set, NULL);
		if (sig > 0 && sig != SIGCHLD)
			(void)kill(pid, sig);
	}
}

static int run_parent(struct exec_ctx *x, pid_t pid, int *ret_status, struct barco_err *err)
{
	const struct barco_oci_exec_opts *o = x->opts;

	if (attach_cgroups(x, pid, err) < 0 || write(x->sock, "g", 1) != 1 ||
	    wait_for_execve(x, pid, err) < 0) {
		(void)kill(pid, SIGKILL);
		(void)barco_waitpid(pid, NULL);
		return -1;
	}
	if (o->pid_file && barco_oci_write_pid_file(o->pid_file, pid, err) < 0) {
		(void)kill(pid, SIGKILL);
		return -1;
	}
	*ret_status = 0;
	/* Detached, the process is the caller's once we exit (it is a subreaper). */
	return o->is_detach ? 0 : wait_forwarding(pid, ret_status, err);
}

/*
 * As the container's first process (runtime/runner.c): the child starts in
 * the cgroup2 directory (clone3 with CLONE_INTO_CGROUP) and joins the v1
 * ones itself (barco_cgroup_join), so that nobody's cgroup.procs write
 * waits for an RCU grace period; where clone3 is refused, fork(2), and
 * the parent writes the cgroup2 directory's cgroup.procs.
 */
static pid_t fork_into_cgroups(struct exec_ctx *x, struct barco_err *err)
{
	const char *dir = x->cgroup.unified_path;
	cleanup_close int fd = -1;
	pid_t pid;

	if (barco_cgroup_join_open(&x->cgroup, &x->join, err) < 0)
		return -1;
	x->cgroup_skip = BARCO_CG_SKIP_V1;
	if (dir[0] && (fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		pid = barco_cgroup_clone_into(0, fd);
		if (pid >= 0) {
			x->cgroup_skip |= BARCO_CG_SKIP_UNIFIED;
			return pid;
		}
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) {
			barco_cgroup_join_close(&x->join);
			return barco_err_errno(err, "clone3(CLONE_INTO_CGROUP) into %s", dir);
		}
	}
	pid = fork();
	if (pid < 0) {
		barco_cgroup_join_close(&x->join);
		return barco_err_errno(err, "fork");
	}
	return pid;
}

static int spawn(struct exec_ctx *x, int *ret_status, struct barco_err *err)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return barco_err_errno(err, "socketpair");
	if (enter_namespaces(x, true, err) < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	pid = fork_into_cgroups(x, err);
	if (pid < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	if (pid > 0)
		barco_cgroup_join_close(&x->join);
	x->sock = pid == 0 ? sv[1] : sv[0];
	(void)close(pid == 0 ? sv[0] : sv[1]);
	if (pid == 0)
		run_child(x);
	return run_parent(x, pid, ret_status, err);
}

int barco_oci_exec(const struct barco_oci_exec_opts *opts, int *ret_status, struct barco_err *err)
{
	struct exec_ctx x = {.opts = opts, .sock = -1, .is_rootless = barco_rootless_is()};
	struct barco_oci_state st;
	int r;

	for (size_t i = 0; i < EXEC_NS_COUNT; i++)
		x.ns_fds[i] = -1;
	if (barco_parse_name(opts->id, err) < 0)
		return barco_err_wrap(err, "container id");
	r = check_status(opts->id, &st, err);
	x.init_pid = st.pid;
	if (r == 0)
		r = load_config(&x, st.bundle, err);
	/* The exec'd process enters the container as barco: the same guard as create's. */
	if (r == 0 && barco_exe_guard_is_needed(&x.cfg))
		r = barco_exe_guard(err);
	/* Before open_namespaces: in the container's user namespace barco is root, not rootless. */
	if (r == 0)
		r = barco_oci_container_cgroup(opts->id, &x.cgroup, err);
	if (r == 0)
		r = open_namespaces(&x, err);
	if (r == 0)
		r = spawn(&x, ret_status, err);
	ctx_free(&x);
	return r < 0 ? barco_err_wrap(err, "exec failed") : 0;
}
