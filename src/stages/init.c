/*
 * barco's init (barco run --init). Where it lives is the design question:
 *
 * - Re-executing barco's binary inside the container (as runc re-executes
 *   itself as `runc init` before the switch of root) cannot work here:
 *   after pivot_root the host's /usr/bin/barco is not in the container's
 *   tree, and making it reachable (a bind mount, an open fd to it) puts a
 *   host binary, writable by host root, within the container's reach.
 * - A memfd copy of barco (what runc does against CVE-2019-5736) would
 *   work, but costs a copy of the whole binary per container, an execve
 *   that seccomp must allow as barco's and not the command's, and a
 *   second start-up for nothing.
 * - So pid 1 forks at the very end of the exec stage, and the parent simply
 *   stays: the init is barco's code already in memory. It is set up
 *   exactly as the command is (namespaces, new root, capabilities dropped,
 *   no_new_privs, the seccomp filter): all it needs is wait4, kill and
 *   rt_sigtimedwait, which the filter allows. Nothing of the host becomes
 *   reachable, and the init can do no more than the command could.
 *
 * Signals go to the command's process group, as tini -g and catatonit -g
 * do (their default is the command alone): a signal sent to barco then
 * acts as Ctrl-C does on a terminal, reaching `sh -c 'a | b'` and its
 * pipeline, not only the shell. The command leads that group, which is
 * also the terminal's foreground job when pid 1's group was: Ctrl-C goes
 * from the terminal to the command directly, never through the init.
 */
#include "stages/init.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "stages/exec.h"

/*
 * Never blocked: the faults the kernel raises on a process itself, which
 * must kill the init if it ever faulted rather than wait in its queue.
 * SIGKILL and SIGSTOP cannot be blocked at all.
 */
static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};

static void init_signal_set(sigset_t *set)
{
	(void)sigfillset(set);
	for (size_t i = 0; i < ARRAY_LEN(fault_signals); i++)
		(void)sigdelset(set, fault_signals[i]);
}

/*
 * Reaps every child that has exited; true (and *ret_status) once the
 * command is one of them.
 */
static bool reap_all(pid_t command, int *ret_status)
{
	bool command_done = false;
	int ws;
	pid_t p;

	while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
		if (p == command) {
			*ret_status = barco_exit_status_from_wait(ws);
			command_done = true;
		}
	return command_done;
}

/*
 * SIGCHLD is the init's own work; the terminal's background read and write
 * stops concern only the group that touched the terminal.
 */
static void forward(pid_t command, int sig)
{
	if (sig == SIGCHLD || sig == SIGTTIN || sig == SIGTTOU)
		return;
	/* Its group, or the command alone if it has left the group it led. */
	if (kill(-command, sig) < 0)
		(void)kill(command, sig);
}

/*
 * pid 1's signals are blocked and taken one at a time: nothing runs in a
 * handler, and a signal sent while the init is busy reaping waits in the
 * queue. A blocked signal is queued even for a namespace's init, which the
 * kernel would otherwise spare any signal it has no handler for.
 */
static _Noreturn void init_loop(pid_t command, const sigset_t *set)
{
	int status = BARCO_EXIT_BARCO;

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);

		if (sig == SIGCHLD && reap_all(command, &status))
			_exit(status); /* the kernel kills the rest of the pid namespace */
		if (sig > 0)
			forward(command, sig);
	}
}

/*
 * As a shell does for a job (setpgid on both sides, so neither depends on
 * which runs first). SIGTTOU is blocked: tcsetpgrp(3) from what is now a
 * background group would stop the command otherwise.
 */
static void command_takes_terminal(bool is_foreground)
{
	(void)setpgid(0, 0);
	if (is_foreground)
		(void)tcsetpgrp(STDIN_FILENO, getpid());
}

int barco_init_start(struct barco_err *err)
{
	bool is_foreground = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	sigset_t set;
	pid_t pid;

	init_signal_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return barco_err_errno(err, "sigprocmask (init)");
	pid = fork();
	if (pid < 0)
		return barco_err_errno(err, "fork the command's process (--init)");
	if (pid == 0) {
		command_takes_terminal(is_foreground);
		return 0;
	}
	(void)setpgid(pid, pid);
	(void)close_range(0, ~0U, 0);
	init_loop(pid, &set);
}
