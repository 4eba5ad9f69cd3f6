/* linux.cgroupsPath placed in a layout (stages/cgroup.h barco_cgroup_paths_from). */
#include <string.h>

#include "base/util.h"
#include "stages/cgroup.h"
#include "suites.h"

static const char self_hybrid[] = "12:freezer:/f/own\n"
				  "8:pids:/p/own\n"
				  "4:memory:/m/own\n"
				  "3:cpu,cpuacct:/c/own\n"
				  "2:devices:/d/own\n"
				  "1:name=systemd:/\n"
				  "0::/u/own\n";

static struct barco_cgroup_layout hybrid(void)
{
	struct barco_cgroup_layout l = {.mode = BARCO_CGROUP_HYBRID};

	(void)snprintf(l.unified_mount, PATH_MAX, "/cg/unified");
	(void)snprintf(l.v1_mount[BARCO_CG_V1_MEMORY], PATH_MAX, "/cg/memory");
	(void)snprintf(l.v1_mount[BARCO_CG_V1_CPU], PATH_MAX, "/cg/cpu,cpuacct");
	(void)snprintf(l.v1_mount[BARCO_CG_V1_PIDS], PATH_MAX, "/cg/pids");
	(void)snprintf(l.v1_mount[BARCO_CG_V1_DEVICES], PATH_MAX, "/cg/devices");
	(void)snprintf(l.freezer_mount, PATH_MAX, "/cg/freezer");
	return l;
}

static void test_absolute(void)
{
	struct barco_cgroup_layout l = hybrid();
	struct barco_cgroup cg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, "/a/b/", false, self_hybrid, &cg, &err),
			      0);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/cg/unified/a/b");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "/cg/memory/a/b");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_CPU], "/cg/cpu,cpuacct/a/b");
	CU_ASSERT_STRING_EQUAL(cg.freezer_path, "/cg/freezer/a/b");
}

static void test_relative(void)
{
	struct barco_cgroup_layout l = hybrid();
	struct barco_cgroup cg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, "x/y", false, self_hybrid, &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "/cg/memory/m/own/x/y");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_CPU], "/cg/cpu,cpuacct/c/own/x/y");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_PIDS], "/cg/pids/p/own/x/y");
	CU_ASSERT_STRING_EQUAL(cg.freezer_path, "/cg/freezer/f/own/x/y");
	/* Hybrid is the v1 driver: its own cgroup2 directory, not the parent. */
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/cg/unified/u/own/x/y");
	/* Pure v2: the parent of barco's own cgroup, as runc's fs2 driver. */
	l.mode = BARCO_CGROUP_V2;
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, "x", false, "0::/u/own\n", &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/cg/unified/u/x");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "");
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, "x", false, "0::/\n", &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/cg/unified/x");
}

static void test_systemd(void)
{
	struct barco_cgroup_layout l = hybrid();
	struct barco_cgroup cg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(
		barco_cgroup_paths_from(&l, "machine-a.slice:libpod:id1", true, "", &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY],
			       "/cg/memory/machine.slice/machine-a.slice/libpod-id1.scope");
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, ":p:n", true, "", &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/cg/unified/system.slice/p-n.scope");
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_paths_from(&l, "-.slice:p:n", true, "", &cg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cg.freezer_path, "/cg/freezer/p-n.scope");
}

static void test_refused(void)
{
	static const struct {
		const char *path;
		bool is_systemd;
		const char *error;
	} rows[] = {
		{"/a/../../b", false, "linux.cgroupsPath: \"/a/../../b\" has a \"..\" component"},
		{"../b", false, "linux.cgroupsPath: \"../b\" has a \"..\" component"},
		{"/a/./b", false, "linux.cgroupsPath: \"/a/./b\" has a \".\" component"},
		{"/", false, "linux.cgroupsPath: \"/\" names the root of the hierarchy"},
		{"/a/b", true, "linux.cgroupsPath: \"/a/b\": with --systemd-cgroup it is"},
		{"a--b.slice:p:n", true, "linux.cgroupsPath: \"a--b.slice\" is not a slice name"},
		{"a.slice:p:..", true, "linux.cgroupsPath: \"a.slice:p:..\": prefix and name"},
	};
	struct barco_cgroup_layout l = hybrid();

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct barco_cgroup cg;
		struct barco_err err = {0};

		CU_ASSERT_EQUAL(barco_cgroup_paths_from(&l, rows[i].path, rows[i].is_systemd, "",
							&cg, &err),
				-1);
		barco_test_error_starts_with(i, err.msg, rows[i].error);
	}
}

void barco_test_register_cgroup_path(void)
{
	static const struct barco_test tests[] = {
		{"absolute cgroupsPath below each root", test_absolute},
		{"relative cgroupsPath below the caller's cgroup", test_relative},
		{"--systemd-cgroup slice:prefix:name", test_systemd},
		{"cgroupsPath leaving the root refused", test_refused},
	};

	barco_test_suite_add("cgroup_path", tests, ARRAY_LEN(tests));
}
