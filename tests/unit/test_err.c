/* Errors: the one line a user sees, with its context. */
#include <string.h>

#include "base/err.h"
#include "suites.h"

static void test_err_wrap(void)
{
	struct barco_err err;
	char buf[BARCO_ERR_MSG_MAX + 64];

	CU_ASSERT_EQUAL(barco_err_set(&err, ENOENT, "bind %s", "/x"), -1);
	CU_ASSERT_EQUAL(barco_err_wrap(&err, "stage %s", "mounts"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "stage mounts: bind /x");
	CU_ASSERT_STRING_EQUAL(barco_err_str(&err, buf, sizeof(buf)),
			       "stage mounts: bind /x: No such file or directory");
	barco_err_set(&err, 0, "plain");
	CU_ASSERT_STRING_EQUAL(barco_err_str(&err, buf, sizeof(buf)), "plain");
}

static void test_err_wrap_long(void)
{
	struct barco_err err;
	char big[2 * BARCO_ERR_MSG_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	barco_err_set(&err, 0, "%s", big);
	barco_err_wrap(&err, "context");
	CU_ASSERT_EQUAL(strlen(err.msg), BARCO_ERR_MSG_MAX - 1);
	CU_ASSERT_EQUAL(strncmp(err.msg, "context: aaa", 12), 0);
}

void barco_test_register_err(void)
{
	static const struct barco_test tests[] = {
		{"error context", test_err_wrap},
		{"error context when long", test_err_wrap_long},
	};

	barco_test_suite_add("err", tests, ARRAY_LEN(tests));
}
