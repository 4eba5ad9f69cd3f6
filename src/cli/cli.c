#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/caps.h"
#include "stages/net.h"
#include "stages/net_nat.h"
#include "base/parse.h"
#include "stages/seccomp.h"
#include "runtime/lesson_skip.h"
#include "runtime/stage.h"

const char barco_run_usage[] =
	"Usage: barco run [OPTIONS] [--] CMD [ARG...]\n"
	"       barco run --bundle DIR [--name NAME] [--seccomp MODE] [--trace]\n"
	"\n"
	"Runs CMD in a new container, through every isolation stage in order:\n"
	"cgroups, userns, namespaces, hostname, mounts, network, caps, seccomp, exec.\n"
	"\n"
	"  --rootfs DIR          root filesystem (default: a busybox rootfs in\n"
	"                        $BARCO_HOME/rootfs or /var/lib/barco/rootfs, made on first use);\n"
	"                        '/' binds the host root read-only\n"
	"  --name NAME           container name (default: a random 12-digit hex id)\n"
	"  --hostname NAME       hostname inside (default: the container name)\n"
	"  --uid N, --gid N      identity inside the container (default 0, 0)\n"
	"  --uidmap IN:OUT:COUNT user id map, repeatable (default 0:100000:65536)\n"
	"  --gidmap IN:OUT:COUNT group id map, repeatable (default 0:100000:65536)\n"
	"  --userns=host         no user namespace: container root is host root (unsafe)\n"
	"  --net=MODE            none (default: a network namespace with only lo),\n"
	"                        bridge (eth0 on the bridge barco0, NAT; root only),\n"
	"                        slirp4netns (tap0 served by slirp4netns, a user-mode\n"
	"                        network stack: for ordinary users, and root),\n"
	"                        host (the host's), ns:PATH (join that namespace)\n"
	"  -p, --publish [IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]\n"
	"                        publish a port of a --net=bridge or --net=slirp4netns\n"
	"                        container (repeatable)\n"
	"  --memory SIZE         memory limit, e.g. 256M (K, M, G suffixes)\n"
	"  --cpu-weight N        CPU weight, 1..10000 (default: the kernel's, 100)\n"
	"  --pids N              maximum number of processes\n"
	"  --env KEY=VALUE       environment variable, repeatable\n"
	"  --workdir DIR         working directory inside (default /)\n"
	"  --cap-add CAP         keep a capability beyond the default allowlist (or ALL)\n"
	"  --cap-drop CAP        drop a capability from the allowlist (or ALL)\n"
	"  --seccomp MODE        'default' (allowlist filter) or 'unconfined'\n"
	"  --trace               trace the container with eBPF; after CMD exits, report on\n"
	"                        stderr what seccomp and the capability drop denied\n"
	"  --json                with --trace: the report as one JSON object\n"
	"  --init                run a tiny init as pid 1 that reaps zombies and forwards\n"
	"                        signals to CMD's process group; CMD runs as its child\n"
	"  -t, --tty             give CMD a terminal of its own (a pty of the container's\n"
	"                        devpts) and relay this one to it; without -t, CMD uses\n"
	"                        barco's stdin, stdout and stderr as they are\n"
	"  --bundle DIR          an OCI bundle: DIR/config.json gives the command, rootfs,\n"
	"                        identity, mounts, namespaces and limits (see 'barco spec')\n"
	"  --lesson-skip=STAGE   UNSAFE, for lessons: leave one protection out to see the\n"
	"                        escape it prevents (barco verify --lesson-skip=STAGE shows\n"
	"                        it): cgroups (no limits), userns (container root is host\n"
	"                        root), hostname, mounts (the host's / stays the root),\n"
	"                        pivot_root (chroot instead: the chroot escape works), caps\n"
	"                        (no capability dropped), seccomp (no filter). Once only.\n"
	"                        namespaces, network and exec cannot be left out: the mounts\n"
	"                        stage needs the mount namespace (it would change the host's\n"
	"                        own), network and exec take nothing away\n"
	"  -v, --verbose         log every step on stderr (-vv for more)\n"
	"  -q, --quiet           print only errors\n"
	"  -h, --help            this help\n"
	"      --version         barco's version\n"
	"\n"
	"Exit status: CMD's own; 128+N if it died of signal N; 125 for barco's own\n"
	"errors; 126 if CMD cannot be executed; 127 if it is not found.\n";

const char barco_step_usage[] =
	"Usage: barco step --until=STAGE [RUN OPTIONS] [--name NAME] -- CMD [ARG...]\n"
	"       barco step NAME [--until=STAGE] [--json] [--diff]\n"
	"       barco step -i [RUN OPTIONS] -- CMD [ARG...]\n"
	"       barco step --bundle DIR --until=STAGE [--name NAME]\n"
	"       barco step ID --explain   (the stage reports of a container 'barco create' made)\n"
	"\n"
	"Runs a container one isolation stage at a time. The first form runs the\n"
	"stages through STAGE, prints a report for each and leaves the container\n"
	"paused, held by a small monitor process. The second advances a paused\n"
	"container by one stage, or through STAGE; at exec the command runs on\n"
	"this terminal and barco exits with its status. -i does it all in the\n"
	"foreground: Enter runs the next stage, q aborts and cleans up.\n"
	"\n"
	"  --until=STAGE   cgroups, userns, namespaces, hostname, mounts, network,\n"
	"                  caps, seccomp or exec\n"
	"  --json          one JSON object per line instead of text\n"
	"  --diff          after each stage, what changed for the container process\n"
	"                  as the host sees it (capabilities, seccomp, ids, namespaces,\n"
	"                  mounts, cgroups, hostname)\n"
	"  -i              interactive, in the foreground\n"
	"\n"
	"RUN OPTIONS are those of 'barco run --help'. See also: barco stages, barco ps,\n"
	"barco delete NAME.\n";

enum {
	OPT_ROOTFS = 256,
	OPT_NAME,
	OPT_HOSTNAME,
	OPT_UID,
	OPT_GID,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_USERNS,
	OPT_MEMORY,
	OPT_CPU_WEIGHT,
	OPT_PIDS,
	OPT_ENV,
	OPT_WORKDIR,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SECCOMP,
	OPT_UNTIL,
	OPT_JSON,
	OPT_DIFF,
	OPT_TRACE,
	OPT_INIT,
	OPT_BUNDLE,
	OPT_LESSON_SKIP,
	OPT_NET,
};

static const struct option run_options[] = {
	{"rootfs", required_argument, NULL, OPT_ROOTFS},
	{"name", required_argument, NULL, OPT_NAME},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"uid", required_argument, NULL, OPT_UID},
	{"gid", required_argument, NULL, OPT_GID},
	{"uidmap", required_argument, NULL, OPT_UIDMAP},
	{"gidmap", required_argument, NULL, OPT_GIDMAP},
	{"userns", required_argument, NULL, OPT_USERNS},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"cpu-weight", required_argument, NULL, OPT_CPU_WEIGHT},
	{"pids", required_argument, NULL, OPT_PIDS},
	{"env", required_argument, NULL, OPT_ENV},
	{"workdir", required_argument, NULL, OPT_WORKDIR},
	{"cap-add", required_argument, NULL, OPT_CAP_ADD},
	{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
	{"seccomp", required_argument, NULL, OPT_SECCOMP},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"init", no_argument, NULL, OPT_INIT},
	{"tty", no_argument, NULL, 't'},
	{"bundle", required_argument, NULL, OPT_BUNDLE},
	{"lesson-skip", required_argument, NULL, OPT_LESSON_SKIP},
	{"net", required_argument, NULL, OPT_NET},
	{"publish", required_argument, NULL, 'p'},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"json", no_argument, NULL, OPT_JSON},
	{"diff", no_argument, NULL, OPT_DIFF},
	{"interactive", no_argument, NULL, 'i'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int add_idmap(struct barco_idmap *maps, size_t *len, const char *arg, const char *what,
		     struct barco_err *err)
{
	if (*len >= BARCO_IDMAP_MAX)
		return barco_err_set(err, 0, "too many %s ranges: at most %d", what,
				     BARCO_IDMAP_MAX);
	if (barco_parse_idmap(arg, &maps[*len], err) < 0)
		return barco_err_wrap(err, "--%s", what);
	(*len)++;
	return 0;
}

static int add_cap(uint64_t *mask, const char *name, const char *opt, struct barco_err *err)
{
	int cap;

	if (barco_cap_from_name(name, &cap, err) < 0)
		return barco_err_wrap(err, "%s", opt);
	*mask |= cap == -2 ? ~0ull : 1ull << cap;
	return 0;
}

static int parse_id(const char *arg, const char *what, uint32_t *ret, struct barco_err *err)
{
	uint64_t v;

	if (barco_parse_uint(arg, 0, UINT32_MAX - 1, what, &v, err) < 0)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

/* Break-it mode: one protection left out, never two (each lesson breaks one thing). */
static int parse_lesson_skip(struct barco_config *cfg, const char *arg, struct barco_err *err)
{
	int skip;

	if (barco_lesson_skip_from_name(arg, &skip, err) < 0)
		return -1;
	if (cfg->lesson_skip)
		return barco_err_set(err, 0,
				     "--lesson-skip given twice ('%s', then '%s'): one protection "
				     "at a time, so each escape has one cause",
				     barco_lesson_skip_get(cfg->lesson_skip)->name, arg);
	cfg->lesson_skip = skip;
	return 0;
}

/* What --lesson-skip cannot go with; then the configuration it changes. */
static int check_lesson_skip(struct barco_config *cfg, struct barco_err *err)
{
	if (cfg->bundle)
		return barco_err_set(err, 0,
				     "--lesson-skip is for lessons, not for an OCI bundle: "
				     "drop --bundle or --lesson-skip");
	if (cfg->is_terminal && cfg->lesson_skip == BARCO_LESSON_SKIP_MOUNTS)
		return barco_err_set(
			err, 0,
			"-t with --lesson-skip=mounts: the terminal is a pty of the "
			"container's own devpts, which the mounts stage makes; drop -t");
	barco_lesson_skip_apply(cfg);
	return 0;
}

/* The options that limit and change the container process: cgroups, environment, caps. */
static int apply_process_option(struct barco_config *cfg, int opt, const char *arg,
				struct barco_err *err)
{
	uint64_t v;

	switch (opt) {
	case OPT_MEMORY:
		if (barco_parse_size(arg, &cfg->memory_max_bytes, err) < 0)
			return barco_err_wrap(err, "--memory");
		return 0;
	case OPT_CPU_WEIGHT:
		return barco_parse_uint(arg, 1, 10000, "--cpu-weight", &cfg->cpu_weight, err);
	case OPT_PIDS:
		if (barco_parse_uint(arg, 1, INT64_MAX, "--pids", &v, err) < 0)
			return -1;
		cfg->pids_max = (int64_t)v;
		return 0;
	case OPT_ENV:
		return barco_config_add_env(cfg, arg, err);
	case OPT_WORKDIR:
		if (arg[0] != '/')
			return barco_err_set(
				err, 0, "invalid --workdir '%s': must be an absolute path", arg);
		cfg->workdir = arg;
		return 0;
	case OPT_CAP_ADD:
		return add_cap(&cfg->caps_add, arg, "--cap-add", err);
	case OPT_CAP_DROP:
		return add_cap(&cfg->caps_drop, arg, "--cap-drop", err);
	case OPT_SECCOMP:
		return barco_seccomp_mode_from_name(arg, &cfg->seccomp, err);
	case OPT_TRACE:
		cfg->is_trace = true;
		return 0;
	case OPT_INIT:
		cfg->is_init = true;
		return 0;
	case 't':
		cfg->is_terminal = true;
		return 0;
	case OPT_BUNDLE:
		cfg->bundle = arg;
		return 0;
	case OPT_LESSON_SKIP:
		return parse_lesson_skip(cfg, arg, err);
	}
	return barco_err_set(err, 0, "internal error: option %d not handled", opt);
}

/* The options that name the container and its identity; the rest: apply_process_option. */
static int apply_run_option(struct barco_config *cfg, int opt, const char *arg,
			    struct barco_err *err)
{
	switch (opt) {
	case OPT_ROOTFS:
		return barco_config_copy_string(cfg->rootfs, sizeof(cfg->rootfs), arg, "--rootfs",
						err);
	case OPT_NAME:
		if (barco_parse_name(arg, err) < 0)
			return -1;
		return barco_config_copy_string(cfg->name, sizeof(cfg->name), arg, "--name", err);
	case OPT_HOSTNAME:
		if (barco_parse_hostname(arg, err) < 0)
			return -1;
		return barco_config_copy_string(cfg->hostname, sizeof(cfg->hostname), arg,
						"--hostname", err);
	case OPT_UID:
		return parse_id(arg, "--uid", &cfg->uid, err);
	case OPT_GID:
		return parse_id(arg, "--gid", &cfg->gid, err);
	case OPT_UIDMAP:
		return add_idmap(cfg->uidmap, &cfg->uidmap_len, arg, "uidmap", err);
	case OPT_GIDMAP:
		return add_idmap(cfg->gidmap, &cfg->gidmap_len, arg, "gidmap", err);
	case OPT_USERNS:
		if (strcmp(arg, "host") != 0)
			return barco_err_set(err, 0,
					     "invalid --userns '%s': the only value is 'host' (a "
					     "user namespace is the default)",
					     arg);
		cfg->is_userns_host = true;
		return 0;
	case OPT_NET:
		return barco_net_parse_mode(arg, cfg, err);
	case 'p':
		return barco_net_parse_port(arg, cfg, err);
	}
	return apply_process_option(cfg, opt, arg, err);
}

/*
 * getopt leaves optind on the element it is still scanning when a short
 * option in the middle of a cluster is wrong: name the option character
 * then, and the whole element for long options.
 */
int barco_cli_unknown_option(char **argv, const char *cmd, struct barco_err *err)
{
	if (optopt > 0 && optopt < 128)
		return barco_err_set(err, 0,
				     "unknown option or missing value: '-%c' (see '%s --help')",
				     optopt, cmd);
	return barco_err_set(err, 0, "unknown option or missing value: '%s' (see '%s --help')",
			     argv[optind - 1], cmd);
}

int barco_cli_parse_stage(const char *name, int *ret_stage, struct barco_err *err)
{
	int stage = barco_stage_from_name(name);

	if (stage < 0)
		return barco_err_set(err, 0, "unknown stage '%s': the stages are %s", name,
				     barco_stage_list());
	*ret_stage = stage;
	return 0;
}

/* --until, --json, --diff, -i: only for `barco step`. */
static int apply_step_option(struct barco_step_options *step, int opt, const char *arg, char **argv,
			     struct barco_err *err)
{
	if (!step)
		return barco_cli_unknown_option(argv, "barco run", err);
	if (opt == OPT_UNTIL)
		return barco_cli_parse_stage(arg, &step->until, err);
	if (opt == OPT_JSON)
		step->is_json = true;
	else if (opt == OPT_DIFF)
		step->is_diff = true;
	else
		step->is_interactive = true;
	return 0;
}

/* With --bundle, config.json says what the container is: no command, none of its options. */
static int check_bundle_options(int argc, char **argv, int conflict, const char *cmd,
				struct barco_err *err)
{
	for (const struct option *o = run_options; conflict && o->name; o++)
		if (o->val == conflict)
			return barco_err_set(err, 0,
					     "--%s: with --bundle, config.json sets this (edit it "
					     "instead)",
					     o->name);
	if (optind < argc)
		return barco_err_set(err, 0,
				     "%s --bundle: the command is config.json's process.args; "
				     "'%s' is one too many",
				     cmd, argv[optind]);
	return 0;
}

/* Once the options are read: what they mean together, and the command. */
static int check_run_options(int argc, char **argv, struct barco_config *cfg, bool is_step,
			     int conflict, struct barco_err *err)
{
	const char *cmd = is_step ? "barco step" : "barco run";

	if (is_step && cfg->is_trace)
		return barco_err_set(err, 0, "--trace is an option of 'barco run', not of '%s'",
				     cmd);
	if (is_step && cfg->is_terminal)
		return barco_err_set(
			err, 0,
			"-t is an option of 'barco run': at exec, 'barco step' runs the "
			"command on the terminal it was called from");
	if (cfg->is_trace_json && !cfg->is_trace)
		return barco_err_set(err, 0,
				     "--json is the format of the --trace report: add --trace");
	if (cfg->is_init && cfg->pids_max == 1)
		return barco_err_set(err, 0,
				     "--init needs 2 processes (the init and CMD) but --pids is 1: "
				     "give --pids 2 or more, or drop --init");
	if (cfg->lesson_skip && check_lesson_skip(cfg, err) < 0)
		return -1;
	if (cfg->bundle)
		return check_bundle_options(argc, argv, conflict, cmd, err);
	if (optind >= argc)
		return barco_err_set(
			err, 0, "no command given: usage is '%s [OPTIONS] -- CMD [ARG...]'", cmd);
	cfg->argv = argv + optind;
	return 0;
}

int barco_cli_parse_run(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
			struct barco_step_options *step, struct barco_err *err)
{
	const char *cmd = step ? "barco step" : "barco run";
	int conflict = 0; /* the last option config.json decides with --bundle */
	int opt;

	/* '+': options end at the command, so `barco run sh -c x` keeps "-c" for sh. */
	optind = 0;
	opterr = 0;
	if (step)
		*step = (struct barco_step_options){.until = -1};
	while ((opt = getopt_long(argc, argv, step ? "+vqhitp:" : "+vqhtp:", run_options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'v':
			(*ret_verbosity)++;
			break;
		case 'q':
			*ret_verbosity = -1;
			break;
		case 'h':
			return BARCO_CLI_HELP;
		case 'V':
			return BARCO_CLI_VERSION;
		case '?':
			return barco_cli_unknown_option(argv, cmd, err);
		case 'i':
		case OPT_UNTIL:
		case OPT_JSON:
		case OPT_DIFF:
			/* barco run --json: the trace report; barco step --json: the stages. */
			if (!step && opt == OPT_JSON)
				cfg->is_trace_json = true;
			else if (apply_step_option(step, opt, optarg, argv, err) < 0)
				return -1;
			break;
		default:
			if (opt != OPT_NAME && opt != OPT_SECCOMP && opt != OPT_TRACE &&
			    opt != OPT_BUNDLE)
				conflict = opt;
			if (apply_run_option(cfg, opt, optarg, err) < 0)
				return -1;
		}
	}
	return check_run_options(argc, argv, cfg, step != NULL, conflict, err);
}

int barco_cli_parse_seed(int argc, char **argv, struct barco_config *cfg, int *ret_verbosity,
			 struct barco_err *err)
{
	int opt;

	/* The seed form has short options only; getopt would read "--x" as "-", "-", "x". */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--help") != 0)
			return barco_err_set(
				err, 0,
				"unknown option '%s' (the seed form is 'barco -u UID -m "
				"DIR -c CMD [-a ARG]'; see 'barco help')",
				argv[i]);
	optind = 0;
	opterr = 0;
	while ((opt = getopt(argc, argv, "+u:m:c:a:vh")) != -1) {
		switch (opt) {
		case 'u':
			if (parse_id(optarg, "-u", &cfg->uid, err) < 0)
				return -1;
			break;
		case 'm':
			if (barco_config_copy_string(cfg->rootfs, sizeof(cfg->rootfs), optarg, "-m",
						     err) < 0)
				return -1;
			break;
		case 'c':
			cfg->seed_argv[0] = optarg;
			break;
		case 'a':
			cfg->seed_argv[1] = optarg;
			break;
		case 'v':
			(*ret_verbosity)++;
			break;
		case 'h':
			return BARCO_CLI_HELP;
		default:
			return barco_cli_unknown_option(argv, "barco", err);
		}
	}
	if (optind < argc)
		return barco_err_set(err, 0,
				     "unexpected argument '%s' (the seed form is 'barco -u UID -m "
				     "DIR -c CMD [-a ARG]')",
				     argv[optind]);
	if (!cfg->seed_argv[0] || !cfg->seed_argv[0][0])
		return barco_err_set(err, 0,
				     "no command given: use -c CMD (or 'barco run -- CMD')");
	if (!cfg->rootfs[0])
		return barco_err_set(err, 0, "no root filesystem given: use -m DIR");
	cfg->argv = cfg->seed_argv;
	return 0;
}
