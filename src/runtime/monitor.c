/*
 * The step monitor. It is the runner of a paused container: the same
 * barco_runner_advance() that `barco run` uses, driven by requests from
 * `barco step` clients instead of a loop to the end.
 */
#include "runtime/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/lesson_skip.h"
#include "runtime/stage.h"
#include "stages/exec.h"
#include "base/log.h"
#include "runtime/runner.h"
#include "base/sock.h"
#include "runtime/state.h"

struct monitor {
	struct barco_container c;
	int listen_fd;
	int exec_client; /* the client whose terminal the command runs on, or -1 */
};

void barco_monitor_socket_path(const char *name, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s/%s/%s", BARCO_RUN_DIR, name, BARCO_CTL_SOCK);
}

/* How long a connected client has to send its request. */
static const struct timeval request_timeout = {.tv_sec = 5};

static void send_ctl(int fd, struct barco_ctl_msg *msg)
{
	struct barco_err err;

	/* A client that went away is not the container's problem. */
	if (barco_sock_send(fd, msg,
			    offsetof(struct barco_ctl_msg, report.text) + msg->report.len + 1, NULL,
			    0, &err) < 0)
		log_debug("reply to a client: %s", err.msg);
}

static void send_simple(int fd, enum barco_ctl_type type, uint32_t stage, int status,
			const char *error)
{
	struct barco_ctl_msg msg;

	memset(&msg, 0, offsetof(struct barco_ctl_msg, report));
	msg.type = type;
	msg.stage = stage;
	msg.status = status;
	(void)snprintf(msg.error, sizeof(msg.error), "%.*s", (int)sizeof(msg.error) - 1,
		       error ? error : "");
	barco_report_clear(&msg.report);
	send_ctl(fd, &msg);
}

/* Ends the monitor: tells the attached client, releases everything. */
static _Noreturn void finish(struct monitor *m, enum barco_ctl_type type, int status)
{
	if (m->exec_client >= 0)
		send_simple(m->exec_client, type, BARCO_STAGE_EXEC, status, NULL);
	barco_container_close(&m->c);
	_exit(0);
}

/* Ends the monitor if the command has exited; otherwise does nothing. */
static void finish_if_exited(struct monitor *m)
{
	int wstatus;

	if (barco_runner_reap(&m->c, &wstatus))
		finish(m, BARCO_CTL_EXITED, barco_exit_status_from_wait(wstatus));
}

/*
 * The command is about to print on the client's terminal: wait until the
 * client has printed the exec report (or gone away, or 10 s passed).
 */
static void wait_ack(int client)
{
	struct pollfd pfd = {.fd = client, .events = POLLIN};
	struct barco_ctl_msg msg;

	if (poll(&pfd, 1, 10000) > 0)
		(void)barco_sock_recv(client, &msg, sizeof(msg), NULL, NULL, 0);
}

static void report_stage(const struct barco_container *c, enum barco_stage stage,
			 const struct barco_report *rep, uint64_t duration_ns, void *data)
{
	struct barco_ctl_msg msg;

	memset(&msg, 0, offsetof(struct barco_ctl_msg, report));
	msg.type = BARCO_CTL_REPORT;
	msg.stage = stage;
	msg.pid = (int32_t)c->pid;
	msg.duration_ns = duration_ns;
	msg.report = *rep;
	send_ctl(*(const int *)data, &msg);
	if (stage == BARCO_STAGE_EXEC)
		wait_ack(*(const int *)data);
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		barco_close_fd(&fds[i]);
}

static void advance(struct monitor *m, int client, uint32_t requested, int *fds)
{
	struct barco_container *c = &m->c;
	enum barco_stage until =
		requested == BARCO_CTL_NEXT_STAGE ? c->next : (enum barco_stage)requested;
	struct barco_err err = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];

	if (m->exec_client >= 0 || until >= BARCO_STAGE_COUNT || until < c->next) {
		if (m->exec_client >= 0)
			(void)snprintf(msg, sizeof(msg), "busy: its command is already running");
		else if (until >= BARCO_STAGE_COUNT)
			(void)snprintf(msg, sizeof(msg), "no stage %u", (unsigned)until);
		else
			(void)snprintf(msg, sizeof(msg),
				       "stage %s is done already (stages only go forward; the next "
				       "one is %s)",
				       barco_stage_get(until)->name,
				       barco_stage_get(c->next)->name);
		send_simple(client, BARCO_CTL_ERROR, c->next, BARCO_EXIT_BARCO, msg);
		close_fds(fds, BARCO_STDIO_FDS);
		return;
	}
	if (until == BARCO_STAGE_EXEC)
		memcpy(c->stdio_fds, fds, sizeof(c->stdio_fds));
	else
		close_fds(fds, BARCO_STDIO_FDS);
	if (barco_runner_advance(c, until, report_stage, &client, &err) < 0) {
		send_simple(client, BARCO_CTL_ERROR, c->next, c->exit_status,
			    barco_err_str(&err, msg, sizeof(msg)));
		finish(m, BARCO_CTL_ERROR, c->exit_status);
	}
	close_fds(c->stdio_fds, BARCO_STDIO_FDS); /* the command has them now */
	if (c->next == BARCO_STAGE_COUNT) {
		m->exec_client = dup(client); /* told the status when the command exits */
		/*
		 * While the runner waited for the exec, it read (and dropped) the
		 * signalfd's SIGCHLDs: a command that has already exited sends no
		 * other, so look now rather than wait for one.
		 */
		finish_if_exited(m);
		return;
	}
	send_simple(client, BARCO_CTL_PAUSED, c->next, 0, NULL);
}

static void handle_client(struct monitor *m)
{
	cleanup_close int client = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct barco_ctl_msg msg;
	int fds[BARCO_STDIO_FDS] = {-1, -1, -1};
	ssize_t n;

	if (client < 0)
		return;
	/*
	 * The monitor serves one client at a time: one that connects and
	 * never asks must not hold the container (and every other client)
	 * forever. A request is a single message sent right after connect.
	 */
	if (setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &request_timeout, sizeof(request_timeout)) <
	    0)
		return;
	n = barco_sock_recv(client, &msg, sizeof(msg), NULL, fds, BARCO_STDIO_FDS);
	if (n < (ssize_t)offsetof(struct barco_ctl_msg, report)) {
		close_fds(fds, BARCO_STDIO_FDS);
		return;
	}
	if (msg.type == BARCO_CTL_DELETE) {
		close_fds(fds, BARCO_STDIO_FDS);
		barco_container_close(&m->c);
		send_simple(client, BARCO_CTL_DELETED, 0, 0, NULL);
		finish(m, BARCO_CTL_EXITED, 128 + SIGKILL);
	}
	if (msg.type == BARCO_CTL_ADVANCE)
		advance(m, client, msg.stage, fds);
	else
		close_fds(fds, BARCO_STDIO_FDS);
}

static void handle_signals(struct monitor *m)
{
	struct signalfd_siginfo si;

	while (read(m->c.signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (barco_runner_is_stop_signal((int)si.ssi_signo))
			finish(m, BARCO_CTL_EXITED, 128 + (int)si.ssi_signo);
		finish_if_exited(m);
	}
}

static _Noreturn void serve(struct monitor *m)
{
	for (;;) {
		struct pollfd pfd[2] = {{.fd = m->listen_fd, .events = POLLIN},
					{.fd = m->c.signal_fd, .events = POLLIN}};

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			finish(m, BARCO_CTL_ERROR, BARCO_EXIT_BARCO);
		if (pfd[1].revents)
			handle_signals(m);
		if (pfd[0].revents)
			handle_client(m);
	}
}

/* A socket for the monitor of name, and its address. */
static int monitor_socket(const char *name, struct sockaddr_un *addr, struct barco_err *err)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return barco_err_errno(err, "socket(AF_UNIX, SOCK_SEQPACKET)");
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	barco_monitor_socket_path(name, addr->sun_path, sizeof(addr->sun_path));
	return fd;
}

int barco_monitor_connect(const char *name, struct barco_err *err)
{
	struct sockaddr_un addr;
	cleanup_close int fd = monitor_socket(name, &addr, err);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return barco_err_errno(err, "connect %s", addr.sun_path);
	return steal_fd(&fd);
}

static int listen_on(const char *name, struct barco_err *err)
{
	struct sockaddr_un addr;
	cleanup_close int fd = monitor_socket(name, &addr, err);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return barco_err_errno(err, "bind %s", addr.sun_path);
	if (listen(fd, 16) < 0)
		return barco_err_errno(err, "listen %s", addr.sun_path);
	return steal_fd(&fd);
}

/* Detaches from the caller: own session, no terminal, no inherited pipes. */
static void detach(int keep_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)setsid();
	for (int i = 0; i < 3 && null >= 0; i++)
		(void)dup2(null, i);
	/* The caller's pipes (a test's captured stdout) must not stay open here. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep_fd)
			(void)close(fd);
}

static _Noreturn void monitor_main(const struct barco_config *cfg, int ready_fd)
{
	static struct monitor m;
	struct barco_stage_def skip_table[BARCO_STAGE_COUNT];
	struct barco_err err = {0};

	detach(ready_fd);
	m.exec_client = -1;
	if (barco_container_open(&m.c, cfg, barco_lesson_skip_table(cfg, skip_table), &err) < 0)
		goto fail;
	m.c.is_stepped = true;
	if (barco_container_save_state(&m.c, "created", &err) < 0) {
		barco_container_close(&m.c);
		goto fail;
	}
	m.listen_fd = listen_on(cfg->name, &err);
	if (m.listen_fd < 0) {
		barco_container_close(&m.c);
		goto fail;
	}
	(void)!write(ready_fd, "", 1);
	(void)close(ready_fd);
	serve(&m);
fail:
	(void)!write(ready_fd, &err, sizeof(err));
	_exit(BARCO_EXIT_BARCO);
}

int barco_monitor_start(const struct barco_config *cfg, pid_t *ret_pid, struct barco_err *err)
{
	int pipefd[2];
	struct barco_err child_err;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return barco_err_errno(err, "pipe");
	pid = fork();
	if (pid < 0) {
		barco_err_errno(err, "fork the monitor");
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		monitor_main(cfg, pipefd[1]);
	(void)close(pipefd[1]);
	do
		n = read(pipefd[0], &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	(void)close(pipefd[0]);
	if (n == 1) {
		*ret_pid = pid;
		return 0;
	}
	(void)waitpid(pid, NULL, 0);
	if (n == (ssize_t)sizeof(child_err)) {
		*err = child_err;
		return -1;
	}
	return barco_err_set(err, 0, "the monitor died while starting");
}
