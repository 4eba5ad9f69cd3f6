/* barco state ID: runtime-spec's state JSON, plus "barco.stage". */
#include "cli/cmd.h"

#include <stdio.h>

#include "runtime/oci_lifecycle.h"

int barco_cmd_state(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_oci_state st;
	struct barco_err err = {0};

	if (argc != 2) {
		barco_err_set(&err, 0, "usage: barco state ID");
		return barco_cmd_oci_fail(g, &err);
	}
	if (barco_oci_state(argv[1], &st, &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	barco_oci_state_print(stdout, &st);
	return 0;
}
