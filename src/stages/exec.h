#pragma once
/*
 * The last stage: run the user's command. The PATH lookup uses the
 * container's PATH (from its environment, not barco's) and happens inside
 * the new root.
 */
#include "base/config.h"
#include "base/err.h"
#include "base/exit_status.h"
#include "base/report.h"

/* The value of PATH in env, or the default search path. */
const char *barco_exec_path(const char *const *env);

/*
 * execve()s argv[0], searching PATH when it has no '/'. Returns only on
 * failure, with err->errnum ENOENT when nothing was found (the caller
 * exits 127) and the most telling other errno otherwise (126).
 */
int barco_exec_command(char *const *argv, const char *const *env, struct barco_err *err);

/*
 * Whether argv[0] would execute, searched as barco_exec_command searches:
 * `barco create` must fail when the command cannot run, not `start` later.
 * The message has the words engines match: "executable file not found in
 * $PATH", "no such file or directory", "permission denied".
 */
int barco_exec_check(char *const *argv, const char *const *env, struct barco_err *err)
	__attribute__((warn_unused_result));

/* 127 for ENOENT/ENOTDIR, else 126. */
int barco_exec_status_for_errno(int errnum);

/* The status the CLI reports for a wait status: the code, or 128+N for signal N. */
int barco_exit_status_from_wait(int wstatus);

/*
 * setrlimit(2) for each of cfg->rlimits (an OCI bundle's process.rlimits),
 * and umask(2) when cfg->has_umask, in the container before execve. Raising a hard limit above the
 * current one needs CAP_SYS_RESOURCE (the error says so).
 */
int barco_exec_set_rlimits(const struct barco_config *cfg, struct barco_report *rep,
			   struct barco_err *err) __attribute__((warn_unused_result));
