#pragma once
/*
 * Command-line parsing for `barco run` (and the seed's flags) into a
 * struct barco_config. Pure: no file is created and nothing runs, so it is
 * unit tested and bad input can never leave anything behind.
 */
#include <stdbool.h>
#include "base/config.h"
#include "base/err.h"

/* Returned by the parsers when --help (or -h) was given. */
#define BARCO_CLI_HELP 1
/* Returned by the parsers when --version was given. */
#define BARCO_CLI_VERSION 2

/* What `barco step` adds to the options of `barco run`. */
struct barco_step_options {
	int until;	     /* enum barco_stage; -1 when not given */
	bool is_json;	     /* --json: one JSON object per line */
	bool is_interactive; /* -i: one foreground process, Enter between stages */
	bool is_diff;	     /* --diff: after each stage, what changed for the process */
};

/*
 * Parses `barco run` options; argv[0] is "run". With step non-NULL, also
 * the options of `barco step` (--until, --json, --diff, -i). The command starts after
 * "--" or at the first non-option. Values are checked here; checks that
 * need the file system (the rootfs) are in barco_config_finish() (base/config.h).
 */
int barco_cli_parse_run(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
			struct barco_step_options *step, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The original barco's flags: -u UID -m ROOTFS -c CMD [-a ARG] [-v]. */
int barco_cli_parse_seed(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
			 struct barco_err *err) __attribute__((warn_unused_result));

/* "--until=STAGE" values; error lists the stages. */
int barco_cli_parse_stage(const char *name, int *ret_stage, struct barco_err *err)
	__attribute__((warn_unused_result));

/* `barco run --help`, `barco step --help`. */
extern const char barco_run_usage[];
extern const char barco_step_usage[];

/* After getopt returned '?' or ':': the option at fault, named, and where help is. */
int barco_cli_unknown_option(char **argv, const char *cmd, struct barco_err *err);
