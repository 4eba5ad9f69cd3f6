#pragma once
/*
 * `barco exec ID`: another process in a running (or created) container, as
 * conmon (`podman exec`) and containerd's shim (`ctr task exec`) ask for it:
 * the container's config.json with its process replaced by --process FILE
 * (or by the arguments and flags), in every namespace of the container's
 * init (the user namespace first), in its cgroups, with the caps, seccomp
 * and exec stages' functions applied as for the init.
 */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define BARCO_OCI_EXEC_ENV_MAX 64

struct barco_oci_exec_opts {
	const char *id;
	const char *process_file; /* process.json (runtime-spec "Process"), or NULL */
	char *const *args;	  /* the command when no process_file; NULL-terminated */
	const char *pid_file;	  /* the process's host pid, as create writes it */
	const char *console_socket;
	const char *cwd;			 /* --cwd: replaces process.cwd */
	const char *env[BARCO_OCI_EXEC_ENV_MAX]; /* --env K=V, each replacing or adding K */
	size_t env_len;
	const char *user; /* --user UID[:GID] */
	bool is_detach;	  /* exit once the process runs; the caller (a subreaper) inherits it */
	bool is_tty;	  /* process.terminal: a pty, its master sent to console_socket */
};

/*
 * Runs the process. With is_detach, returns 0 once it has called execve
 * (its host pid in opts->pid_file); otherwise waits for it and puts its
 * exit status (128+N for signal N) in *ret_status. A command that cannot
 * run is an error with the words engines match (oci_lifecycle.h).
 */
int barco_oci_exec(const struct barco_oci_exec_opts *opts, int *ret_status, struct barco_err *err)
	__attribute__((warn_unused_result));
