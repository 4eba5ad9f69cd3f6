/*
 * Reports and errors: the text a learner reads and the one line a user
 * sees; and the state files a learner reads in /run/barco/NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/json.h"
#include "base/report.h"
#include "runtime/state.h"
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
	CU_ASSERT_STRING_EQUAL(barco_json_escape("q\"b\\s\n", buf, sizeof(buf)), "q\\\"b\\\\s\\n");
	CU_ASSERT_STRING_EQUAL(barco_json_escape("\t\x01\x7f", buf, sizeof(buf)),
			       "\\t\\u0001\\u007f");
	/* Truncated at a whole escape, never inside one. */
	CU_ASSERT_STRING_EQUAL(barco_json_escape("ab\x01", buf, 8), "ab");
}

static void read_all(int dir_fd, const char *file, char *buf, size_t size)
{
	int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		(void)close(fd);
}

/* state.json and pid: written, then replaced whole, with no temporary file left. */
static void test_state_files_are_replaced(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	cleanup_close int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct barco_state st = {.pid = 41, .runner_pid = 40, .created = 1700000000};
	struct barco_state back;
	struct barco_err err = {0};
	char text[512];
	struct stat sb;

	CU_ASSERT_FATAL(dir_fd >= 0);
	(void)snprintf(st.name, sizeof(st.name), "box");
	(void)snprintf(st.rootfs, sizeof(st.rootfs), "/srv/a \"b\"");
	for (int round = 0; round < 3; round++) {
		(void)snprintf(st.stage, sizeof(st.stage), "%s",
			       round == 0   ? "cgroups"
			       : round == 1 ? "userns"
					    : "namespaces");
		st.pid = 41 + round;
		CU_ASSERT_EQUAL(barco_state_write(dir_fd, &st, &err), 0);
		CU_ASSERT_EQUAL(barco_state_write_pid(dir_fd, "box", st.pid, &err), 0);
		read_all(dir_fd, "state.json", text, sizeof(text));
		CU_ASSERT_EQUAL_FATAL(barco_state_parse(text, &back, &err), 0);
		CU_ASSERT_STRING_EQUAL(back.stage, st.stage);
		CU_ASSERT_STRING_EQUAL(back.rootfs, st.rootfs);
		CU_ASSERT_EQUAL(back.pid, st.pid);
		CU_ASSERT_EQUAL(back.created, st.created);
		read_all(dir_fd, "pid", text, sizeof(text));
		CU_ASSERT_EQUAL(atoi(text), st.pid);
		CU_ASSERT_EQUAL(fstatat(dir_fd, "state.json.tmp", &sb, 0), -1);
		CU_ASSERT_EQUAL(fstatat(dir_fd, "pid.tmp", &sb, 0), -1);
	}
	CU_ASSERT_EQUAL(fstatat(dir_fd, "state.json", &sb, 0), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(fstatat(dir_fd, "pid", &sb, 0), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0644);
	barco_test_rmtree(dir);
}

void barco_test_register_report(void)
{
	CU_pSuite s = barco_test_suite("report");

	barco_test_add(s, "report lines", test_report_lines);
	barco_test_add(s, "report truncation is visible", test_report_truncates_visibly);
	barco_test_add(s, "appended reports truncate whole lines",
		       test_report_append_truncates_whole_lines);
	barco_test_add(s, "error context", test_err_wrap);
	barco_test_add(s, "error context when long", test_err_wrap_long);
	barco_test_add(s, "json escaping", test_json_escape);
	barco_test_add(s, "state files are replaced whole", test_state_files_are_replaced);
}
