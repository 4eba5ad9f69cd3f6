/* JSON strings: one escaping rule for every JSON barco writes. */
#include "base/json.h"
#include "suites.h"

static void test_json_escape(void)
{
	char buf[64];

	CU_ASSERT_STRING_EQUAL(barco_json_escape("/srv/a b", buf, sizeof(buf)), "/srv/a b");
	CU_ASSERT_STRING_EQUAL(barco_json_escape("q\"b\\s\n", buf, sizeof(buf)), "q\\\"b\\\\s\\n");
	CU_ASSERT_STRING_EQUAL(barco_json_escape("\t\x01\x7f", buf, sizeof(buf)),
			       "\\t\\u0001\\u007f");
	/* Truncated at a whole escape, never inside one. */
	CU_ASSERT_STRING_EQUAL(barco_json_escape("ab\x01", buf, 8), "ab");
}

void barco_test_register_json(void)
{
	static const struct barco_test tests[] = {
		{"json escaping", test_json_escape},
	};

	barco_test_suite_add("json", tests, ARRAY_LEN(tests));
}
