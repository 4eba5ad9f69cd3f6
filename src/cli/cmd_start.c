/* barco start ID: a created container's init goes on to execve. */
#include "cli/cmd.h"

#include "runtime/oci_lifecycle.h"

int barco_cmd_start(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_err err = {0};

	if (argc != 2) {
		barco_err_set(&err, 0, "usage: barco start ID");
		return barco_cmd_oci_fail(g, &err);
	}
	if (barco_oci_start(argv[1], &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	return 0;
}
