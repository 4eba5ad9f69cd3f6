/* barco spec [--bundle DIR]: a config.json of barco's defaults, as `runc spec` writes runc's. */
#include "cli/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "runtime/oci_spec.h"

static const char spec_usage[] =
	"Usage: barco spec [--bundle DIR] [--rootless]\n"
	"\n"
	"Writes DIR/config.json (default: the current directory): an OCI bundle's\n"
	"configuration with barco's defaults (its mounts, masked paths, capability\n"
	"allowlist, namespaces, id map 0:100000:65536), the command 'sh' and the\n"
	"root 'rootfs'. Make the root with 'barco rootfs create DIR/rootfs', then\n"
	"'barco run --bundle DIR' or 'barco step --bundle DIR --until=STAGE'.\n"
	"An existing config.json is never overwritten.\n"
	"\n"
	"  -b, --bundle DIR  where to write config.json (default .)\n"
	"  --rootless        as runc spec --rootless, for an ordinary user: root inside\n"
	"                    is you (maps 0 UID 1, 0 GID 1), no network namespace (the\n"
	"                    host's is shared), /sys a read-only bind of the host's\n"
	"  -h, --help        this help\n";

int barco_cmd_spec(int argc, char **argv)
{
	static const struct option options[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"rootless", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct barco_err err = {0};
	const char *dir = ".";
	bool is_rootless = false;
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+b:h", options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(spec_usage, stdout);
			return 0;
		}
		if (opt == 'r') {
			is_rootless = true;
			continue;
		}
		if (opt != 'b') {
			barco_err_set(&err, 0,
				      "unknown option or missing value: '%s' (see 'barco "
				      "spec --help')",
				      argv[optind - 1]);
			return barco_cmd_fail(&err, 1);
		}
		dir = optarg;
	}
	if (optind < argc) {
		barco_err_set(&err, 0, "unexpected argument '%s' (see 'barco spec --help')",
			      argv[optind]);
		return barco_cmd_fail(&err, 1);
	}
	if (barco_oci_spec_write_default(dir, is_rootless, &err) < 0) {
		if (err.errnum == EEXIST)
			barco_err_set(&err, 0, "%s/config.json exists: remove it first", dir);
		return barco_cmd_fail(&err, 1);
	}
	return 0;
}
