/* barco seed: the original barco's flags (-u UID -m ROOTFS -c CMD [-a ARG]), run as barco run. */
#include "cli/cmd.h"

#include "cli/cli.h"

int barco_cmd_seed(int argc, char **argv)
{
	return barco_cmd_run_parsed(argc, argv, barco_cli_parse_seed);
}
