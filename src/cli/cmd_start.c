/* barco start ID: a created container's init goes on to execve. */
#include "cli/cmd.h"

#include "runtime/oci_lifecycle.h"

static const char start_usage[] =
	"Usage: barco start ID\n"
	"\n"
	"Lets the init of the container ID, which 'barco create' left waiting after\n"
	"the seccomp stage, execve config.json's process.args, as runc start does.\n"
	"Global options (--root, --log, --log-format) go before 'start': see 'barco help'.\n"
	"\n"
	"  -h, --help  this help\n"
	"\n"
	"Exit status: 0 once the command is started; 1 with one line on stderr (and\n"
	"in --log) when ID is not a created container.\n";

int barco_cmd_start(int argc, char **argv, const struct barco_oci_globals *g)
{
	return barco_cmd_oci_by_id(argc, argv, start_usage, g, barco_oci_start);
}
