/*
 * The CUnit runner: pure logic only. Tests that change process state
 * (seccomp, capabilities) fork and check the child, so one test cannot
 * poison the next (as the kernel selftests do).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

CU_pSuite barco_test_suite(const char *name)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);

	if (!suite) {
		fprintf(stderr, "unit tests: cannot add suite %s: %s\n", name, CU_get_error_msg());
		exit(2);
	}
	return suite;
}

void barco_test_add(CU_pSuite suite, const char *name, CU_TestFunc fn)
{
	if (!CU_add_test(suite, name, fn)) {
		fprintf(stderr, "unit tests: cannot add test %s: %s\n", name, CU_get_error_msg());
		exit(2);
	}
}

CU_pSuite barco_test_suite_add(const char *name, const struct barco_test *tests, size_t n)
{
	CU_pSuite suite = barco_test_suite(name);

	for (size_t i = 0; i < n; i++)
		barco_test_add(suite, tests[i].name, tests[i].fn);
	return suite;
}

char *barco_test_tmpdir(void)
{
	char *dir = strdup("/tmp/barco-unit.XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		perror("unit tests: mkdtemp");
		exit(2);
	}
	return dir;
}

void barco_test_write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	(void)fputs(text, f);
	(void)fclose(f);
}

void barco_test_error_starts_with(size_t i, const char *got, const char *wanted)
{
	if (strncmp(got, wanted, strlen(wanted)) == 0)
		return;
	fprintf(stderr, "\ncase %zu: got '%s'\n  wanted '%s...'\n", i, got, wanted);
	CU_FAIL("error message");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void barco_test_rmtree(const char *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int barco_test_run_in_child(int (*fn)(const void *), const void *arg)
{
	int status;
	pid_t pid;

	(void)fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (barco_waitpid(pid, &status) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	barco_test_register_err();
	barco_test_register_report();
	barco_test_register_json();
	barco_test_register_util();
	barco_test_register_parse();
	barco_test_register_cli();
	barco_test_register_exec();
	barco_test_register_state();
	barco_test_register_stage();
	barco_test_register_cgroup();
	barco_test_register_caps();
	barco_test_register_seccomp();
	barco_test_register_mount();
	barco_test_register_probe();
	barco_test_register_trace();
	barco_test_register_btf();
	barco_test_register_verify();
	barco_test_register_observe();
	barco_test_register_oci_spec();
	barco_test_register_oci_hooks();
	barco_test_register_cgroup_path();
	barco_test_register_oci_config();
	barco_test_register_oci_seccomp();
	barco_test_register_oci_devices();
	barco_test_register_devices_bpf();
	barco_test_register_rootless();
	barco_test_register_idmap();
	barco_test_register_net();

	CU_basic_set_mode(argc > 1 && strcmp(argv[1], "-v") == 0 ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
