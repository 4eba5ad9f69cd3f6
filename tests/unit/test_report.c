/* Reports: the text a learner reads, one line per syscall. */
#include <stdio.h>
#include <string.h>

#include "base/report.h"
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

/* Lines are kept whole: a line that does not fit is replaced by the mark. */
static void test_report_append_truncates_whole_lines(void)
{
	static struct barco_report rep, other;
	char line[200];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	barco_report_clear(&other);
	for (int i = 0; i < 40; i++)
		barco_report_add(&other, "%d %s", i, line);
	CU_ASSERT_TRUE(other.is_truncated);
	barco_report_clear(&rep);
	/* other alone fits (it was truncated to fit); with this first line it does not */
	barco_report_add(&rep, "first %.100s", line);
	barco_report_append(&rep, &other);
	CU_ASSERT_TRUE(rep.is_truncated);
	CU_ASSERT_EQUAL(rep.len, strlen(rep.text));
	CU_ASSERT_EQUAL(strncmp(strchr(rep.text, '\n'), "\n0 xxx", 6), 0);
	CU_ASSERT_STRING_EQUAL(rep.text + rep.len - 4, "...\n");
	/* every line but the mark is one whole line of other: its number, a space, 199 x */
	for (const char *p = strchr(rep.text, '\n') + 1; strcmp(p, "...\n") != 0;
	     p = strchr(p, '\n') + 1)
		CU_ASSERT_EQUAL(strcspn(strchr(p, ' ') + 1, "\n"), sizeof(line) - 1);
	/* full: nothing more is added */
	barco_report_add(&rep, "late");
	CU_ASSERT_PTR_NULL(strstr(rep.text, "late"));
}

void barco_test_register_report(void)
{
	static const struct barco_test tests[] = {
		{"report lines", test_report_lines},
		{"report truncation is visible", test_report_truncates_visibly},
		{"appended reports truncate whole lines", test_report_append_truncates_whole_lines},
	};

	barco_test_suite_add("report", tests, ARRAY_LEN(tests));
}
