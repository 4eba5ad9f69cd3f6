/*
 * /proc/self/mountinfo as barco_cgroup_layout_parse reads it (proc(5)):
 * any text, including octal escapes, missing fields and no "-" separator.
 * An accepted layout names at least one hierarchy, in NUL-terminated paths.
 */
#include <limits.h>

#include "stages/cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	struct barco_cgroup_layout layout;
	struct barco_err err = {0};

	if (barco_cgroup_layout_parse(s, &layout, &err) == 0) {
		struct barco_cgroup cg;

		FUZZ_CHECK(layout.mode != BARCO_CGROUP_UNKNOWN, "(mountinfo)");
		FUZZ_CHECK(strnlen(layout.unified_mount, PATH_MAX) < PATH_MAX, "(mountinfo)");
		for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
			FUZZ_CHECK(strnlen(layout.v1_mount[c], PATH_MAX) < PATH_MAX, "(mountinfo)");
		/* The paths a container would get: must stay NUL-terminated too. */
		barco_cgroup_paths_for(&layout, "fuzz", &cg);
		FUZZ_CHECK(strnlen(cg.unified_path, PATH_MAX) < PATH_MAX, "(mountinfo)");
	} else {
		FUZZ_CHECK(layout.mode == BARCO_CGROUP_UNKNOWN, "(mountinfo)");
		fuzz_check_err(&err, "(mountinfo)");
	}
	free(s);
	return 0;
}
