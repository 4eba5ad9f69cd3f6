/*
 * barco_parse_size (--memory) and barco_parse_uint (--cpu-weight, --pids,
 * --uid): whatever the text, either a value in range or a message naming it.
 */
#include "fuzz.h"
#include "base/parse.h"

static void check_size(const char *s)
{
	struct barco_err err = {0};
	uint64_t bytes = 42;

	if (barco_parse_size(s, &bytes, &err) == 0) {
		/* Accepted: a positive byte count the cgroup files can hold (an int64). */
		FUZZ_CHECK(bytes > 0 && bytes <= (uint64_t)INT64_MAX, s);
		FUZZ_CHECK(s[0] >= '0' && s[0] <= '9', s);
		return;
	}
	FUZZ_CHECK(bytes == 42, s); /* untouched on failure */
	fuzz_check_err(&err, s);
}

static void check_uint(const char *s)
{
	struct barco_err err = {0};
	uint64_t v = 42;

	if (barco_parse_uint(s, 1, 10000, "--cpu-weight", &v, &err) == 0) {
		FUZZ_CHECK(v >= 1 && v <= 10000, s);
		return;
	}
	FUZZ_CHECK(v == 42, s);
	fuzz_check_err(&err, s);
}

FUZZ_STRING_TARGET(check_size, check_uint)
