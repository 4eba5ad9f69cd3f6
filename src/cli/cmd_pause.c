/* barco pause ID, barco resume ID: runtime/oci_pause.h. */
#include "cli/cmd.h"

#include <stdio.h>

#include "runtime/oci_pause.h"

static const char pause_usage[] =
	"Usage: barco pause ID\n"
	"\n"
	"Freezes every process of the container ID, as runc pause does: the v1\n"
	"freezer on hybrid and v1 hosts, cgroup.freeze on cgroup v2. Its state is\n"
	"then \"paused\" until 'barco resume ID'. Global options (--root, --log,\n"
	"--log-format) go before 'pause': see 'barco help'.\n"
	"\n"
	"  -h, --help  this help\n"
	"\n"
	"Exit status: 0 once every process is frozen; 1 with one line on stderr\n"
	"(and in --log) when ID is not a created or running container.\n";

static const char resume_usage[] =
	"Usage: barco resume ID\n"
	"\n"
	"Thaws the paused container ID, as runc resume does: its processes go on\n"
	"where they were. Global options go before 'resume': see 'barco help'.\n"
	"\n"
	"  -h, --help  this help\n"
	"\n"
	"Exit status: 0 once thawed; 1 with one line on stderr (and in --log) when\n"
	"ID is not a paused container.\n";

static int freeze_verb(int argc, char **argv, const struct barco_oci_globals *g, const char *usage,
		       int (*verb)(const char *, struct barco_err *))
{
	struct barco_err err = {0};

	if (barco_cmd_is_help(argc, argv, usage))
		return 0;
	if (argc != 2 || argv[1][0] == '-') {
		barco_err_set(&err, 0, "usage: barco %s ID", argv[0]);
		return barco_cmd_oci_fail(g, &err);
	}
	if (verb(argv[1], &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	return 0;
}

int barco_cmd_pause(int argc, char **argv, const struct barco_oci_globals *g)
{
	return freeze_verb(argc, argv, g, pause_usage, barco_oci_pause);
}

int barco_cmd_resume(int argc, char **argv, const struct barco_oci_globals *g)
{
	return freeze_verb(argc, argv, g, resume_usage, barco_oci_resume);
}
