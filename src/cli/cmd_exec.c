/* barco exec [--process FILE] [OPTIONS] ID [COMMAND…]: runtime/oci_exec.h. */
#include "cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "runtime/oci_exec.h"

static const char exec_usage[] =
	"Usage: barco exec [OPTIONS] ID [COMMAND [ARG…]]\n"
	"\n"
	"Runs another process in the container ID, as runc exec does: in every\n"
	"namespace of its init (the user namespace first) and its cgroups, with\n"
	"the capabilities, rlimits and seccomp filter of its config.json. Global\n"
	"options (--root, --log, --log-format) go before 'exec': see 'barco help'.\n"
	"\n"
	"  -p, --process FILE     the process as JSON (config.json's \"process\")\n"
	"  -d, --detach           exit once it runs: the caller inherits it\n"
	"  --pid-file FILE        write its host pid to FILE\n"
	"  -t, --tty              a pty for it (needs --console-socket)\n"
	"  --console-socket PATH  send the pty's master to the AF_UNIX socket PATH\n"
	"  --cwd DIR              its working directory\n"
	"  -e, --env K=V          set K in its environment (repeatable)\n"
	"  -u, --user UID[:GID]   its identity\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: the process's (128+N for signal N); 0 with --detach once it\n"
	"runs; 255 with one line on stderr (and in --log) when it could not run;\n"
	"1 for a bad option or a missing id.\n";

enum { OPT_PID_FILE = 256, OPT_CONSOLE_SOCKET, OPT_CWD };

static const struct option exec_options[] = {
	{"process", required_argument, NULL, 'p'},
	{"detach", no_argument, NULL, 'd'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"tty", no_argument, NULL, 't'},
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"env", required_argument, NULL, 'e'},
	{"user", required_argument, NULL, 'u'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* One option into o; -1 on an unknown one, with err when the value is wrong. */
static int take_option(int opt, struct barco_oci_exec_opts *o, struct barco_err *err)
{
	switch (opt) {
	case 'p':
		o->process_file = optarg;
		break;
	case 'd':
		o->is_detach = true;
		break;
	case 't':
		o->is_tty = true;
		break;
	case 'u':
		o->user = optarg;
		break;
	case OPT_PID_FILE:
		o->pid_file = optarg;
		break;
	case OPT_CONSOLE_SOCKET:
		o->console_socket = optarg;
		break;
	case OPT_CWD:
		o->cwd = optarg;
		break;
	case 'e':
		if (o->env_len == BARCO_OCI_EXEC_ENV_MAX)
			return barco_err_set(err, 0, "--env: at most %d", BARCO_OCI_EXEC_ENV_MAX);
		o->env[o->env_len++] = optarg;
		break;
	default:
		return -1;
	}
	return 0;
}

/* runc exits 255 when exec fails (FACTS.md): engines tell it from the process's status by --log. */
static int exec_fail(const struct barco_oci_globals *g, const struct barco_err *err)
{
	(void)barco_cmd_oci_fail(g, err);
	return 255;
}

int barco_cmd_exec(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_oci_exec_opts o = {0};
	struct barco_err err = {0};
	int opt, status = 0;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:dtu:e:h", exec_options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(exec_usage, stdout);
			return 0;
		}
		/* runc: usage errors exit 1 */
		if (take_option(opt, &o, &err) < 0) {
			if (!err.msg[0])
				(void)barco_cli_unknown_option(argv, "barco exec", &err);
			return barco_cmd_oci_fail(g, &err);
		}
	}
	if (optind >= argc) {
		barco_err_set(&err, 0,
			      "usage: barco exec [--process FILE] [OPTIONS] ID [COMMAND…]");
		return barco_cmd_oci_fail(g, &err);
	}
	o.id = argv[optind];
	o.args = argv + optind + 1;
	if (barco_oci_exec(&o, &status, &err) < 0)
		return exec_fail(g, &err);
	return status;
}
