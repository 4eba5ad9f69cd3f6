/*
 * --name and --hostname. A name becomes a path component under /run/barco
 * and every cgroup parent, so an accepted one can never climb out of them
 * ('/', "." and ".."); a hostname must fit sethostname(2).
 */
#include <ctype.h>

#include "base/config.h"
#include "fuzz.h"
#include "base/parse.h"

static void check_name(const char *s)
{
	struct barco_err err = {0};

	if (barco_parse_name(s, &err) < 0) {
		fuzz_check_err(&err, s);
		return;
	}
	FUZZ_CHECK(strlen(s) >= 1 && strlen(s) <= BARCO_NAME_MAX, s);
	FUZZ_CHECK(!strchr(s, '/'), s);
	FUZZ_CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0, s);
	FUZZ_CHECK(isalnum((unsigned char)s[0]), s);
}

static void check_hostname(const char *s)
{
	struct barco_err err = {0};
	size_t len = strlen(s);

	if (barco_parse_hostname(s, &err) < 0) {
		fuzz_check_err(&err, s);
		return;
	}
	FUZZ_CHECK(len >= 1 && len <= BARCO_HOSTNAME_MAX, s);
	FUZZ_CHECK(s[0] != '-' && s[len - 1] != '-' && s[0] != '.' && s[len - 1] != '.', s);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.', s);
}

FUZZ_STRING_TARGET(check_name, check_hostname)
