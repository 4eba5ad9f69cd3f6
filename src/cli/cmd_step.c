/*
 * barco step: the stages one at a time. Creating a container forks the
 * monitor (monitor.c) and then advances it like any later client; -i runs
 * the same runner in the foreground and waits for Enter between stages.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/step_diff.h"
#include "runtime/lesson_skip.h"
#include "runtime/stage.h"
#include "base/exit_status.h"
#include "runtime/explain.h"
#include "runtime/oci_lifecycle.h"
#include "runtime/monitor.h"
#include "base/parse.h"
#include "base/sock.h"
#include "runtime/state.h"

/* What a client needs to print reports. */
struct step_client {
	const char *name;
	bool is_json;
	struct barco_cgroup cgroup; /* paths, for the "look" commands */
	pid_t pid;
	int last_stage;		      /* -1 before the first report */
	struct barco_step_diff *diff; /* --diff: the snapshot to compare with; else NULL */
	uint32_t until;		      /* the stage asked for, or BARCO_CTL_NEXT_STAGE */
	bool is_paused;		      /* the last request ended paused */
};

static void print_view(struct step_client *sc, enum barco_stage stage, pid_t pid,
		       uint64_t duration_ns, const char *what)
{
	struct barco_stage_view v = {
		.name = sc->name,
		.stage = stage,
		.pid = pid,
		.duration_ns = duration_ns,
		.what = what,
		.cgroup = &sc->cgroup,
	};

	barco_explain_print(stdout, &v, sc->is_json);
	if (sc->diff)
		barco_step_diff_print(stdout, sc->diff, sc->name, stage, pid, sc->is_json);
	(void)fflush(stdout);
}

static void print_paused(const struct step_client *sc, uint32_t next)
{
	const char *done = sc->last_stage >= 0 ? barco_stage_get(sc->last_stage)->name : "nothing";
	const char *next_name = barco_stage_get((enum barco_stage)next)->name;

	if (sc->is_json) {
		printf("{\"type\":\"paused\",\"container\":\"%s\",\"after\":\"%s\",\"next\":\"%s\","
		       "\"pid\":%d}\n",
		       sc->name, done, next_name, (int)sc->pid);
		return;
	}
	printf("\npaused %s after %s (pid %d); next stage: %s\n", sc->name, done, (int)sc->pid,
	       next_name);
	printf("  barco step %s                  # run %s\n", sc->name, next_name);
	printf("  barco step %s --until=exec     # run the rest and the command\n", sc->name);
	printf("  barco delete %s                # stop it and clean up\n", sc->name);
}

static int connect_monitor(const char *name, struct barco_err *err)
{
	int fd = barco_monitor_connect(name, err);

	if (fd >= 0)
		return fd;
	if (err->errnum == ENOENT && barco_state_is_live(name))
		return barco_err_set(err, 0,
				     "container '%s' has no step monitor (it was started by 'barco "
				     "run' or 'barco step -i'); 'barco delete %s' stops it",
				     name, name);
	return barco_err_set(err, 0,
			     "the monitor of '%s' is gone (was it killed?): run 'barco delete %s' "
			     "to clean up",
			     name, name);
}

/* Signals for the client while the command runs on its terminal: passed on. */
static int block_forwarded_signals(sigset_t *saved)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t set;

	(void)sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		(void)sigaddset(&set, sigs[i]);
	(void)sigprocmask(SIG_BLOCK, &set, saved);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void forward_signals(int sigfd, pid_t pid)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (pid > 0)
			(void)kill(pid, (int)si.ssi_signo);
}

static void send_ack(int fd)
{
	struct barco_ctl_msg msg;
	struct barco_err err;

	memset(&msg, 0, offsetof(struct barco_ctl_msg, report));
	msg.type = BARCO_CTL_ACK;
	barco_report_clear(&msg.report);
	if (barco_sock_send(fd, &msg, offsetof(struct barco_ctl_msg, report.text) + 1, NULL, 0,
			    &err) < 0)
		return; /* the monitor goes on after a timeout */
}

/* One message from the monitor; returns -1 to go on, else the exit status. */
static int handle_reply(struct step_client *sc, int fd, const struct barco_ctl_msg *msg)
{
	struct barco_err err = {0};

	switch (msg->type) {
	case BARCO_CTL_REPORT:
		sc->pid = msg->pid;
		sc->last_stage = (int)msg->stage;
		print_view(sc, (enum barco_stage)msg->stage, msg->pid, msg->duration_ns,
			   msg->report.text);
		/* The command prints on our terminal next: only after its report. */
		if (msg->stage == BARCO_STAGE_EXEC)
			send_ack(fd);
		return -1;
	case BARCO_CTL_PAUSED:
		sc->is_paused = true;
		/* --diff asks for one stage at a time: paused is news after the last only. */
		if (!sc->diff || sc->until == BARCO_CTL_NEXT_STAGE ||
		    sc->last_stage >= (int)sc->until)
			print_paused(sc, msg->stage);
		return 0;
	case BARCO_CTL_EXITED:
		return msg->status;
	case BARCO_CTL_ERROR:
		barco_err_set(&err, 0, "%s: %s", sc->name, msg->error);
		return barco_cmd_fail(&err, msg->status);
	default:
		barco_err_set(&err, EPROTO, "%s: unexpected reply %u from the monitor", sc->name,
			      msg->type);
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
}

static int talk(struct step_client *sc, int fd, int sigfd)
{
	struct barco_ctl_msg msg;
	struct barco_err err = {0};

	for (;;) {
		struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
					{.fd = sigfd, .events = POLLIN}};
		ssize_t n;
		int status;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		if (pfd[1].revents)
			forward_signals(sigfd, sc->pid);
		if (!pfd[0].revents)
			continue;
		n = barco_sock_recv(fd, &msg, sizeof(msg), NULL, NULL, 0);
		if (n <= 0 || (size_t)n < offsetof(struct barco_ctl_msg, report.text)) {
			barco_err_set(&err, 0, "the monitor of '%s' died: run 'barco delete %s'",
				      sc->name, sc->name);
			return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		}
		msg.report.text[sizeof(msg.report.text) - 1] = '\0';
		status = handle_reply(sc, fd, &msg);
		if (status >= 0)
			return status;
	}
}

/* One request: run through `until`; the command, if reached, gets our stdio. */
static int request_advance(struct step_client *sc, uint32_t until, int sigfd)
{
	static const int stdio[BARCO_STDIO_FDS] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
	struct barco_ctl_msg msg;
	struct barco_err err = {0};
	cleanup_close int fd = connect_monitor(sc->name, &err);

	if (fd < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	memset(&msg, 0, offsetof(struct barco_ctl_msg, report));
	msg.type = BARCO_CTL_ADVANCE;
	msg.stage = until;
	barco_report_clear(&msg.report);
	if (barco_sock_send(fd, &msg, offsetof(struct barco_ctl_msg, report.text) + 1, stdio,
			    BARCO_STDIO_FDS, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	sc->is_paused = false;
	return talk(sc, fd, sigfd);
}

/*
 * The first snapshot --diff compares with: the container process as it is
 * paused now, or its parent-to-be, the monitor, before userns.
 */
static void start_diff(struct step_client *sc, struct barco_step_diff *sd)
{
	struct barco_state st;
	struct barco_err err = {0};

	sc->diff = sd;
	if (barco_state_read(sc->name, &st, &err) == 0)
		(void)barco_step_diff_start(sd, st.pid, st.runner_pid);
	else
		sd->has_prev = false;
}

/*
 * Asks the monitor to run through `until`. With --diff, one stage per
 * request: the monitor goes on to the next stage as soon as it has sent a
 * report, and a snapshot must see the container paused.
 */
static int advance_remote(const char *name, uint32_t until, bool is_json, bool is_diff)
{
	struct step_client sc = {
		.name = name, .is_json = is_json, .last_stage = -1, .until = until};
	struct barco_err err = {0};
	struct barco_step_diff sd;
	cleanup_close int sigfd = -1;
	sigset_t saved;
	int status;

	/* The cgroup paths the explanations show. */
	if (barco_state_cgroup(name, &sc.cgroup, &err) < 0)
		memset(&sc.cgroup, 0, sizeof(sc.cgroup));
	if (is_diff)
		start_diff(&sc, &sd);
	sigfd = block_forwarded_signals(&saved);
	do
		status = request_advance(&sc, is_diff ? BARCO_CTL_NEXT_STAGE : until, sigfd);
	while (is_diff && status == 0 && sc.is_paused && until != BARCO_CTL_NEXT_STAGE &&
	       sc.last_stage < (int)until);
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	return status;
}

static int parse_advance_args(int argc, char **argv, const char **ret_name, int *ret_until,
			      bool *ret_json, bool *ret_diff, struct barco_err *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--until=", 8) == 0) {
			if (barco_cli_parse_stage(a + 8, ret_until, err) < 0)
				return -1;
		} else if (strcmp(a, "--until") == 0 && i + 1 < argc) {
			if (barco_cli_parse_stage(argv[++i], ret_until, err) < 0)
				return -1;
		} else if (strcmp(a, "--json") == 0) {
			*ret_json = true;
		} else if (strcmp(a, "--diff") == 0) {
			*ret_diff = true;
		} else if (a[0] == '-') {
			return barco_err_set(
				err, 0,
				"unknown option '%s' for 'barco step NAME' (creating a "
				"container needs '-- CMD'; see 'barco step --help')",
				a);
		} else if (*ret_name) {
			return barco_err_set(err, 0,
					     "unexpected argument '%s' (to create a container, put "
					     "the command after '--')",
					     a);
		} else {
			*ret_name = a;
		}
	}
	if (!*ret_name)
		return barco_err_set(err, 0, "no container name (see 'barco step --help')");
	return barco_parse_name(*ret_name, err);
}

static int step_existing(int argc, char **argv)
{
	struct barco_err err = {0};
	const char *name = NULL;
	char path[PATH_MAX];
	struct stat st;
	int until = -1;
	bool is_json = false, is_diff = false;

	if (parse_advance_args(argc, argv, &name, &until, &is_json, &is_diff, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	if (barco_state_check_run_dir(&err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, name);
	if (stat(path, &st) < 0) {
		barco_err_set(&err, 0, "no container named '%s' (see 'barco ps')", name);
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	return advance_remote(name, until < 0 ? BARCO_CTL_NEXT_STAGE : (uint32_t)until, is_json,
			      is_diff);
}

/*
 * SIGCHLD comes when the process that forked pid 1 exits (namespaces
 * stage): not a reason to stop. Anything else the runner handles is.
 */
static bool got_terminating_signal(int sigfd)
{
	struct signalfd_siginfo si;
	bool is_terminating = false;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		is_terminating |= barco_runner_is_stop_signal((int)si.ssi_signo);
	return is_terminating;
}

/* -i: Enter runs the next stage, q (or end of input, or a signal) aborts. */
static bool prompt_next(const struct barco_container *c)
{
	struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				{.fd = c->signal_fd, .events = POLLIN}};
	char line[64];
	ssize_t n;

	printf("\n[Enter] run stage %d/%d (%s), [q] quit: ", (int)c->next + 1, BARCO_STAGE_COUNT,
	       barco_stage_get(c->next)->name);
	(void)fflush(stdout);
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return false;
		if (pfd[1].revents && got_terminating_signal(c->signal_fd))
			return false;
		if (pfd[0].revents)
			break;
	}
	/* One line, a byte at a time: piped answers for later prompts stay unread. */
	for (n = 0; n < (ssize_t)sizeof(line) - 1; n++) {
		if (read(STDIN_FILENO, &line[n], 1) != 1)
			return false;
		if (line[n] == '\n')
			break;
	}
	line[n] = '\0';
	return line[0] != 'q' && line[0] != 'Q';
}

static void print_local(const struct barco_container *c, enum barco_stage stage,
			const struct barco_report *rep, uint64_t duration_ns, void *data)
{
	struct step_client *sc = data;

	sc->cgroup = c->cgroup;
	print_view(sc, stage, c->pid, duration_ns, rep->text);
}

static int step_interactive(const struct barco_config *cfg, const struct barco_step_options *opt)
{
	struct step_client sc = {.name = cfg->name, .is_json = opt->is_json, .last_stage = -1};
	struct barco_step_diff sd;
	struct barco_stage_def skip_table[BARCO_STAGE_COUNT];
	struct barco_container c;
	struct barco_err err = {0};
	int status;

	if (barco_container_open(&c, cfg, barco_lesson_skip_table(cfg, skip_table), &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	c.is_stepped = true;
	if (opt->is_diff) {
		/* Before userns there is no container process: its parent, us, is compared. */
		sc.diff = &sd;
		(void)barco_step_diff_start(&sd, 0, getpid());
	}
	if (barco_container_save_state(&c, "created", &err) < 0) {
		barco_container_close(&c);
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	while (c.next < BARCO_STAGE_COUNT) {
		if (barco_runner_advance(&c, c.next, print_local, &sc, &err) < 0) {
			status = c.exit_status;
			barco_container_close(&c);
			return barco_cmd_fail(&err, status);
		}
		if (c.next < BARCO_STAGE_COUNT && (int)c.next > opt->until && !prompt_next(&c)) {
			printf("\naborted before %s: the container is gone, nothing is left "
			       "behind\n",
			       barco_stage_get(c.next)->name);
			barco_container_close(&c);
			return 0;
		}
	}
	if (barco_runner_wait(&c, &status, &err) < 0)
		status = barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	barco_container_close(&c);
	return status;
}

/* `barco step NAME …` advances; anything with "--", -i or --bundle creates. */
static bool is_create_form(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0 || strcmp(argv[i], "-i") == 0 ||
		    strcmp(argv[i], "--interactive") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--version") == 0 ||
		    strncmp(argv[i], "--bundle", 8) == 0)
			return true;
	return false;
}

/* barco step ID --explain: what the stages did for a container `barco create` made. */
static int explain_created(const char *id)
{
	struct barco_err err = {0};

	if (barco_oci_explain(stdout, id, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	return 0;
}

int barco_cmd_step(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_step_options opt;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed, status;
	pid_t monitor;

	if (argc == 3 && strcmp(argv[2], "--explain") == 0)
		return explain_created(argv[1]);
	if (!is_create_form(argc, argv))
		return step_existing(argc, argv);
	barco_config_init(&cfg);
	parsed = barco_cli_parse_run(argc, argv, &cfg, &verbosity, &opt, &err);
	if (!barco_cmd_prepare(&cfg, parsed, &err, verbosity, barco_step_usage, &status))
		return status;
	if (!opt.is_interactive && opt.until < 0) {
		barco_err_set(&err, 0,
			      "--until=STAGE is required to create a container (or -i); "
			      "the stages are %s",
			      barco_stage_list());
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	barco_cmd_warn_lesson_skip(cfg.lesson_skip);
	if (opt.is_interactive)
		return step_interactive(&cfg, &opt);
	if (barco_monitor_start(&cfg, &monitor, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	return advance_remote(cfg.name, (uint32_t)opt.until, opt.is_json, opt.is_diff);
}
