#pragma once
/*
 * The CLI verbs, one file each (src/cli/cmd_VERB.c), and what they share
 * (src/cli/cmd.c; the OCI verbs' error contract: src/cli/cmd_oci.c). Only
 * these print messages and choose exit statuses.
 */
#include <stdbool.h>
#include <stdint.h>
#include "base/config.h"
#include "base/err.h"

int barco_cmd_run(int argc, char **argv);
int barco_cmd_seed(int argc, char **argv);
int barco_cmd_rootfs(int argc, char **argv);
int barco_cmd_step(int argc, char **argv);
int barco_cmd_stages(int argc, char **argv);
int barco_cmd_ps(int argc, char **argv);
int barco_cmd_delete(int argc, char **argv);
int barco_cmd_probe(int argc, char **argv);
int barco_cmd_lesson(int argc, char **argv);
int barco_cmd_verify(int argc, char **argv);
int barco_cmd_spec(int argc, char **argv);

/* runc's global options, given before the verb (OCI.md "Who calls what"). */
struct barco_oci_globals {
	/*
	 * --root: ROOT/ID links to barco's state in /run/barco/ID (an ordinary
	 * user's: $XDG_RUNTIME_DIR/barco/ID, runtime/state.h); NULL, the
	 * default for every verb (podman calls `state` without it): none.
	 */
	const char *root;
	const char *log;	/* --log FILE: errors are appended there too */
	bool is_log_json;	/* --log-format json */
	bool is_systemd_cgroup; /* cgroupsPath is "slice:prefix:name"; barco writes cgroupfs */
	bool is_given;		/* any of them: an engine is calling */
};

int barco_cmd_create(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_start(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_state(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_kill(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_exec(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_pause(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_resume(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_update(int argc, char **argv, const struct barco_oci_globals *g);
/* delete and ps: barco's own, or the OCI form (delete --force ID, ps --format json ID). */
int barco_cmd_delete_any(int argc, char **argv, const struct barco_oci_globals *g);
int barco_cmd_ps_any(int argc, char **argv, const struct barco_oci_globals *g);

/* True, after printing usage on stdout, when argv[1] is -h or --help. */
bool barco_cmd_is_help(int argc, char **argv, const char *usage);

/* An OCI verb's error: one line on stderr, a line in --log, status 1 (as runc). */
int barco_cmd_oci_fail(const struct barco_oci_globals *g, const struct barco_err *err);

/* An OCI verb's wrong arguments: "usage: " and usage's first line after "Usage: ". */
int barco_cmd_oci_usage(const struct barco_oci_globals *g, const char *usage);

/* A verb that takes ID alone (start, state): --help, the count, fn(ID), its error. */
typedef int barco_cmd_oci_id_fn(const char *id, struct barco_err *err);
int barco_cmd_oci_by_id(int argc, char **argv, const char *usage, const struct barco_oci_globals *g,
			barco_cmd_oci_id_fn *fn);

/* Prints "barco: <error>" as one line on stderr and returns status. */
int barco_cmd_fail(const struct barco_err *err, int status);

/*
 * After parsing (parsed is the parser's result, parse_err its error): sets
 * the log level, fills defaults, checks that we are root, makes the
 * default rootfs on first use. Returns false when the command must stop
 * (help printed, or an error reported) and exit with *ret_status.
 */
bool barco_cmd_prepare(struct barco_config *cfg, int parsed, const struct barco_err *parse_err,
		       int verbosity, const char *usage, int *ret_status);

/* The loud line on stderr of --lesson-skip (runtime/lesson_skip.h); nothing for 0. */
void barco_cmd_warn_lesson_skip(int skip);

/* -v (1, 2), -q (-1) or neither (0): barco's log level from then on. */
void barco_cmd_set_verbosity(int verbosity);

/*
 * Parses the command line with parse (barco run's options, or the seed
 * form's), then runs the container as `barco run` does; the status to exit with.
 */
typedef int barco_cmd_parse_fn(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
			       struct barco_err *err);
int barco_cmd_run_parsed(int argc, char **argv, barco_cmd_parse_fn *parse);
