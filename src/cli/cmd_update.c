/* barco update [--resources FILE|-] [--memory SIZE] [--pids-limit N] [--cpu-shares N] ID. */
#include "cli/cmd.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "cli/cli.h"
#include "runtime/oci_update.h"

static const char update_usage[] =
	"Usage: barco update [OPTIONS] ID\n"
	"\n"
	"Changes the cgroup limits of the created, running or paused container ID,\n"
	"as runc update does. What is not given stays as it is; -1 lifts a limit.\n"
	"Global options (--root, --log, --log-format) go before 'update': see\n"
	"'barco help'.\n"
	"\n"
	"  -r, --resources FILE  runtime-spec's LinuxResources JSON (memory.limit,\n"
	"                        pids.limit, cpu.shares, devices: the whole new\n"
	"                        device rule list); '-' reads it from stdin\n"
	"  --memory SIZE         the memory limit (512M, 1G), as memory.limit\n"
	"  --pids-limit N        the most tasks (-1: no limit), as pids.limit\n"
	"  --cpu-shares N        cpu.shares (2..262144)\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 once written; 1 with one line on stderr (and in --log) for\n"
	"bad input, an unknown or stopped container, or a value the kernel refuses.\n";

enum { OPT_MEMORY = 256, OPT_PIDS, OPT_SHARES };

static const struct option update_options[] = {
	{"resources", required_argument, NULL, 'r'},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"pids-limit", required_argument, NULL, OPT_PIDS},
	{"cpu-shares", required_argument, NULL, OPT_SHARES},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* One flag over *res (after --resources, whatever the order: runc's too). */
static int take_flag(int opt, const char *arg, struct barco_oci_resources *res,
		     struct barco_err *err)
{
	uint64_t v;

	if (!arg)
		return barco_err_set(err, 0, "update: an option without its value");
	switch (opt) {
	case OPT_MEMORY:
		if (barco_parse_size(arg, &v, err) < 0 || v > INT64_MAX)
			return barco_err_wrap(err, "--memory");
		res->memory_limit = (int64_t)v;
		return 0;
	case OPT_PIDS:
		if (strcmp(arg, "-1") == 0) {
			res->pids_limit = -1;
			return 0;
		}
		if (barco_parse_uint(arg, 1, INT64_MAX, "--pids-limit", &v, err) < 0)
			return -1;
		res->pids_limit = (int64_t)v;
		return 0;
	default: /* OPT_SHARES */
		return barco_parse_uint(arg, 2, 262144, "--cpu-shares", &res->cpu_shares, err);
	}
}

/* --resources first, then the flags over it. */
static int parse_update(int argc, char **argv, struct barco_oci_resources *res,
			struct barco_err *err)
{
	const char *file = NULL;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+r:h", update_options, NULL)) != -1)
		if (opt == 'r')
			file = optarg;
		else if (opt == '?' || opt == ':')
			return barco_cli_unknown_option(argv, "barco update", err);
	if (optind != argc - 1)
		return barco_err_set(err, 0, "usage: barco update [OPTIONS] ID");
	if (file && barco_oci_read_resources(file, res, err) < 0)
		return -1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+r:h", update_options, NULL)) != -1)
		if (opt != 'r' && opt != 'h' && take_flag(opt, optarg, res, err) < 0)
			return -1;
	return 0;
}

int barco_cmd_update(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_oci_resources res = {0};
	struct barco_err err = {0};
	int r;

	if (barco_cmd_is_help(argc, argv, update_usage))
		return 0;
	r = parse_update(argc, argv, &res, &err) < 0 ||
			    barco_oci_update(argv[argc - 1], &res, &err) < 0
		    ? barco_cmd_oci_fail(g, &err)
		    : 0;
	barco_oci_resources_free(&res);
	return r;
}
