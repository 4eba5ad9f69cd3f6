/*
 * The stage table, and the thin glue between each row and the module of
 * src/stages/ that does the work: one function per part of a row, private
 * to this file. Reading it top to bottom is reading what a container
 * runtime does, in order; the table at the end puts the parts in rows.
 */
#include "runtime/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "stages/caps.h"
#include "stages/cgroup.h"
#include "stages/exec.h"
#include "stages/idmap.h"
#include "stages/init.h"
#include "stages/mount.h"
#include "stages/net.h"
#include "stages/net_bridge.h"
#include "stages/net_slirp.h"
#include "stages/ns.h"
#include "runtime/lesson_skip.h"
#include "runtime/oci_hooks.h"
#include "runtime/runner.h"
#include "runtime/state.h"
#include "stages/seccomp.h"
#include "stages/userns.h"

static int stage_cgroups_parent(struct barco_container *c, struct barco_report *rep,
				struct barco_err *err)
{
	if (barco_cgroup_create(&c->layout, c->cfg->name, c->cfg, &c->cgroup, rep, err) < 0)
		return -1;
	/* linux.cgroupsPath: every later verb finds the cgroups through this record. */
	if (c->cfg->cgroup_want &&
	    barco_state_write_cgroup(c->state_dir_fd, c->cfg->name, &c->cgroup, err) < 0)
		return -1;
	return 0;
}

/*
 * A rootfs of host root's is id-mapped where the kernel and its
 * filesystems allow; where not, the container still runs, and the learner
 * is told what that means.
 */
static void idmap_rootfs(struct barco_container *c, struct barco_report *rep)
{
	struct barco_err err;

	if (!barco_idmap_is_wanted(c->cfg, c->rootfs_fd) ||
	    barco_idmap_rootfs(c->cfg, c->rootfs_fd, &c->idmapped_fd, rep, &err) == 0)
		return;
	log_warn("no id-mapped mount for rootfs %s: %s; its files owned by host root show as "
		 "nobody inside",
		 c->cfg->rootfs, err.msg);
	barco_report_add(rep, "no id-mapped mount: %s", err.msg);
}

/* --net=ns:PATH: the clone starts in PATH's network namespace (stages/net.c). */
static int clone_container(struct barco_container *c, struct barco_report *rep,
			   struct barco_err *err)
{
	struct barco_err ignored; /* the clone's error is the one to tell */
	int saved = -1;
	int r;

	if (c->cfg->net_mode != BARCO_NET_NS)
		return barco_runner_clone(c, rep, err);
	if (barco_net_enter(c->cfg->net_ns_path, &saved, rep, err) < 0)
		return -1;
	r = barco_runner_clone(c, rep, err);
	if (barco_net_leave(saved, r < 0 ? &ignored : err) < 0)
		return -1;
	return r;
}

/* What the namespaces stage unshares: config.json's set or barco's, less net for --net=host/ns. */
static unsigned long unshare_flags(const struct barco_container *c)
{
	unsigned long flags = c->cfg->ns_flags ? c->cfg->ns_flags : barco_ns_flags(c->has_time_ns);

	return barco_net_has_own_ns(c->cfg) ? flags : flags & ~(unsigned long)CLONE_NEWNET;
}

static int stage_userns_parent(struct barco_container *c, struct barco_report *rep,
			       struct barco_err *err)
{
	idmap_rootfs(c, rep);
	if (clone_container(c, rep, err) < 0)
		return -1;
	/*
	 * Into its cgroups before it creates its cgroup namespace (next
	 * stage): the v1 ones it joined itself (stages/cgroup.h), the cgroup2
	 * one it started in, unless clone3 was refused.
	 */
	if (barco_cgroup_attach(&c->cgroup, c->pid,
				BARCO_CG_SKIP_V1 | (c->is_in_cgroup2 ? BARCO_CG_SKIP_UNIFIED : 0u),
				rep, err) < 0)
		return -1;
	if (c->cfg->is_userns_host) {
		barco_report_add(rep, "--userns=host: no user namespace, no id maps");
		return 0;
	}
	return barco_userns_write_maps(c->pid, c->cfg, rep, err);
}

static int stage_userns_child(struct barco_container *c, struct barco_report *rep,
			      struct barco_err *err)
{
	if (barco_cgroup_join_report(&c->cgroup_join, rep, err) < 0)
		return -1;
	if (c->cfg->is_userns_host)
		return 0;
	return barco_userns_become_root(rep, err);
}

/*
 * --net=slirp4netns: the runner starts slirp4netns on this process's
 * network and user namespaces. It cannot open /proc/PID/ns/ itself when
 * it is an ordinary user: since its setresuid(2) (userns stage) and until
 * its execve(2), this process is not dumpable, and /proc/PID/ns/ of a
 * process that is not dumpable is closed to all but host root
 * (ptrace_may_access(), proc(5)). So it passes them with its answer.
 */
static int pass_namespaces(struct barco_container *c, struct barco_report *rep,
			   struct barco_err *err)
{
	c->net_ns_fds[0] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	c->net_ns_fds[1] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (c->net_ns_fds[0] < 0 || c->net_ns_fds[1] < 0)
		return barco_err_errno(err, "open /proc/self/ns/net, /proc/self/ns/user");
	barco_report_add(rep,
			 "open(\"/proc/self/ns/net\"), open(\"/proc/self/ns/user\"): passed to "
			 "the runner with this answer (SCM_RIGHTS), for slirp4netns");
	return 0;
}

static int stage_namespaces_child(struct barco_container *c, struct barco_report *rep,
				  struct barco_err *err)
{
	pid_t pid;

	/*
	 * An open fd keeps pointing into the host's mount namespace, but the
	 * working directory is carried over into the new one by unshare(2):
	 * standing in the rootfs now is how the mounts stage finds it there.
	 */
	if (fchdir(c->rootfs_fd) < 0)
		return barco_err_errno(err, "fchdir(rootfs_fd) (%s)", c->cfg->rootfs);
	barco_report_add(rep, "fchdir(rootfs_fd) = 0: cwd is %s", c->cfg->rootfs);
	for (size_t i = 0; i < c->cfg->ns_join_len; i++)
		if (barco_ns_join(c->cfg->ns_join[i].path, c->cfg->ns_join[i].nstype, rep, err) < 0)
			return -1;
	if (barco_ns_unshare(unshare_flags(c), rep, err) < 0)
		return -1;
	/*
	 * The new PID (and time) namespace is for children only: fork its
	 * pid 1. This process then exits; pid 1 is re-parented to the runner,
	 * a child subreaper, and answers for the stage itself.
	 */
	pid = fork();
	if (pid < 0)
		return barco_err_errno(err, "fork pid 1 of the new pid namespace");
	if (pid > 0)
		return BARCO_STAGE_HANDOFF;
	barco_report_add(rep, "fork() = 0: this process is pid %d of the new pid namespace",
			 (int)getpid());
	return c->cfg->net_mode == BARCO_NET_SLIRP ? pass_namespaces(c, rep, err) : 0;
}

/* The namespace file the namespaces stage joined for nstype (CLONE_NEW*), or NULL. */
static const char *joined_ns(const struct barco_config *cfg, int nstype)
{
	for (size_t i = 0; i < cfg->ns_join_len; i++)
		if (cfg->ns_join[i].nstype == nstype)
			return cfg->ns_join[i].path;
	return NULL;
}

static int stage_hostname_child(struct barco_container *c, struct barco_report *rep,
				struct barco_err *err)
{
	const char *name = c->cfg->hostname;
	const char *joined = joined_ns(c->cfg, CLONE_NEWUTS);

	/* A joined UTS namespace is shared (a pod's): its name is its owner's to set. */
	if (joined) {
		barco_report_add(rep, "joined the UTS namespace at %s: the hostname is left alone",
				 joined);
		return 0;
	}
	/* Without a UTS namespace of its own the name is the host's (an OCI bundle's choice). */
	if (c->cfg->ns_flags && !(c->cfg->ns_flags & CLONE_NEWUTS)) {
		barco_report_add(rep, "no new UTS namespace: the hostname is left alone");
		return 0;
	}
	if (sethostname(name, strlen(name)) < 0)
		return barco_err_errno(err, "sethostname(\"%s\")", name);
	barco_report_add(rep, "sethostname(\"%s\", %zu) = 0", name, strlen(name));
	return 0;
}

/*
 * An OCI bundle's hooks of kind, with the container's state on stdin
 * (status and pid as runc gives them: "creating" until the init waits at
 * exec.fifo; pid as the caller's pid namespace sees the init).
 */
static int run_hooks(const struct barco_container *c, enum barco_oci_hook_kind kind,
		     const char *status, pid_t pid, struct barco_report *rep, struct barco_err *err)
{
	char *state;
	int r;

	if (!barco_oci_hooks_has(c->cfg->hooks, kind))
		return 0;
	state = barco_oci_hooks_state(c->cfg->hooks, c->cfg->name, c->cfg->bundle, status, pid);
	if (!state)
		return barco_err_errno(err, "the state JSON for hooks.%s",
				       barco_oci_hook_name(kind));
	r = barco_oci_hooks_run(c->cfg->hooks, kind, state, false, rep, err);
	free(state);
	return r;
}

/*
 * runtime.md: prestart (deprecated) and createRuntime hooks run in the
 * runtime's namespaces once the container's exist, before pivot_root.
 * barco runs them here, before the container's mounts (runc runs them
 * after its mounts, before pivot_root: both are inside the spec's window).
 */
static int stage_mounts_parent(struct barco_container *c, struct barco_report *rep,
			       struct barco_err *err)
{
	if (run_hooks(c, BARCO_OCI_HOOK_PRESTART, "creating", c->pid, rep, err) < 0 ||
	    run_hooks(c, BARCO_OCI_HOOK_CREATE_RUNTIME, "creating", c->pid, rep, err) < 0)
		return -1;
	return 0;
}

static bool is_mounts_parent_idle(const struct barco_container *c)
{
	return !barco_oci_hooks_has(c->cfg->hooks, BARCO_OCI_HOOK_PRESTART) &&
	       !barco_oci_hooks_has(c->cfg->hooks, BARCO_OCI_HOOK_CREATE_RUNTIME);
}

static int stage_mounts_child(struct barco_container *c, struct barco_report *rep,
			      struct barco_err *err)
{
	/* The rootfs as this mount namespace sees it: the cwd (see the namespaces stage). */
	int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return barco_err_errno(err, "open the rootfs (cwd)");
	r = barco_mount_build(c->cfg, fd, barco_steal_fd(&c->idmapped_fd), rep, err);
	(void)close(fd);
	/* createContainer: in the container's namespaces, its mounts made, before pivot_root. */
	if (r == 0)
		r = run_hooks(c, BARCO_OCI_HOOK_CREATE_CONTAINER, "creating", getpid(), rep, err);
	if (r == 0)
		r = barco_mount_pivot(c->cfg, rep, err);
	if (r == 0 && c->cfg->is_terminal)
		r = barco_mount_console(&c->pty_master, &c->pty_slave, rep, err);
	return r;
}

/* --net=slirp4netns: the runner starts it on the namespaces the container passed. */
static int start_slirp(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
{
	char dir[4096];
	struct barco_net_slirp_req req = {c->cfg,	c->net_ns_fds[0], c->net_ns_fds[1],
					  c->rootfs_fd, c->state_dir_fd,  dir};
	int r;

	if (c->net_ns_fds[0] < 0 || c->net_ns_fds[1] < 0)
		return barco_err_set(err, EPROTO, "the container passed no namespaces");
	(void)snprintf(dir, sizeof(dir), "%s/%s", BARCO_RUN_DIR, c->cfg->name);
	r = barco_net_slirp_start(&req, &c->slirp, rep, err);
	/* slirp4netns holds them now, or failed. */
	barco_close_fd(&c->net_ns_fds[0]);
	barco_close_fd(&c->net_ns_fds[1]);
	return r;
}

/*
 * --net=bridge: the runner wires the container up from the host
 * (stages/net_bridge.c); --net=slirp4netns: it starts slirp4netns.
 */
static int stage_network_parent(struct barco_container *c, struct barco_report *rep,
				struct barco_err *err)
{
	struct barco_net_bridge_req req = {c->cfg, c->pid, c->state_dir_fd, BARCO_NET_LEASES,
					   barco_state_is_live};

	if (c->cfg->net_mode == BARCO_NET_SLIRP)
		return start_slirp(c, rep, err);
	if (c->cfg->net_mode != BARCO_NET_BRIDGE)
		return 0;
	return barco_net_bridge_setup(&req, rep, err);
}

static bool is_network_parent_idle(const struct barco_container *c)
{
	return c->cfg->net_mode != BARCO_NET_SLIRP && c->cfg->net_mode != BARCO_NET_BRIDGE;
}

static int stage_network_child(struct barco_container *c, struct barco_report *rep,
			       struct barco_err *err)
{
	const char *joined = joined_ns(c->cfg, CLONE_NEWNET);

	if (joined) {
		barco_report_add(rep, "joined the network namespace at %s: left as it is", joined);
		return 0;
	}
	if (!(unshare_flags(c) & CLONE_NEWNET)) {
		barco_net_report_shared(c->cfg, rep);
		return 0;
	}
	if (barco_net_loopback_up(rep, err) < 0)
		return -1;
	if (c->cfg->net_mode != BARCO_NET_SLIRP)
		return 0;
	/* Without the mounts stage, /dev may propagate to the host's: no tmpfs there. */
	if (c->cfg->lesson_skip == BARCO_LESSON_SKIP_MOUNTS) {
		barco_report_add(rep, "--lesson-skip=mounts: no name files bound");
		return 0;
	}
	return barco_net_slirp_bind_names(c->cfg, rep, err);
}

/* A profile that notifies gave a listener: to the runner at once (runtime/seccomp_agent.h). */
static int hand_listener(struct barco_container *c, int listener, struct barco_report *rep,
			 struct barco_err *err)
{
	if (listener < 0)
		return 0;
	barco_report_add(rep,
			 "sendmsg(runner socket, SCM_RIGHTS [%d]), close(%d): the runner, "
			 "on the host, passes it to the seccomp agent",
			 listener, listener);
	return barco_runner_child_send_listener(c, &listener, err);
}

static int stage_caps_child(struct barco_container *c, struct barco_report *rep,
			    struct barco_err *err)
{
	int listener = -1;

	if (barco_seccomp_is_early(c->cfg) &&
	    (barco_seccomp_load_profile(c->cfg, &listener, rep, err) < 0 ||
	     hand_listener(c, listener, rep, err) < 0))
		return -1;
	return barco_caps_apply(c->caps_keep, c->cfg->uid, c->cfg->gid, c->cfg->groups,
				c->cfg->groups_len, rep, err);
}

static int stage_seccomp_child(struct barco_container *c, struct barco_report *rep,
			       struct barco_err *err)
{
	int listener = -1;

	if (barco_seccomp_apply(c->cfg, &listener, rep, err) < 0)
		return -1;
	return hand_listener(c, listener, rep, err);
}

/*
 * setpgid(2) and tcsetpgrp(3) accept only our own children. Pid 1 becomes
 * ours when the process that forked it exits and it is re-parented to us
 * (the subreaper); under load that exit can still be under way after pid 1
 * reported the namespaces stage done. Reaping that process first settles it:
 * the kernel re-parents a process's children before its parent can reap it.
 */
static void reap_first_process(struct barco_container *c)
{
	if (c->first_pid <= 0 || c->first_pid == c->pid)
		return;
	(void)barco_waitpid(c->first_pid, NULL);
	c->first_pid = 0;
}

static int stage_exec_parent(struct barco_container *c, struct barco_report *rep,
			     struct barco_err *err)
{
	reap_first_process(c);
	/* With a console the init makes its own session (setsid(2) refuses a group leader). */
	if (c->cfg->is_terminal)
		return 0;
	/*
	 * The container gets its own process group; when barco owns the
	 * terminal, that group becomes the terminal's foreground job, so
	 * Ctrl-C reaches the container's command and not barco (as a shell
	 * does for a job: setpgid(2), tcsetpgrp(3)).
	 */
	if (setpgid(c->pid, c->pid) < 0)
		return barco_err_errno(err, "setpgid(%d, %d)", (int)c->pid, (int)c->pid);
	barco_report_add(rep, "setpgid(%d, %d) = 0", (int)c->pid, (int)c->pid);
	if (c->tty_fd < 0)
		return 0;
	if (tcsetpgrp(c->tty_fd, c->pid) < 0)
		return barco_err_errno(err, "tcsetpgrp(terminal, %d)", (int)c->pid);
	barco_report_add(rep, "tcsetpgrp(terminal, %d) = 0: the container is the foreground job",
			 (int)c->pid);
	return 0;
}

/* The runner may have died while we were paused: then do not run at all. */
static int check_runner_alive(int sock, struct barco_err *err)
{
	struct pollfd pfd = {.fd = sock, .events = POLLRDHUP};

	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP)))
		return barco_err_set(err, 0, "barco exited before the command started");
	return 0;
}

/* barco step: the command runs on the terminal of the client that asked. */
static int use_passed_stdio(struct barco_container *c, struct barco_err *err)
{
	for (int i = 0; i < BARCO_STDIO_FDS; i++) {
		if (c->stdio_fds[i] < 0)
			continue;
		if (dup2(c->stdio_fds[i], i) < 0)
			return barco_err_errno(err, "dup2(%d, %d)", c->stdio_fds[i], i);
		(void)close(c->stdio_fds[i]);
		c->stdio_fds[i] = -1;
	}
	return 0;
}

static int exec_now(struct barco_container *c, struct barco_err *err)
{
	/* After the last check: from here on, pid 1 is the init and never returns. */
	if (c->cfg->is_init && barco_init_start(err) < 0)
		return -1;
	if (sigprocmask(SIG_SETMASK, &c->saved_mask, NULL) < 0)
		return barco_err_errno(err, "sigprocmask");
	/*
	 * Whatever barco's caller had open (a test runner's pipes, a shell's
	 * redirections) is not the container's: close-on-exec for everything
	 * above stderr (close_range(2), Linux 5.11).
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return barco_err_errno(err, "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)");
	c->exec_attempted = true;
	return barco_exec_command(c->cfg->argv, c->cfg->env, err);
}

/* The runner has the master now (barco_runner_child_ready sent it). */
/* The console's slave becomes the controlling terminal and fds 0-2 (tty_ioctl(4)). */
static int take_console(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
{
	if (setsid() < 0 || ioctl(c->pty_slave, TIOCSCTTY, 0) < 0)
		return barco_err_errno(err, "setsid, ioctl(TIOCSCTTY) on the console");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(c->pty_slave, fd) < 0)
			return barco_err_errno(err, "dup2(console, %d)", fd);
	(void)close(c->pty_slave);
	c->pty_slave = -1;
	barco_report_add(rep, "setsid(), ioctl(console, TIOCSCTTY), dup2(console, 0..2): the "
			      "console is the controlling terminal; its master goes to the runner");
	return 0;
}

/*
 * `barco start` has opened exec.fifo: the startContainer hooks run now, in
 * the container as its command will (its root, identity, seccomp filter).
 * start reads the fifo: "h" while they run, then "0" to go on, or "E" and
 * the error, which start reports. Their report lines go to STATE/reports.
 */
static int start_container_hooks(struct barco_container *c, int fifo_fd)
{
	struct barco_report rep = {0};
	struct barco_err err = {0};
	int r;

	if (!barco_oci_hooks_has(c->cfg->hooks, BARCO_OCI_HOOK_START_CONTAINER))
		return 0;
	if (write(fifo_fd, "h", 1) != 1)
		return -1;
	r = run_hooks(c, BARCO_OCI_HOOK_START_CONTAINER, "created", getpid(), &rep, &err);
	if (c->state_dir_fd >= 0) {
		int fd = openat(c->state_dir_fd, "reports", O_WRONLY | O_APPEND | O_CLOEXEC);

		if (fd >= 0) {
			dprintf(fd, "start: startContainer hooks, in the container\n%s\n",
				rep.text);
			(void)close(fd);
		}
	}
	if (r == 0)
		return 0;
	dprintf(fifo_fd, "E%s", err.msg);
	return -1;
}

/*
 * `barco create`: no runner stays to see execve, so a command that cannot
 * run fails now; then the init hangs up on create (which exits) and waits
 * in open(2) of exec.fifo, through its O_PATH descriptor (the state
 * directory is not in this mount namespace), until `barco start` opens the
 * other end. No parent-death signal: create's exit must not kill it.
 */
static int exec_after_start(struct barco_container *c, struct barco_report *rep,
			    struct barco_err *err)
{
	char path[64];
	int fd;

	if (barco_exec_check(c->cfg->argv, c->cfg->env, err) < 0) {
		c->exec_attempted = true;
		return -1;
	}
	barco_report_add(rep,
			 "%s found; open(\"/proc/self/fd/%d\" (exec.fifo), O_WRONLY) waits "
			 "for barco start, then execve",
			 c->cfg->argv[0], c->exec_fifo_fd);
	if (c->pty_slave >= 0 && take_console(c, rep, err) < 0)
		return -1;
	if (barco_runner_child_ready(c, rep, err) < 0)
		return -1;
	barco_close_fd(&c->pty_master);
	barco_close_fd(&c->sock);
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", c->exec_fifo_fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || start_container_hooks(c, fd) < 0 || write(fd, "0", 1) != 1)
		_exit(BARCO_EXIT_BARCO); /* nobody is left to tell, or start was told */
	(void)close(fd);
	return exec_now(c, err);
}

static int stage_exec_child(struct barco_container *c, struct barco_report *rep,
			    struct barco_err *err)
{
	const struct barco_config *cfg = c->cfg;

	if (use_passed_stdio(c, err) < 0 || barco_exec_set_rlimits(cfg, rep, err) < 0)
		return -1;
	if (chdir(cfg->workdir) < 0)
		return barco_err_errno(err, "chdir(\"%s\") (--workdir)", cfg->workdir);
	barco_report_add(rep, "chdir(\"%s\") = 0", cfg->workdir);
	if (cfg->is_oci_create)
		return exec_after_start(c, rep, err);
	/* barco run --bundle: nothing to wait for; startContainer runs just before execve. */
	if (run_hooks(c, BARCO_OCI_HOOK_START_CONTAINER, "created", getpid(), rep, err) < 0)
		return -1;
	/*
	 * The parent-death signal is cleared by every uid change, so it is
	 * set here, after the caps stage switched identity; the check after it
	 * closes the window in which the runner died before prctl.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return barco_err_errno(err, "prctl(PR_SET_PDEATHSIG, SIGKILL)");
	barco_report_add(rep, "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0: dies with barco");
	if (cfg->is_init)
		barco_report_add(rep, "--init: fork(); pid 1 stays barco's init (reaps every "
				      "child, forwards signals to the command's process group, "
				      "exits with its status); the child runs the command");
	barco_report_add(rep, "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC), then execve(\"%s\", ...)",
			 cfg->argv[0]);
	if (c->pty_slave >= 0 && take_console(c, rep, err) < 0)
		return -1;
	if (barco_runner_child_ready(c, rep, err) < 0 || check_runner_alive(c->sock, err) < 0)
		return -1;
	barco_close_fd(&c->pty_master);
	return exec_now(c, err);
}

static const struct barco_stage_def stages[BARCO_STAGE_COUNT] = {
	{BARCO_STAGE_CGROUPS, "cgroups", "create the container's cgroup and write its limits",
	 "lessons/01-cgroups.md", stage_cgroups_parent, NULL, NULL},
	{BARCO_STAGE_USERNS, "userns",
	 "clone the child into a new user namespace; write its uid/gid maps",
	 "lessons/02-userns.md", stage_userns_parent, stage_userns_child, NULL},
	{BARCO_STAGE_NAMESPACES, "namespaces",
	 "unshare mount, uts, ipc, net, cgroup, pid, time; fork pid 1", "lessons/03-namespaces.md",
	 NULL, stage_namespaces_child, NULL},
	{BARCO_STAGE_HOSTNAME, "hostname", "set the hostname in the new UTS namespace",
	 "lessons/04-hostname.md", NULL, stage_hostname_child, NULL},
	{BARCO_STAGE_MOUNTS, "mounts", "build the root filesystem and pivot_root into it",
	 "lessons/05-mounts.md", stage_mounts_parent, stage_mounts_child, is_mounts_parent_idle},
	{BARCO_STAGE_NETWORK, "network",
	 "bring loopback up; --net=bridge: veth, address, route; --net=slirp4netns: tap0",
	 "lessons/06-network.md", stage_network_parent, stage_network_child,
	 is_network_parent_idle},
	{BARCO_STAGE_CAPS, "caps",
	 "keep only the capability allowlist; empty inheritable and ambient", "lessons/07-caps.md",
	 NULL, stage_caps_child, NULL},
	{BARCO_STAGE_SECCOMP, "seccomp", "set no_new_privs and load the seccomp filter",
	 "lessons/08-seccomp.md", NULL, stage_seccomp_child, NULL},
	{BARCO_STAGE_EXEC, "exec", "execve the command", "lessons/09-exec.md", stage_exec_parent,
	 stage_exec_child, NULL},
};

const struct barco_stage_def *barco_stage_table(void)
{
	return stages;
}

const struct barco_stage_def *barco_stage_get(enum barco_stage stage)
{
	if ((unsigned)stage >= BARCO_STAGE_COUNT)
		return NULL;
	return &stages[stage];
}

int barco_stage_from_name(const char *name)
{
	for (int i = 0; i < BARCO_STAGE_COUNT; i++)
		if (strcmp(stages[i].name, name) == 0)
			return i;
	return -1;
}

const char *barco_stage_list(void)
{
	return "cgroups, userns, namespaces, hostname, mounts, network, caps, seccomp, exec";
}
