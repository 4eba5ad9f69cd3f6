/* base/util: reading a whole fd whose size is not known ahead. */
#include "base/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"

/* A pipe holding len bytes of 'x' (less than the pipe's 64 KiB), its write end closed. */
static int pipe_of(size_t len)
{
	static char data[40000];
	int fds[2];

	if (pipe(fds) < 0)
		return -1;
	memset(data, 'x', sizeof(data));
	if (len > sizeof(data) || write(fds[1], data, len) != (ssize_t)len) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	(void)close(fds[1]);
	return fds[0];
}

static void test_read_all_grows_and_terminates(void)
{
	int fd = pipe_of(30000); /* more than the first 8 KiB: the buffer grows twice */
	char *buf = NULL;
	size_t len = 0;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(barco_read_all(fd, 1 << 20, &buf, &len), 0);
	CU_ASSERT_EQUAL(len, 30000);
	CU_ASSERT_EQUAL(strlen(buf), 30000);
	CU_ASSERT_EQUAL(strspn(buf, "x"), 30000);
	free(buf);
	(void)close(fd);

	fd = pipe_of(0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(barco_read_all(fd, 1 << 20, &buf, NULL), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	free(buf);
	(void)close(fd);
}

static void test_read_all_refuses_more_than_max(void)
{
	int fd = pipe_of(30000);
	char *buf = NULL;

	CU_ASSERT_FATAL(fd >= 0);
	errno = 0;
	CU_ASSERT_EQUAL(barco_read_all(fd, 16384, &buf, NULL), -1);
	CU_ASSERT_EQUAL(errno, EFBIG);
	CU_ASSERT_PTR_NULL(buf);
	(void)close(fd);
	CU_ASSERT_EQUAL(barco_read_all(-1, 16384, &buf, NULL), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
}

void barco_test_register_util(void)
{
	static const struct barco_test tests[] = {
		{"read_all: grows, NUL-terminates, empty", test_read_all_grows_and_terminates},
		{"read_all: more than max is EFBIG; errors", test_read_all_refuses_more_than_max},
	};

	barco_test_suite_add("util", tests, ARRAY_LEN(tests));
}
