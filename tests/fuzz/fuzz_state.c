/*
 * /run/barco/NAME/state.json: barco_state_parse (json-c) on anything a
 * crash, a full disk or a curious root could leave there. Also the other
 * direction: a rootfs escaped by barco_json_escape, as barco_state_write
 * writes it, must parse back to the same path.
 */
#include <limits.h>

#include "fuzz.h"
#include "base/json.h"
#include "runtime/state.h"

static void check_parse(const char *s)
{
	struct barco_state st;
	struct barco_err err = {0};

	memset(&st, 0x5a, sizeof(st));
	if (barco_state_parse(s, &st, &err) < 0) {
		fuzz_check_err(&err, s);
		return;
	}
	FUZZ_CHECK(st.pid >= 0 && st.runner_pid > 0, s);
	FUZZ_CHECK(strnlen(st.name, sizeof(st.name)) < sizeof(st.name), s);
	FUZZ_CHECK(strnlen(st.stage, sizeof(st.stage)) < sizeof(st.stage), s);
	FUZZ_CHECK(strnlen(st.rootfs, sizeof(st.rootfs)) < sizeof(st.rootfs), s);
}

static void check_round_trip(const char *rootfs)
{
	char escaped[8192];
	char json[9000];
	struct barco_state st;
	struct barco_err err = {0};

	if (strlen(rootfs) >= sizeof(st.rootfs))
		return;
	barco_json_escape(rootfs, escaped, sizeof(escaped));
	/* Truncated to fit: nothing to compare (barco_json_escape never splits an escape). */
	if (strlen(escaped) + 7 >= sizeof(escaped))
		return;
	(void)snprintf(json, sizeof(json),
		       "{\"name\":\"n\",\"pid\":1,\"runner_pid\":2,\"stage\":\"userns\","
		       "\"rootfs\":\"%s\",\"created\":3}\n",
		       escaped);
	FUZZ_CHECK(barco_state_parse(json, &st, &err) == 0, rootfs);
	FUZZ_CHECK(strcmp(st.rootfs, rootfs) == 0, rootfs);
}

FUZZ_STRING_TARGET(check_parse, check_round_trip)
