/* --env: barco_parse_env accepts KEY=VALUE with KEY of [A-Za-z0-9_], not starting with a digit. */
#include <ctype.h>

#include "fuzz.h"
#include "base/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	struct barco_err err = {0};

	if (barco_parse_env(s, &err) == 0) {
		const char *eq = strchr(s, '=');

		FUZZ_CHECK(eq && eq > s, s);
		FUZZ_CHECK(!isdigit((unsigned char)s[0]), s);
		for (const char *p = s; p < eq; p++)
			FUZZ_CHECK(isalnum((unsigned char)*p) || *p == '_', s);
	} else {
		fuzz_check_err(&err, s);
	}
	free(s);
	return 0;
}
