/* barco create --bundle B --pid-file P ID: everything but execve (runtime/oci_lifecycle.h). */
#include "cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "runtime/oci_lifecycle.h"

static const char create_usage[] =
	"Usage: barco create [--bundle DIR] [OPTIONS] ID\n"
	"\n"
	"Makes the container ID from the OCI bundle DIR, as runc create does: its\n"
	"stages run through seccomp (see 'barco stages') and its init waits for\n"
	"'barco start ID' to execve config.json's process.args. The stage reports:\n"
	"'barco step ID --explain'. Global options (--root, --log, --log-format)\n"
	"go before 'create': see 'barco help'.\n"
	"\n"
	"  -b, --bundle DIR       the bundle: DIR/config.json and its root (default .)\n"
	"  --pid-file FILE        write the init's host pid to FILE\n"
	"  --console-socket PATH  with process.terminal true: send the pty's master\n"
	"                         to the AF_UNIX socket PATH\n"
	"  --preserve-fds N       only 0 (the default); other values are refused\n"
	"  --no-pivot             accepted and ignored: barco always uses pivot_root\n"
	"  --no-new-keyring       accepted and ignored: barco makes no session keyring\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 once the init waits; 1 with one line on stderr (and in --log),\n"
	"nothing left behind, on error.\n";

enum { OPT_PID_FILE = 256, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE };

static const struct option create_options[] = {
	{"bundle", required_argument, NULL, 'b'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int barco_cmd_create(int argc, char **argv, const struct barco_oci_globals *g)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL;
	struct barco_err err = {0};
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+b:h", create_options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(create_usage, stdout);
			return 0;
		}
		if (opt == 'b')
			bundle = optarg;
		else if (opt == OPT_PID_FILE)
			pid_file = optarg;
		else if (opt == OPT_CONSOLE_SOCKET)
			console = optarg;
		else if (opt == OPT_PRESERVE && strcmp(optarg, "0") != 0) {
			barco_err_set(&err, 0, "--preserve-fds: not supported yet");
			return barco_cmd_oci_fail(g, &err);
		} else if (opt == '?') {
			barco_err_set(&err, 0, "create: unknown option or missing value '%s'",
				      argv[optind - 1]);
			return barco_cmd_oci_fail(g, &err);
		}
		/* --no-pivot, --no-new-keyring: barco always pivots and makes no keyring. */
	}
	if (optind != argc - 1)
		return barco_cmd_oci_usage(g, create_usage);
	if (barco_oci_create(bundle, argv[optind], pid_file, console, g->is_systemd_cgroup, &err) <
	    0)
		return barco_cmd_oci_fail(g, &err);
	if (barco_oci_root_link(g->root, argv[optind], &err) < 0) {
		struct barco_err ignored;

		/* Nothing left behind: the container made a moment ago goes too. */
		if (barco_oci_delete(argv[optind], true, &ignored) < 0)
			barco_oci_root_unlink(g->root, argv[optind]);
		return barco_cmd_oci_fail(g, &err);
	}
	return 0;
}
