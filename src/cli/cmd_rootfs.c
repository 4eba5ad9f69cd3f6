/* barco rootfs create DIR: the default busybox rootfs, made where the learner asks. */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "runtime/rootfs.h"
#include "base/exit_status.h"

int barco_cmd_rootfs(int argc, char **argv)
{
	struct barco_err err = {0};

	if (argc != 3 || strcmp(argv[1], "create") != 0) {
		barco_err_set(&err, 0, "usage: barco rootfs create DIR");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	/* Owned by the default map's root, 100000: container root owns its files. */
	if (barco_rootfs_create(argv[2], 100000, 100000, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	printf("%s\n", argv[2]);
	return 0;
}
