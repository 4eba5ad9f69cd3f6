/* barco seed: the original barco's flags (-u UID -m ROOTFS -c CMD [-a ARG]), run as barco run. */
#include "cli/cmd.h"

#include "cli/cli.h"

int barco_cmd_seed(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed, status;

	barco_config_init(&cfg);
	parsed = barco_cli_parse_seed(argc, argv, &cfg, &verbosity, &err);
	if (!barco_cmd_prepare(&cfg, parsed, &err, verbosity, barco_run_usage, &status))
		return status;
	return barco_cmd_run_config(&cfg);
}
