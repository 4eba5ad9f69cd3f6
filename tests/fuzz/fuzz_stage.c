/*
 * Names of things picked from a fixed list: stages (--until, barco lesson),
 * seccomp modes (--seccomp), probe sections (barco probe SECTION). Only
 * the canonical names are accepted, and they round-trip.
 */
#include "cli/cli.h"
#include "fuzz.h"
#include "probe/probe.h"
#include "stages/seccomp.h"
#include "runtime/stage.h"

static void check_stage(const char *s)
{
	struct barco_err err = {0};
	int by_name = barco_stage_from_name(s);
	int stage = -1;

	if (barco_cli_parse_stage(s, &stage, &err) < 0) {
		FUZZ_CHECK(by_name == -1, s);
		fuzz_check_err(&err, s);
		return;
	}
	FUZZ_CHECK(stage == by_name, s);
	FUZZ_CHECK(stage >= 0 && stage < BARCO_STAGE_COUNT, s);
	FUZZ_CHECK(strcmp(barco_stage_get((enum barco_stage)stage)->name, s) == 0, s);
}

static void check_seccomp_mode(const char *s)
{
	struct barco_err err = {0};
	enum barco_seccomp_mode mode;

	if (barco_seccomp_mode_from_name(s, &mode, &err) == 0)
		FUZZ_CHECK(strcmp(s, "default") == 0 || strcmp(s, "unconfined") == 0, s);
	else
		fuzz_check_err(&err, s);
}

static void check_section(const char *s)
{
	struct barco_err err = {0};
	enum barco_probe_section section;

	if (barco_probe_section_from_name(s, &section, &err) == 0)
		FUZZ_CHECK(strcmp(barco_probe_section_get(section)->name, s) == 0, s);
	else
		fuzz_check_err(&err, s);
}

FUZZ_STRING_TARGET(check_stage, check_seccomp_mode, check_section)
