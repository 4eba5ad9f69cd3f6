/* The state files a learner reads in /run/barco/NAME. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/state.h"
#include "suites.h"

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

void barco_test_register_state(void)
{
	CU_pSuite s = barco_test_suite("state");

	barco_test_add(s, "state files are replaced whole", test_state_files_are_replaced);
}
