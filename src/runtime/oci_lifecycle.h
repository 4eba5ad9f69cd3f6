#pragma once
/*
 * The verbs engines call (runc's command line, runtime-spec "Lifecycle"):
 * create, start, state, kill, delete, ps. A created container is barco's
 * stage table run through seccomp with the init waiting in open(2) of
 * STATE/exec.fifo; `create` exits and leaves the init to its caller (a
 * subreaper: conmon, containerd's shim). State lives in /run/barco/ID, as
 * for every barco container, with oci.json (bundle, annotations, the
 * init's start time) and the stage reports beside it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/config.h"
#include "base/err.h"

enum barco_oci_status {
	BARCO_OCI_CREATED,
	BARCO_OCI_RUNNING,
	BARCO_OCI_STOPPED,
	BARCO_OCI_PAUSED, /* created or running, its cgroup frozen (oci_pause.h) */
};

struct barco_oci_state {
	char id[BARCO_NAME_MAX + 1];
	enum barco_oci_status status;
	pid_t pid; /* the init on the host; 0 once stopped */
	char bundle[4096];
	char stage[32]; /* the last stage done ("seccomp" while created, "exec" after) */
	long long created;
	char annotations[8192]; /* a JSON object, as config.json gave it */
};

/* "created", "running", "stopped", "paused". */
const char *barco_oci_status_name(enum barco_oci_status s);

/*
 * Creates container id from bundle; the init's host pid goes to pid_file
 * (when not NULL: digits, no newline, written to a temporary file and
 * renamed). The stage reports go to STATE/reports. Nothing is left behind
 * on failure.
 */
int barco_oci_create(const char *bundle, const char *id, const char *pid_file,
		     const char *console_socket, bool is_systemd_cgroup, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Lets a created container's init execve its command. */
int barco_oci_start(const char *id, struct barco_err *err) __attribute__((warn_unused_result));

int barco_oci_state(const char *id, struct barco_oci_state *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Writes the state as runtime-spec's JSON (plus "barco.stage"). */
void barco_oci_state_print(FILE *out, const struct barco_oci_state *st);

/* Sends sig to the init, or with all to every process of the container's cgroup. */
int barco_oci_kill(const char *id, int sig, bool all, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Removes a stopped or created container (a running or paused one only with force,
 * which kills it first): its processes, cgroups and state directory.
 */
int barco_oci_delete(const char *id, bool force, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The host pids in the container's cgroup, as a JSON array. */
int barco_oci_ps(FILE *out, const char *id, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Prints the stage reports `create` kept. */
int barco_oci_explain(FILE *out, const char *id, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * --root DIR other than /run/barco: DIR/ID becomes a symbolic link to the
 * state directory, so an engine finds the container under the root it
 * named. (Every verb still reads /run/barco/ID: ids are one namespace.)
 */
int barco_oci_root_link(const char *root, const char *id, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Removes what barco_oci_root_link made, if anything. */
void barco_oci_root_unlink(const char *root, const char *id);

/* "TERM", "SIGKILL", "15" → the signal number. */
int barco_oci_parse_signal(const char *s, int *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Writes pid to path as conmon and the shim read it: digits, no newline, renamed into place. */
int barco_oci_write_pid_file(const char *path, pid_t pid, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Sends a pty master to --console-socket PATH: one message, one SCM_RIGHTS descriptor. */
int barco_oci_send_console(const char *path, int master, struct barco_err *err)
	__attribute__((warn_unused_result));

struct barco_cgroup;

/* The cgroups barco made for container id, on this host's layout. */
int barco_oci_container_cgroup(const char *id, struct barco_cgroup *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Whether the cgroup of container id is frozen (false when it has none). */
bool barco_oci_is_frozen(const char *id);

/* Thaws whatever the container's freezer holds; errors ignored (delete --force). */
void barco_oci_thaw(const char *id);
