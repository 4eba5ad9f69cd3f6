/* barco kill [--all] ID [SIGNAL]: SIGNAL a number or a name (TERM, SIGKILL); SIGTERM by default. */
#include "cli/cmd.h"

#include <signal.h>
#include <string.h>

#include "runtime/oci_lifecycle.h"

static const char kill_usage[] =
	"Usage: barco kill [--all] ID [SIGNAL]\n"
	"\n"
	"Sends SIGNAL to the init of the container ID, as runc kill does. SIGNAL is\n"
	"a number or a name, with or without SIG (TERM, SIGKILL); SIGTERM by default.\n"
	"Global options (--root, --log, --log-format) go before 'kill': see 'barco help'.\n"
	"\n"
	"  -a, --all   send SIGNAL to every process in the container's cgroup\n"
	"  -h, --help  this help\n"
	"\n"
	"Exit status: 0; 1 with one line on stderr (and in --log) on error.\n";

int barco_cmd_kill(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_err err = {0};
	bool is_all = false;
	int i = 1, sig = SIGTERM;

	if (barco_cmd_is_help(argc, argv, kill_usage))
		return 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--all") != 0 && strcmp(argv[i], "-a") != 0) {
			barco_err_set(&err, 0, "kill: unknown option '%s'", argv[i]);
			return barco_cmd_oci_fail(g, &err);
		}
		is_all = true;
	}
	if (i >= argc || argc - i > 2)
		return barco_cmd_oci_usage(g, kill_usage);
	if ((argc - i == 2 && barco_oci_parse_signal(argv[i + 1], &sig, &err) < 0) ||
	    barco_oci_kill(argv[i], sig, is_all, &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	return 0;
}
