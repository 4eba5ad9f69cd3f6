/* barco stages: the stage table, one line per stage, in order. */
#include "cli/cmd.h"

#include <stdio.h>

#include "runtime/stage.h"

int barco_cmd_stages(int argc, char **argv)
{
	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);

		printf("%d  %-10s  %s\n", i + 1, def->name, def->summary);
	}
	return 0;
}
