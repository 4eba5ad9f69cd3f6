/*
 * The stage runner. One loop (barco_runner_advance) walks the stage table;
 * the container process runs one loop too (child_loop) that waits for
 * CONTINUE, runs its part of the stage and answers DONE. Everything a
 * container needs on the host is released by barco_container_close, from
 * any point, so every error path is the same path.
 */
#include "runtime/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "stages/caps.h"
#include "base/cleanup.h"
#include "stages/exec.h"
#include "base/log.h"
#include "stages/net_bridge.h"
#include "stages/net_names.h"
#include "stages/ns.h"
#include "base/sock.h"
#include "runtime/relay.h"
#include "runtime/seccomp_agent.h"
#include "runtime/state.h"

enum barco_msg_type {
	BARCO_MSG_CONTINUE = 1, /* runner → container: run your part of `stage` */
	BARCO_MSG_DONE,		/* container → runner: stage finished (error[] set on failure) */
	BARCO_MSG_LISTENER,	/* container → runner: a seccomp listener, for the agent */
};

struct barco_msg {
	uint32_t type;
	uint32_t stage;
	int32_t errnum;
	int32_t exit_status;  /* on failure: the status the CLI should use */
	uint64_t duration_ns; /* DONE: how long the container's part took */
	char error[BARCO_ERR_MSG_MAX];
	struct barco_report report; /* last: only its used part is sent */
};

/* Signals the runner handles itself; the rest keep their default action. */
static const int runner_signals[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static size_t msg_size(const struct barco_msg *msg)
{
	return offsetof(struct barco_msg, report.text) + msg->report.len + 1;
}

static int send_msg(int sock, const struct barco_msg *msg, const int *fds, size_t nfds,
		    struct barco_err *err)
{
	if (barco_sock_send(sock, msg, msg_size(msg), fds, nfds, err) < 0)
		return barco_err_wrap(err, "send to the %s",
				      msg->type == BARCO_MSG_DONE ? "runner" : "container");
	return 0;
}

/*
 * Receives one message. With SO_PASSCRED set, the kernel attaches the
 * sender's pid translated into our pid namespace: that is how the runner
 * learns the host pid of the container's pid 1, which knows itself only
 * as 1. Returns 0 on end of file (the peer closed or exec'd).
 */
static ssize_t recv_msg_fds(int sock, struct barco_msg *msg, pid_t *ret_sender, int *ret_fds,
			    size_t nfds)
{
	ssize_t n = barco_sock_recv(sock, msg, sizeof(*msg), ret_sender, ret_fds, nfds);

	if (n <= 0)
		return n;
	if ((size_t)n < offsetof(struct barco_msg, report.text)) {
		errno = EPROTO;
		return -1;
	}
	msg->report.len = (size_t)n - offsetof(struct barco_msg, report.text);
	msg->report.len = msg->report.len ? msg->report.len - 1 : 0;
	msg->report.text[msg->report.len] = '\0';
	return n;
}

static ssize_t recv_msg(int sock, struct barco_msg *msg, pid_t *ret_sender, int *ret_fds)
{
	return recv_msg_fds(sock, msg, ret_sender, ret_fds, BARCO_STDIO_FDS);
}

#ifdef BARCO_FAULT_INJECTION
/*
 * Test builds only (bin/barco-fault; release builds compile this out):
 * BARCO_FAULT=STAGE:WHERE makes STAGE fail in the runner ("parent") or in
 * the container ("child"), or has the runner SIGKILL itself right after
 * STAGE ("kill"), so that tests can prove every path cleans up.
 * "exec:late" has the runner look for the command's execve only after
 * 200 ms, so that a short command has exited (and sent SIGCHLD) first.
 */
static bool fault_at(const struct barco_stage_def *def, const char *where)
{
	const char *fault = getenv("BARCO_FAULT");
	const char *name = def->name;
	size_t len = strlen(name);

	return fault && strncmp(fault, name, len) == 0 && fault[len] == ':' &&
	       strcmp(fault + len + 1, where) == 0;
}
#else
static bool fault_at(const struct barco_stage_def *def, const char *where)
{
	return false;
}
#endif

static int injected(const struct barco_stage_def *def, struct barco_err *err)
{
	return barco_err_set(err, EIO, "fault injected (BARCO_FAULT=%s)", def->name);
}

/* The answer, with the namespace descriptors a stage opened for the runner (then closed here). */
static void send_done(struct barco_container *c, const struct barco_msg *msg)
{
	struct barco_err err;
	bool has_fds = c->net_ns_fds[0] >= 0 && c->net_ns_fds[1] >= 0;

	(void)send_msg(c->sock, msg, has_fds ? c->net_ns_fds : NULL, has_fds ? 2 : 0, &err);
	barco_close_fd(&c->net_ns_fds[0]);
	barco_close_fd(&c->net_ns_fds[1]);
}

/* In the container: wait for CONTINUE, run the stage's part, answer DONE. */
static _Noreturn void child_loop(struct barco_container *c)
{
	struct barco_msg msg;

	for (;;) {
		const struct barco_stage_def *def;
		struct barco_err err = {0};
		int r;

		if (recv_msg(c->sock, &msg, NULL, c->stdio_fds) <= 0 ||
		    msg.type != BARCO_MSG_CONTINUE)
			_exit(BARCO_EXIT_BARCO); /* the runner is gone: never run on alone */
		if (msg.stage >= BARCO_STAGE_COUNT || !c->stages[msg.stage].child)
			_exit(BARCO_EXIT_BARCO);
		def = &c->stages[msg.stage];
		barco_report_clear(&msg.report);
		c->stage_start_ns = barco_now_ns();
		if (fault_at(def, "child"))
			r = injected(def, &err);
		else
			r = def->child(c, &msg.report, &err);
		if (r == BARCO_STAGE_HANDOFF)
			_exit(0);
		msg.type = BARCO_MSG_DONE;
		msg.duration_ns = barco_now_ns() - c->stage_start_ns;
		msg.errnum = r < 0 ? err.errnum : 0;
		msg.exit_status = !c->exec_attempted ? BARCO_EXIT_BARCO
						     : barco_exec_status_for_errno(err.errnum);
		(void)snprintf(msg.error, sizeof(msg.error), "%s", r < 0 ? err.msg : "");
		send_done(c, &msg);
		if (r < 0)
			_exit(msg.exit_status);
	}
}

/*
 * The container process keeps stdio, its end of the socket and the rootfs:
 * none of the runner's descriptors (the signalfd, a step monitor's
 * listening socket and its clients) may live on in it. The state lock
 * neither, but for `barco create`: there the init holds it (the same open
 * file description as the runner's flock) until execve closes it, so the
 * created container stays claimed once create has exited. Its command has
 * not run yet; only barco's code has the descriptor.
 */
static void keep_only_container_fds(const struct barco_container *c, int sock)
{
	int keep[5] = {sock, c->rootfs_fd, c->exec_fifo_fd,
		       c->cfg->is_oci_create ? c->state_dir_fd : -1, c->idmapped_fd};
	int next = 3; /* stdio stays, whatever numbers the kept ones have */

	/* In increasing order (-1, none, sorts first and is skipped). */
	for (size_t i = 1; i < ARRAY_LEN(keep); i++)
		for (size_t j = i; j > 0 && keep[j] < keep[j - 1]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	/* Close the gaps around the kept descriptors (close_range(2)). */
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		if (keep[i] < next)
			continue;
		if (keep[i] > next)
			(void)close_range((unsigned)next, (unsigned)keep[i] - 1, 0);
		next = keep[i] + 1;
	}
	(void)close_range((unsigned)next, ~0U, 0);
}

/*
 * The child, like fork(2) but in a new user namespace: into the cgroup2
 * directory at once when there is one and the kernel can, else by a plain
 * clone(2) that the cgroups stage's cgroup.procs writes then move.
 */
static pid_t clone_child(struct barco_container *c, unsigned long ns_flags,
			 struct barco_report *rep, struct barco_err *err)
{
	const char *ns = ns_flags & CLONE_NEWUSER ? "CLONE_NEWUSER|" : "";
	const char *dir = c->cgroup.unified_path;
	cleanup_close int cgroup_fd = -1;
	pid_t pid;

	c->is_in_cgroup2 = false;
	if (dir[0] && (cgroup_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		pid = barco_cgroup_clone_into(ns_flags, cgroup_fd);
		if (pid > 0) {
			c->is_in_cgroup2 = true;
			barco_report_add(
				rep,
				"clone3(%sCLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup %s) = %d",
				ns, dir, (int)pid);
		}
		if (pid >= 0)
			return pid;
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return barco_err_errno(err, "clone3(%sCLONE_INTO_CGROUP) into %s", ns, dir);
		barco_report_add(rep,
				 "clone3(CLONE_INTO_CGROUP) = -1 %s: clone(2), then cgroup.procs",
				 strerrorname_np(errno));
	}
	pid = (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		return barco_err_errno(err, "clone(%sSIGCHLD)", ns);
	if (pid > 0)
		barco_report_add(rep, "clone(%sSIGCHLD) = %d", ns, (int)pid);
	return pid;
}

int barco_runner_clone(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
{
	unsigned long ns_flags = c->cfg->is_userns_host ? 0 : CLONE_NEWUSER;
	int one = 1;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return barco_err_errno(err, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		barco_err_errno(err, "setsockopt(SO_PASSCRED)");
		goto fail;
	}
	barco_report_add(rep, "socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC) = [%d, %d]", sv[0],
			 sv[1]);
	if (barco_cgroup_join_open(&c->cgroup, &c->cgroup_join, err) < 0)
		goto fail;
	pid = clone_child(c, ns_flags, rep, err);
	if (pid == 0)
		barco_cgroup_join_self(&c->cgroup_join);
	else
		barco_cgroup_join_close(&c->cgroup_join);
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		keep_only_container_fds(c, sv[1]);
		if (!c->cfg->is_oci_create)
			c->state_dir_fd = -1;
		c->signal_fd = c->tty_fd = -1;
		c->sock = sv[1];
		c->is_container = true;
		child_loop(c);
	}
	(void)close(sv[1]);
	c->sock = sv[0];
	c->pid = c->first_pid = pid;
	return 0;
fail:
	(void)close(sv[0]);
	(void)close(sv[1]);
	return -1;
}

/* A terminating signal arrived while stages ran: abort the container. */
static int check_signals(struct barco_container *c, struct barco_err *err)
{
	struct signalfd_siginfo si;

	while (read(c->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo != SIGCHLD) {
			c->exit_status = 128 + (int)si.ssi_signo;
			return barco_err_set(err, 0, "interrupted by SIG%s",
					     sigabbrev_np((int)si.ssi_signo));
		}
	return 0;
}

/* Waits until the socket is readable, or a signal aborts everything. */
static int wait_readable(struct barco_container *c, struct barco_err *err)
{
	struct pollfd pfd[2] = {{.fd = c->sock, .events = POLLIN},
				{.fd = c->signal_fd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return barco_err_errno(err, "poll");
		if (pfd[1].revents && check_signals(c, err) < 0)
			return -1;
		if (pfd[0].revents)
			return 0;
	}
}

/*
 * The container loaded a profile that notifies and sent its listener
 * before anything else: the agent gets it now, while the container goes
 * on (a notified call of barco's own code then waits for the agent).
 */
static int pass_listener(struct barco_container *c, pid_t sender, int *listener,
			 struct barco_report *rep, struct barco_err *err)
{
	int r;

	if (*listener < 0)
		return barco_err_set(err, EPROTO, "a seccomp listener message without its fd");
	r = barco_seccomp_agent_send(c->cfg, sender, sender, "creating", *listener, rep, err);
	barco_close_fd(listener);
	return r;
}

/*
 * Receives the container's answer for stage, handing on the seccomp
 * listener that may come first. Returns 1 at end of file: its end of the
 * socket is close-on-exec.
 */
static int wait_done(struct barco_container *c, enum barco_stage stage, struct barco_msg *msg,
		     struct barco_err *err)
{
	struct barco_report agent = {0};
	pid_t sender = 0;
	int fd = -1;
	ssize_t n;

	for (;;) {
		if (wait_readable(c, err) < 0)
			return -1;
		/* The namespaces stage's answer carries the namespaces for slirp4netns. */
		if (stage == BARCO_STAGE_NAMESPACES)
			n = recv_msg_fds(c->sock, msg, &sender, c->net_ns_fds, 2);
		else
			n = recv_msg_fds(c->sock, msg, &sender, &fd, 1);
		if (n <= 0 || msg->type != BARCO_MSG_LISTENER)
			break;
		if (pass_listener(c, sender, &fd, &agent, err) < 0)
			return -1;
	}
	/* The exec stage's answer may carry the console's master (terminal: true). */
	if (stage == BARCO_STAGE_EXEC && fd >= 0)
		c->pty_master = fd;
	else
		barco_close_fd(&fd);
	/*
	 * A container that stops with CONTINUEs still unread (sent ahead by
	 * send_continues_ahead) resets the connection, and Linux 6.1 reports
	 * the reset before the answer the container queued first. Reporting
	 * it clears it: the answer is read next.
	 */
	if (n < 0 && errno == ECONNRESET)
		n = recv_msg(c->sock, msg, &sender, NULL);
	if (n < 0)
		return barco_err_errno(err, "receive from the container");
	if (n == 0)
		return 1; /* end of file: the container exec'd (or died) */
	if (msg->type != BARCO_MSG_DONE || msg->stage != (uint32_t)stage)
		return barco_err_set(err, EPROTO, "unexpected message %u for stage %u", msg->type,
				     msg->stage);
	if (msg->error[0]) {
		c->exit_status = msg->exit_status;
		return barco_err_set(err, msg->errnum, "%s", msg->error);
	}
	barco_report_append(&msg->report, &agent);
	if (sender > 0 && sender != c->pid) {
		barco_report_add(&msg->report, "the container process is now pid %d on the host",
				 (int)sender);
		c->pid = sender;
	}
	return 0;
}

static int send_continue(struct barco_container *c, enum barco_stage stage, struct barco_err *err)
{
	struct barco_msg msg;

	memset(&msg, 0, offsetof(struct barco_msg, report));
	msg.type = BARCO_MSG_CONTINUE;
	msg.stage = stage;
	barco_report_clear(&msg.report);
	/* At exec, the terminal of whoever asked for it (barco step) goes along. */
	if (send_msg(c->sock, &msg, c->stdio_fds,
		     stage == BARCO_STAGE_EXEC && c->stdio_fds[0] >= 0 ? BARCO_STDIO_FDS : 0,
		     err) < 0)
		return -1;
	c->continued = stage + 1;
	return 0;
}

/*
 * Nothing pauses a `barco run`: rather than one round trip per stage, the
 * CONTINUEs of the stages from c->next on that are the container's alone
 * (no runner part, or one with nothing to do for this container: see
 * is_parent_idle) go out together. The container works through them in order, answering
 * DONE after each, and the runner reads those answers in order as before;
 * an error stops the container, which drops the rest unread. Exec is never
 * sent ahead: its report must be out before the command runs.
 */
static void send_continues_ahead(struct barco_container *c, enum barco_stage until)
{
	struct barco_err err = {0};

	for (enum barco_stage s = c->next; s <= until && s < BARCO_STAGE_EXEC; s++) {
		const struct barco_stage_def *def = &c->stages[s];

		if (!def->child || fault_at(def, "parent"))
			break;
		if (def->parent && !(def->is_parent_idle && def->is_parent_idle(c)))
			break;
		/*
		 * A container that already failed has closed its end: its
		 * answer is waiting, and says more than this send's EPIPE.
		 */
		if (s >= c->continued && send_continue(c, s, &err) < 0)
			break;
	}
}

/*
 * The container process hung up before it answered: it is gone. Says how
 * it ended, and when the OOM killer of its cgroup killed it, that the
 * memory limit is too low (a limit below what one process needs kills it
 * as soon as it is charged, as runc's "unable to set memory limit" says).
 */
static int container_died(struct barco_container *c, struct barco_err *err)
{
	const char *what = "the container process died";
	uint64_t limit = c->cfg->memory_max_bytes;
	bool is_reaped = false;
	int ws = 0;

	for (int i = 0; i < 100 && !(is_reaped = barco_runner_reap(c, &ws)); i++)
		(void)usleep(10 * 1000);
	if (!is_reaped)
		return barco_err_set(err, 0, "%s", what);
	if (!WIFSIGNALED(ws))
		return barco_err_set(err, 0, "%s (exit status %d)", what, WEXITSTATUS(ws));
	if (WTERMSIG(ws) == SIGKILL && barco_cgroup_oom_kills(&c->cgroup) > 0 && limit > 0)
		return barco_err_set(err, 0,
				     "%s: the OOM killer of its cgroup killed it; the memory limit "
				     "(%llu bytes) is too low",
				     what, (unsigned long long)limit);
	return barco_err_set(err, 0, "%s (killed by SIG%s)", what, sigabbrev_np(WTERMSIG(ws)));
}

/*
 * Runs the runner's part of a stage, has the container run its part, and
 * sets *ret_ns to the time the two parts took (the messages in between
 * are not the stage's).
 */
static int run_stage(struct barco_container *c, const struct barco_stage_def *def,
		     enum barco_stage until, struct barco_report *rep, uint64_t *ret_ns,
		     struct barco_err *err)
{
	uint64_t start = barco_now_ns();
	struct barco_msg msg;
	int r;

	if (fault_at(def, "parent"))
		return injected(def, err);
	if (def->parent && def->parent(c, rep, err) < 0)
		return -1;
	*ret_ns = barco_now_ns() - start;
	if (!def->child)
		return 0;
	if (def->stage >= c->continued && send_continue(c, def->stage, err) < 0)
		return -1;
	if (!c->is_stepped)
		send_continues_ahead(c, until);
	memset(&msg, 0, offsetof(struct barco_msg, report));
	r = wait_done(c, def->stage, &msg, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return container_died(c, err);
	barco_report_append(rep, &msg.report);
	*ret_ns += msg.duration_ns;
	return 0;
}

/*
 * The exec stage has reported (and the report is out) while the container
 * waits at the last step before execve: let it go. End of file on the
 * close-on-exec socket means execve succeeded; an answer means it failed.
 */
static int start_command(struct barco_container *c, struct barco_err *err)
{
	struct barco_msg msg;

	memset(&msg, 0, offsetof(struct barco_msg, report));
	msg.type = BARCO_MSG_CONTINUE;
	msg.stage = BARCO_STAGE_EXEC;
	barco_report_clear(&msg.report);
	if (send_msg(c->sock, &msg, NULL, 0, err) < 0)
		return -1;
	if (fault_at(&c->stages[BARCO_STAGE_EXEC], "late"))
		(void)usleep(200 * 1000);
	return wait_done(c, BARCO_STAGE_EXEC, &msg, err) < 0 ? -1 : 0;
}

int barco_runner_child_ready(struct barco_container *c, const struct barco_report *rep,
			     struct barco_err *err)
{
	struct barco_msg msg;

	memset(&msg, 0, offsetof(struct barco_msg, report));
	msg.type = BARCO_MSG_DONE;
	msg.stage = BARCO_STAGE_EXEC;
	msg.duration_ns = barco_now_ns() - c->stage_start_ns;
	msg.report = *rep;
	if (send_msg(c->sock, &msg, c->pty_master >= 0 ? &c->pty_master : NULL,
		     c->pty_master >= 0 ? 1 : 0, err) < 0)
		return -1;
	if (recv_msg(c->sock, &msg, NULL, NULL) <= 0 || msg.type != BARCO_MSG_CONTINUE)
		return barco_err_set(err, 0, "barco exited before the command started");
	return 0;
}

int barco_runner_child_send_listener(struct barco_container *c, int *listener,
				     struct barco_err *err)
{
	struct barco_msg msg;
	int r;

	memset(&msg, 0, offsetof(struct barco_msg, report));
	msg.type = BARCO_MSG_LISTENER;
	barco_report_clear(&msg.report);
	r = send_msg(c->sock, &msg, listener, 1, err);
	/* The container must not keep it: it could answer its own notified calls. */
	barco_close_fd(listener);
	return r;
}

int barco_container_save_state(struct barco_container *c, const char *stage, struct barco_err *err)
{
	struct barco_state st = {.pid = c->pid, .runner_pid = getpid(), .created = c->created};

	(void)snprintf(st.name, sizeof(st.name), "%s", c->cfg->name);
	(void)snprintf(st.stage, sizeof(st.stage), "%s", stage);
	(void)snprintf(st.rootfs, sizeof(st.rootfs), "%s", c->cfg->rootfs);
	if (barco_state_write(c->state_dir_fd, &st, err) < 0)
		return -1;
	/* The pid changes twice (userns, namespaces): the file is rewritten then only. */
	if (c->pid == c->pid_file_pid)
		return 0;
	if (barco_state_write_pid(c->state_dir_fd, c->cfg->name, c->pid, err) < 0)
		return -1;
	c->pid_file_pid = c->pid;
	return 0;
}

int barco_runner_advance(struct barco_container *c, enum barco_stage until, barco_stage_cb cb,
			 void *data, struct barco_err *err)
{
	struct barco_report rep;

	for (; c->next <= until && c->next < BARCO_STAGE_COUNT; c->next++) {
		const struct barco_stage_def *def = &c->stages[c->next];
		uint64_t duration_ns = 0;

		barco_report_clear(&rep);
		if (run_stage(c, def, until, &rep, &duration_ns, err) < 0)
			return barco_err_wrap(err, "stage %s", def->name);
		/*
		 * A paused container's state must say where it is; barco run
		 * writes it once, when the pid is final (on an ext4 /run each
		 * rewrite costs a flush).
		 */
		if ((c->is_stepped || def->stage == BARCO_STAGE_EXEC) &&
		    barco_container_save_state(c, def->name, err) < 0)
			return barco_err_wrap(err, "stage %s: state", def->name);
		if (cb)
			cb(c, def->stage, &rep, duration_ns, data);
		/* Only now, with its report out, may the command run and print. */
		if (def->stage == BARCO_STAGE_EXEC && start_command(c, err) < 0)
			return barco_err_wrap(err, "stage %s", def->name);
		if (fault_at(def, "kill"))
			(void)raise(SIGKILL);
	}
	return 0;
}

bool barco_runner_reap(struct barco_container *c, int *ret_wstatus)
{
	bool done = false;
	int ws;
	pid_t p;

	/* As a child subreaper, the runner also reaps the process that forked pid 1. */
	while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
		if (p == c->pid) {
			*ret_wstatus = ws;
			c->pid = 0;
			done = true;
		}
		if (p == c->first_pid)
			c->first_pid = 0;
	}
	return done;
}

bool barco_runner_is_stop_signal(int signo)
{
	return signo != SIGCHLD && signo != SIGWINCH;
}

/* Forwards what the signalfd holds; SIGWINCH resizes the -t pty instead. */
static void forward_signals(struct barco_container *c, const struct barco_relay *relay)
{
	struct signalfd_siginfo si;

	while (read(c->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			barco_relay_resize(relay);
		if (!barco_runner_is_stop_signal((int)si.ssi_signo) || c->pid <= 0)
			continue;
		log_debug("forwarding SIG%s to %d", sigabbrev_np((int)si.ssi_signo), (int)c->pid);
		(void)kill(c->pid, (int)si.ssi_signo);
	}
}

int barco_runner_wait(struct barco_container *c, int *ret_status, struct barco_err *err)
{
	struct barco_relay relay = {.master = -1};
	int wstatus = 0;

	if (c->next != BARCO_STAGE_COUNT)
		return barco_err_set(err, EINVAL, "the container has not reached exec");
	if (c->pty_master >= 0 && barco_relay_start(&relay, c->pty_master, err) < 0)
		return -1;
	while (!barco_runner_reap(c, &wstatus)) {
		struct pollfd pfds[3] = {{.fd = c->signal_fd, .events = POLLIN}};
		int n = 1 + barco_relay_poll_fds(&relay, pfds + 1);

		if (poll(pfds, (nfds_t)n, -1) < 0 && errno != EINTR) {
			barco_relay_stop(&relay);
			return barco_err_errno(err, "poll signalfd");
		}
		barco_relay_pump(&relay, pfds + 1, n - 1);
		if (relay.is_hung_up && c->pty_master >= 0) {
			/* As a terminal emulator closing: the command's reads of its terminal end.
			 */
			log_debug("barco's terminal hung up: closing the pty master");
			(void)close(c->pty_master);
			c->pty_master = relay.master = -1;
		}
		forward_signals(c, &relay);
	}
	barco_relay_stop(&relay);
	*ret_status = barco_exit_status_from_wait(wstatus);
	return 0;
}

/* The terminal, when barco is its foreground job: the container will be. */
static void find_foreground_tty(struct barco_container *c)
{
	c->tty_fd = -1;
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	c->tty_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	c->tty_saved_pgrp = getpgrp();
}

static int block_signals(struct barco_container *c, struct barco_err *err)
{
	sigset_t set;

	(void)sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_LEN(runner_signals); i++)
		(void)sigaddset(&set, runner_signals[i]);
	/* Ignored by default, so blocking it changes nothing unless -t relays it. */
	(void)sigaddset(&set, SIGWINCH);
	/* tcsetpgrp from a background group raises SIGTTOU unless blocked (tcsetpgrp(3)). */
	(void)sigaddset(&set, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &set, &c->saved_mask) < 0)
		return barco_err_errno(err, "sigprocmask");
	(void)sigdelset(&set, SIGTTOU);
	c->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->signal_fd < 0)
		return barco_err_errno(err, "signalfd");
	return 0;
}

/*
 * runc's way to hold a created container before execve: its init opens
 * this fifo for writing, which blocks until `start` opens it for reading.
 * Mode 0622: the init may be an unmapped uid on the host.
 */
static int open_exec_fifo(struct barco_container *c, struct barco_err *err)
{
	if (mkfifoat(c->state_dir_fd, "exec.fifo", 0600) < 0 ||
	    fchmodat(c->state_dir_fd, "exec.fifo", 0622, 0) < 0)
		return barco_err_errno(err, "mkfifo %s/%s/exec.fifo", BARCO_RUN_DIR, c->cfg->name);
	c->exec_fifo_fd = openat(c->state_dir_fd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (c->exec_fifo_fd < 0)
		return barco_err_errno(err, "open %s/%s/exec.fifo", BARCO_RUN_DIR, c->cfg->name);
	return 0;
}

int barco_container_open(struct barco_container *c, const struct barco_config *cfg,
			 const struct barco_stage_def *stages, struct barco_err *err)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->stages = stages;
	c->sock = c->state_dir_fd = c->signal_fd = c->tty_fd = c->rootfs_fd = c->idmapped_fd = -1;
	c->exec_fifo_fd = c->pty_master = c->pty_slave = -1;
	c->net_ns_fds[0] = c->net_ns_fds[1] = -1;
	barco_slirp_init(&c->slirp);
	c->pid_file_pid = -1;
	c->created = (long long)time(NULL);
	for (int i = 0; i < BARCO_STDIO_FDS; i++)
		c->stdio_fds[i] = -1;
	c->exit_status = BARCO_EXIT_BARCO;
	c->has_time_ns = barco_ns_has_time();
	if (barco_caps_last_cap(&c->last_cap, err) < 0)
		return -1;
	c->caps_keep = cfg->has_caps_exact
			       ? cfg->caps_exact & barco_caps_compute(~0ULL, 0, c->last_cap)
			       : barco_caps_compute(cfg->caps_add, cfg->caps_drop, c->last_cap);
	if (barco_cgroup_layout_detect(&c->layout, err) < 0)
		return -1;
	c->rootfs_fd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfs_fd < 0)
		return barco_err_errno(err, "open rootfs %s", cfg->rootfs);
	barco_state_reclaim_all(&c->layout);
	if (barco_state_claim(cfg->name, &c->layout, &c->state_dir_fd, err) < 0) {
		barco_container_close(c);
		return -1;
	}
	if ((cfg->is_oci_create && open_exec_fifo(c, err) < 0) || block_signals(c, err) < 0) {
		barco_container_close(c);
		return -1;
	}
	/* Orphans of the container (the process that forks pid 1) come back to us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		barco_err_errno(err, "prctl(PR_SET_CHILD_SUBREAPER)");
		barco_container_close(c);
		return -1;
	}
	find_foreground_tty(c);
	return 0;
}

static void kill_and_reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	barco_killpidp(pid);
	*pid = 0;
}

void barco_container_detach(struct barco_container *c)
{
	int *fds[] = {&c->sock,	      &c->rootfs_fd,   &c->exec_fifo_fd,  &c->state_dir_fd,
		      &c->pty_master, &c->idmapped_fd, &c->net_ns_fds[0], &c->net_ns_fds[1]};

	/* The process that forked pid 1 was reaped at the exec stage; pid 1 is left running. */
	c->pid = c->first_pid = 0;
	for (size_t i = 0; i < ARRAY_LEN(fds); i++)
		barco_close_fd(fds[i]);
	if (c->signal_fd >= 0) {
		barco_close_fd(&c->signal_fd);
		(void)sigprocmask(SIG_SETMASK, &c->saved_mask, NULL);
	}
}

void barco_container_close(struct barco_container *c)
{
	struct barco_err err;

	if (c->is_container)
		return;
	kill_and_reap(&c->pid);
	kill_and_reap(&c->first_pid);
	if (c->tty_fd >= 0) {
		(void)tcsetpgrp(c->tty_fd, c->tty_saved_pgrp);
		barco_close_fd(&c->tty_fd);
	}
	if (barco_cgroup_destroy(&c->cgroup, &err) < 0)
		log_warn("removing the cgroups of %s: %s", c->cfg->name, err.msg);
	/* After the container: slirp4netns ends with it. */
	if (c->slirp.pid > 0)
		barco_net_slirp_stop(&c->slirp);
	if (c->cfg->net_mode == BARCO_NET_SLIRP || c->cfg->net_mode == BARCO_NET_BRIDGE)
		barco_net_names_remove(c->state_dir_fd, barco_state_is_live, NULL);
	if (c->cfg->net_mode == BARCO_NET_BRIDGE && c->state_dir_fd >= 0 &&
	    barco_net_bridge_release(c->cfg->name, BARCO_NET_LEASES, c->state_dir_fd, NULL, &err) <
		    0)
		log_warn("removing the network of %s: %s", c->cfg->name, err.msg);
	if (c->state_dir_fd >= 0) {
		barco_state_release(c->cfg->name, c->state_dir_fd);
		c->state_dir_fd = -1;
	}
	for (int i = 0; i < BARCO_STDIO_FDS; i++)
		barco_close_fd(&c->stdio_fds[i]);
	/* The rest is what detaching closes too: the socket, the fds, the signal mask. */
	barco_container_detach(c);
}
