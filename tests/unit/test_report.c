/* Reports and errors: the text a learner reads and the one line a user sees. */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "report.h"
#include "state.h"
#include "suites.h"

static void test_report_lines(void)
{
	static struct barco_report rep, other;

	barco_report_clear(&rep);
	barco_report_add(&rep, "mount(%s) = %d", "\"proc\"", 0);
	barco_report_add(&rep, "second");
	CU_ASSERT_STRING_EQUAL(rep.text, "mount(\"proc\") = 0\nsecond\n");
	barco_report_clear(&other);
	barco_report_add(&other, "third");
	barco_report_append(&rep, &other);
	CU_ASSERT_STRING_EQUAL(rep.text, "mount(\"proc\") = 0\nsecond\nthird\n");
	CU_ASSERT_EQUAL(rep.len, strlen(rep.text));
}

static void test_report_truncates_visibly(void)
{
	static struct barco_report rep;

	barco_report_clear(&rep);
	for (int i = 0; i < 1000; i++)
		barco_report_add(&rep, "line %d with some words in it", i);
	CU_ASSERT_TRUE(rep.len < sizeof(rep.text));
	CU_ASSERT_EQUAL(rep.len, strlen(rep.text));
	CU_ASSERT_STRING_EQUAL(rep.text + rep.len - 4, "...\n");
}

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

static void test_json_escape(void)
{
	char buf[64];

	CU_ASSERT_STRING_EQUAL(barco_json_escape("/srv/a b", buf, sizeof(buf)), "/srv/a b");
	CU_ASSERT_STRING_EQUAL(barco_json_escape("q\"b\\s\n", buf, sizeof(buf)),
			       "q\\\"b\\\\s\\u000a");
}

void barco_test_register_report(void)
{
	CU_pSuite s = barco_test_suite("report");

	barco_test_add(s, "report lines", test_report_lines);
	barco_test_add(s, "report truncation is visible", test_report_truncates_visibly);
	barco_test_add(s, "error context", test_err_wrap);
	barco_test_add(s, "error context when long", test_err_wrap_long);
	barco_test_add(s, "json escaping", test_json_escape);
}
