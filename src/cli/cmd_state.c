/* barco state ID: runtime-spec's state JSON, plus "barco.stage". */
#include "cli/cmd.h"

#include <stdio.h>

#include "runtime/oci_lifecycle.h"

static const char state_usage[] =
	"Usage: barco state ID\n"
	"\n"
	"Prints the state of the container ID as runtime-spec's JSON (ociVersion, id,\n"
	"status created, running or stopped, pid, bundle, annotations), plus\n"
	"\"barco.stage\", the last stage its init went through, as runc state does.\n"
	"Global options (--root, --log, --log-format) go before 'state': see 'barco help'.\n"
	"\n"
	"  -h, --help  this help\n"
	"\n"
	"Exit status: 0; 1 with one line on stderr (and in --log) when there is no\n"
	"container ID.\n";

static int print_state(const char *id, struct barco_err *err)
{
	struct barco_oci_state st;

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	barco_oci_state_print(stdout, &st);
	return 0;
}

int barco_cmd_state(int argc, char **argv, const struct barco_oci_globals *g)
{
	return barco_cmd_oci_by_id(argc, argv, state_usage, g, print_state);
}
