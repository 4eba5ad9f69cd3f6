/* The exec stage's exit statuses: the command's, 128+N, 126, 127. */
#include <errno.h>

#include "stages/exec.h"
#include "suites.h"

static void test_exit_status(void)
{
	CU_ASSERT_EQUAL(barco_exit_status_from_wait(0), 0);
	CU_ASSERT_EQUAL(barco_exit_status_from_wait(42 << 8), 42);
	CU_ASSERT_EQUAL(barco_exit_status_from_wait(9), 137); /* killed by SIGKILL */
	CU_ASSERT_EQUAL(barco_exit_status_from_wait(15), 143);
	CU_ASSERT_EQUAL(barco_exec_status_for_errno(ENOENT), 127);
	CU_ASSERT_EQUAL(barco_exec_status_for_errno(EACCES), 126);
	CU_ASSERT_EQUAL(barco_exec_status_for_errno(ENOEXEC), 126);
}

void barco_test_register_exec(void)
{
	static const struct barco_test tests[] = {
		{"exit statuses", test_exit_status},
	};

	barco_test_suite_add("exec", tests, ARRAY_LEN(tests));
}
