#pragma once
/*
 * The stage runner: one loop that walks the stage table. It runs on the
 * host (the "runner": barco itself for `barco run`, later the step monitor)
 * and drives the container process over a SOCK_SEQPACKET socketpair with
 * small typed messages: the runner sends CONTINUE for a stage, the
 * container runs its part and answers DONE (with its report, or an error).
 * Pausing between stages is simply not sending CONTINUE; when nothing
 * pauses (barco run), the CONTINUEs of consecutive stages that have no
 * part in the runner go out together.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "stages/cgroup.h"
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"
#include "stages/net_slirp.h"

/*
 * The stages, in order, and the shape of a row of the table the runner is
 * given (the table itself is in runtime/stage.c). The parent part of a row
 * runs first; then the child is told to continue and runs its part; then
 * the child reports back.
 */
enum barco_stage {
	BARCO_STAGE_CGROUPS,
	BARCO_STAGE_USERNS,
	BARCO_STAGE_NAMESPACES,
	BARCO_STAGE_HOSTNAME,
	BARCO_STAGE_MOUNTS,
	BARCO_STAGE_NETWORK,
	BARCO_STAGE_CAPS,
	BARCO_STAGE_SECCOMP,
	BARCO_STAGE_EXEC,
	BARCO_STAGE_COUNT,
};

struct barco_container;

typedef int (*barco_stage_fn)(struct barco_container *c, struct barco_report *rep,
			      struct barco_err *err);

struct barco_stage_def {
	enum barco_stage stage;
	const char *name;      /* canonical, as typed on the command line */
	const char *summary;   /* one line, for `barco stages` */
	const char *lesson;    /* lessons/NN-name.md */
	barco_stage_fn parent; /* runs in the runner, before the child's part; may be NULL */
	barco_stage_fn child;  /* runs in the container process; may be NULL */
	/*
	 * True when parent has nothing to do for this container (no hooks,
	 * no network to set up), so that a run may send the child's part
	 * its CONTINUE ahead, in one batch with the stages around it; NULL:
	 * parent always has work.
	 */
	bool (*is_parent_idle)(const struct barco_container *c);
};

#define BARCO_STDIO_FDS 3

struct barco_container {
	const struct barco_config *cfg;
	const struct barco_stage_def *stages; /* the table, indexed by enum barco_stage */
	struct barco_cgroup_layout layout;
	struct barco_cgroup cgroup;
	enum barco_stage next;	    /* the first stage not yet done */
	enum barco_stage continued; /* runner: CONTINUE was sent for the stages before this */

	pid_t pid;	     /* the container process as the host sees it (changes at namespaces) */
	pid_t first_pid;     /* the process cloned at userns, which forks pid 1 and exits */
	int sock;	     /* this side's end of the socketpair */
	bool is_container;   /* true in the container process */
	int state_dir_fd;    /* /run/barco/NAME, flock()ed while the runner lives */
	long long created;   /* when the container was opened, seconds since the epoch */
	pid_t pid_file_pid;  /* runner: the pid the pid file holds, -1 before it is written */
	int rootfs_fd;	     /* cfg->rootfs, O_PATH, opened on the host (barco_mount_setup) */
	int signal_fd;	     /* runner: the signals it handles */
	sigset_t saved_mask; /* the caller's signal mask, restored in the container */

	uint64_t caps_keep; /* the capability set the caps stage applies */
	int last_cap;
	bool has_time_ns;
	/* runner: the step client's stdio, passed at exec; -1: inherit */
	int stdio_fds[BARCO_STDIO_FDS];
	int tty_fd;	  /* the terminal the container gets as foreground job, or -1 */
	int exec_fifo_fd; /* `barco create`: STATE/exec.fifo, O_PATH, which the init opens to wait
			   */
	int pty_master;	  /* terminal: true: the console's master (container, then runner), or -1 */
	int pty_slave;	  /* container: the console's slave until it becomes fds 0-2, or -1 */
	pid_t tty_saved_pgrp;
	int exit_status;    /* runner: the status to exit with when a stage failed */
	bool is_stepped;    /* paused between stages (step, -i): state after every stage */
	bool is_in_cgroup2; /* runner: clone3 started it in its cgroup2 directory */
	/* Its cgroup v1 "tasks" files, which it writes itself after the clone */
	struct barco_cgroup_join cgroup_join;
	bool exec_attempted; /* container: execve itself failed (126/127), not a step before it */
	uint64_t stage_start_ns; /* container: when its part of the current stage began */

	/* The rootfs's id-mapped clone (stages/idmap.h), made before the clone; or -1. */
	int idmapped_fd;

	/*
	 * --net=slirp4netns: the container's network and user namespaces,
	 * opened by its pid 1 and passed with its answer to the namespaces
	 * stage (0: net, 1: user); -1 otherwise. The slirp4netns the runner
	 * started at the network stage.
	 */
	int net_ns_fds[2];
	struct barco_slirp slirp;
};

/*
 * Called after each stage with its report and duration: the time its
 * runner and container parts took, without the messages between them.
 */
typedef void (*barco_stage_cb)(const struct barco_container *c, enum barco_stage stage,
			       const struct barco_report *rep, uint64_t duration_ns, void *data);

/*
 * Prepares a container: reclaims stale state, takes the name (state
 * directory, locked), blocks the signals the runner handles. Nothing runs
 * yet. On failure nothing is left behind.
 */
int barco_container_open(struct barco_container *c, const struct barco_config *cfg,
			 const struct barco_stage_def *stages, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Writes state.json with the stage just done ("created" before any), and
 * the pid file when the container's pid changed.
 */
int barco_container_save_state(struct barco_container *c, const char *stage, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Whether a signal the runner's signalfd read asks barco to stop: not
 * SIGCHLD (a child changed state) nor SIGWINCH (the terminal was resized).
 */
bool barco_runner_is_stop_signal(int signo);

/* Runs the stages from c->next through until (inclusive). */
int barco_runner_advance(struct barco_container *c, enum barco_stage until, barco_stage_cb cb,
			 void *data, struct barco_err *err) __attribute__((warn_unused_result));

/*
 * After exec: forwards signals to the container and waits for it; with -t
 * it relays the terminal too (runtime/relay.h). Returns the exit status the
 * CLI should use (the command's own, 128+N for signal N).
 */
int barco_runner_wait(struct barco_container *c, int *ret_status, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Reaps exited children without blocking; true (and the wait status) when
 * the container process was one of them.
 */
bool barco_runner_reap(struct barco_container *c, int *ret_wstatus);

/*
 * `barco create` is done: lets go of the container without stopping it.
 * Its processes, cgroups and state directory stay; the init is no longer
 * this process's child once this process exits (its caller's subreaper
 * inherits it).
 */
void barco_container_detach(struct barco_container *c);

/* Kills what still runs, removes cgroups and state. Safe at any point, and twice. */
void barco_container_close(struct barco_container *c);

/*
 * userns stage, runner side: creates the socketpair and clones the
 * container process (with CLONE_NEWUSER unless --userns=host), straight
 * into its cgroup2 directory where clone3 can (c->is_in_cgroup2).
 * The clone enters the child loop and never returns there.
 */
int barco_runner_clone(struct barco_container *c, struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * exec stage, in the container: sends the stage's report and waits for the
 * runner's go, so the report is out before the command prints anything.
 */
int barco_runner_child_ready(struct barco_container *c, const struct barco_report *rep,
			     struct barco_err *err) __attribute__((warn_unused_result));

/*
 * caps or seccomp stage, in the container: sends the seccomp listener the
 * profile's filter gave to the runner, which hands it to the seccomp agent
 * (runtime/seccomp_agent.h) while the container goes on; closes it here.
 */
int barco_runner_child_send_listener(struct barco_container *c, int *listener,
				     struct barco_err *err) __attribute__((warn_unused_result));

/*
 * A child stage function returns this (instead of 0) in a process whose
 * part is over: the runner's child loop exits it quietly. The namespaces
 * stage uses it in the process that forked pid 1.
 */
#define BARCO_STAGE_HANDOFF 1
