/*
 * cgroup: mountinfo parsing, paths and conversions are pure; create, attach
 * and destroy run against a fake tree of plain files in a temporary
 * directory, and once against the real kernel when /sys/fs/cgroup is
 * writable (skipped with a reason otherwise). Real cgroups are named
 * unit-<pid> and are always destroyed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stages/cgroup.h"
#include "base/cleanup.h"
#include "base/util.h"
#include "suites.h"

/* Room for a mount point plus "/barco/NAME", so no test path is cut short. */
#define TEST_PATH_MAX (PATH_MAX + 64)

/* This development host, as /proc/self/mountinfo shows it (hybrid). */
static const char hybrid_host[] =
	"22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* The Debian 12 VM: pure cgroup v2, with optional fields before the separator. */
static const char v2_vm[] =
	"21 26 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"25 19 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw";

/* Legacy v1, systemd style: cpuacct alone first, then cpu,cpuacct combined. */
static const char v1_combined[] =
	"30 22 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/systemd rw shared:9 - cgroup cgroup "
	"rw,xattr,name=systemd\n"
	"32 30 0:28 / /sys/fs/cgroup/cpuacct rw shared:10 - cgroup cgroup rw,cpuacct\n"
	"33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup cgroup rw,cpu,cpuacct\n"
	"34 30 0:30 / /sys/fs/cgroup/memory rw shared:12 - cgroup cgroup rw,memory\n";

static void test_mode_names(void)
{
	CU_ASSERT_STRING_EQUAL(barco_cgroup_mode_name(BARCO_CGROUP_V2), "v2");
	CU_ASSERT_STRING_EQUAL(barco_cgroup_mode_name(BARCO_CGROUP_HYBRID), "hybrid");
	CU_ASSERT_STRING_EQUAL(barco_cgroup_mode_name(BARCO_CGROUP_V1), "v1");
	CU_ASSERT_STRING_EQUAL(barco_cgroup_mode_name(BARCO_CGROUP_UNKNOWN), "unknown");
	CU_ASSERT_STRING_EQUAL(barco_cgroup_mode_name((enum barco_cgroup_mode)42), "unknown");
}

/* Parses text and expects this layout: mode, the cgroup2 mount, memory, cpu, pids ("": none). */
static void expect_layout(const char *text, enum barco_cgroup_mode mode, const char *unified,
			  const char *memory, const char *cpu, const char *pids)
{
	struct barco_cgroup_layout l;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(text, &l, &err), 0);
	CU_ASSERT_EQUAL(l.mode, mode);
	CU_ASSERT_STRING_EQUAL(l.unified_mount, unified);
	CU_ASSERT_STRING_EQUAL(l.v1_mount[BARCO_CG_V1_MEMORY], memory);
	CU_ASSERT_STRING_EQUAL(l.v1_mount[BARCO_CG_V1_CPU], cpu);
	CU_ASSERT_STRING_EQUAL(l.v1_mount[BARCO_CG_V1_PIDS], pids);
}

static void test_parse_hybrid_host(void)
{
	expect_layout(hybrid_host, BARCO_CGROUP_HYBRID, "/sys/fs/cgroup/unified",
		      "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/pids");
}

static void test_parse_v2_vm(void)
{
	expect_layout(v2_vm, BARCO_CGROUP_V2, "/sys/fs/cgroup", "", "", "");
}

static void test_parse_v1_combined(void)
{
	/* "cpuacct" alone, listed first, must not be taken for cpu. */
	expect_layout(v1_combined, BARCO_CGROUP_V1, "", "/sys/fs/cgroup/memory",
		      "/sys/fs/cgroup/cpu,cpuacct", "");
}

/* systemd's "unified" layout minus controllers: only name=systemd in v1. */
static void test_parse_named_v1_only_is_v2(void)
{
	static const char text[] =
		"39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

	expect_layout(text, BARCO_CGROUP_V2, "/sys/fs/cgroup/unified", "", "", "");
}

static void test_parse_escaped_mountpoint(void)
{
	static const char text[] = "50 1 0:40 / /mnt/my\\040cgroups\\134x rw - cgroup2 none rw\n"
				   "51 1 0:41 / /mnt/tab\\011mem rw - cgroup none rw,memory\n";

	expect_layout(text, BARCO_CGROUP_HYBRID, "/mnt/my cgroups\\x", "/mnt/tab\tmem", "", "");
}

static void test_parse_garbage_and_empty(void)
{
	static const char garbage[] = "\n\nnot a mountinfo line\n"
				      "1 2 3 4 5 6 7 8 9\n"
				      "1 2 0:1 / /x rw - cgroup2\n" /* no source, no options */
				      "   \n";
	static const char mixed[] = "garbage\n"
				    "40 30 0:37 / /cg rw - cgroup2 cgroup2 rw\n"
				    "- - - - - - - - -\n";
	struct barco_cgroup_layout l;
	struct barco_err err = {0};

	memset(&l, 0xff, sizeof(l));
	CU_ASSERT_EQUAL(barco_cgroup_layout_parse("", &l, &err), -1);
	CU_ASSERT_EQUAL(l.mode, BARCO_CGROUP_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(l.unified_mount, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no cgroup"));

	err.msg[0] = '\0';
	CU_ASSERT_EQUAL(barco_cgroup_layout_parse(garbage, &l, &err), -1);
	CU_ASSERT_EQUAL(l.mode, BARCO_CGROUP_UNKNOWN);
	CU_ASSERT_NOT_EQUAL(err.msg[0], '\0');

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(mixed, &l, &err), 0);
	CU_ASSERT_EQUAL(l.mode, BARCO_CGROUP_V2);
	CU_ASSERT_STRING_EQUAL(l.unified_mount, "/cg");
}

static void test_detect_matches_host(void)
{
	struct barco_cgroup_layout l;
	struct barco_err err = {0};
	struct stat st;

	if (barco_cgroup_layout_detect(&l, &err) < 0) {
		fprintf(stderr, "\n  skip detect: %s\n", err.msg);
		return;
	}
	CU_ASSERT_NOT_EQUAL(l.mode, BARCO_CGROUP_UNKNOWN);
	if (l.unified_mount[0])
		CU_ASSERT_EQUAL(stat(l.unified_mount, &st), 0);
}

static uint64_t shares_to_weight(uint64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

static void test_weight_to_shares(void)
{
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(1), 2);
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(10000), 262144);
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(100), 2597);
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(0), 2);
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(20000), 262144);
	CU_ASSERT_EQUAL(barco_cgroup_weight_to_shares(UINT64_MAX), 262144);
	/* The standard conversion brings the weight back (to within rounding). */
	for (uint64_t w = 1; w <= 10000; w += 37) {
		uint64_t back = shares_to_weight(barco_cgroup_weight_to_shares(w));

		CU_ASSERT(back + 1 >= w && back <= w);
	}
}

static void test_paths_for(void)
{
	struct barco_cgroup_layout l;
	struct barco_cgroup cg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(hybrid_host, &l, &err), 0);
	barco_cgroup_paths_for(&l, "web", &cg);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/sys/fs/cgroup/unified/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "/sys/fs/cgroup/memory/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_CPU], "/sys/fs/cgroup/cpu/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_PIDS], "/sys/fs/cgroup/pids/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.freezer_path, "/sys/fs/cgroup/freezer/barco/web");
	CU_ASSERT_EQUAL(cg.layout.mode, BARCO_CGROUP_HYBRID);

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(v2_vm, &l, &err), 0);
	barco_cgroup_paths_for(&l, "web", &cg);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "/sys/fs/cgroup/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "");
	CU_ASSERT_STRING_EQUAL(cg.freezer_path, "");

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(v1_combined, &l, &err), 0);
	barco_cgroup_paths_for(&l, "web", &cg);
	CU_ASSERT_STRING_EQUAL(cg.unified_path, "");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_CPU], "/sys/fs/cgroup/cpu,cpuacct/barco/web");
	CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_PIDS], "");
}

static void test_paths_for_refuses_bad_names(void)
{
	static const char *const bad[] = {"", ".", "..", "a/b", "../../etc"};
	struct barco_cgroup_layout l;
	struct barco_cgroup cg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_cgroup_layout_parse(hybrid_host, &l, &err), 0);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		barco_cgroup_paths_for(&l, bad[i], &cg);
		CU_ASSERT_STRING_EQUAL(cg.unified_path, "");
		CU_ASSERT_STRING_EQUAL(cg.v1_path[BARCO_CG_V1_MEMORY], "");
	}
}

/* ---- fake trees ---------------------------------------------------------- */

/* Contents of dir/file without the trailing newline; "" when unreadable. */
static const char *get_file(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n = 0;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, size - 1, f);
		(void)fclose(f);
	}
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void make_dir(const char *root, const char *sub, char out[PATH_MAX])
{
	(void)snprintf(out, PATH_MAX, "%s/%s", root, sub);
	CU_ASSERT_EQUAL_FATAL(mkdir(out, 0755), 0);
}

/* A cgroup2 root as the VM has it: controllers offered, none delegated yet. */
static void fake_v2(const char *root, const char *controllers, struct barco_cgroup_layout *l)
{
	char barco[PATH_MAX];

	memset(l, 0, sizeof(*l));
	l->mode = BARCO_CGROUP_V2;
	(void)snprintf(l->unified_mount, PATH_MAX, "%s", root);
	barco_test_write_file(root, "cgroup.controllers", controllers);
	barco_test_write_file(root, "cgroup.subtree_control", "");
	make_dir(root, "barco", barco);
	barco_test_write_file(barco, "cgroup.subtree_control", "");
}

static void fake_hybrid(const char *root, struct barco_cgroup_layout *l)
{
	static const char *const subs[BARCO_CG_V1_COUNT] = {"memory", "cpu,cpuacct", "pids",
							    "devices"};

	memset(l, 0, sizeof(*l));
	l->mode = BARCO_CGROUP_HYBRID;
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		make_dir(root, subs[c], l->v1_mount[c]);
	make_dir(root, "unified", l->unified_mount);
}

/*
 * What every fake-tree test works on: a temporary root, removed with all
 * below it when the test's scope ends, and barco_cgroup_create's arguments.
 */
struct fake {
	char *root;
	struct barco_cgroup_layout l;
	struct barco_config cfg;
	struct barco_cgroup cg;
	struct barco_report rep;
	struct barco_err err;
};

static void fake_done(struct fake *f)
{
	barco_test_rmtree(f->root);
	free(f->root);
}

#define cleanup_fake __attribute__((cleanup(fake_done)))

static int fake_create(struct fake *f, const char *name, struct barco_cgroup *cg)
{
	return barco_cgroup_create(&f->l, name, &f->cfg, cg, &f->rep, &f->err);
}

static void test_fake_v2_create_delegates(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	char buf[256], expect[PATH_MAX + 64], barco[PATH_MAX];

	fake_v2(f.root, "cpuset cpu io memory hugetlb pids rdma\n", &f.l);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "web", &f.cg), 0);
	(void)snprintf(barco, sizeof(barco), "%s/barco", f.root);
	CU_ASSERT_STRING_EQUAL(get_file(f.root, "cgroup.subtree_control", buf, sizeof(buf)),
			       "+memory +cpu +pids");
	CU_ASSERT_STRING_EQUAL(get_file(barco, "cgroup.subtree_control", buf, sizeof(buf)),
			       "+memory +cpu +pids");
	(void)snprintf(expect, sizeof(expect), "%s/barco/web", f.root);
	CU_ASSERT_STRING_EQUAL(f.cg.unified_path, expect);
	CU_ASSERT(dir_exists(expect));
	CU_ASSERT_STRING_EQUAL(f.cg.v1_path[BARCO_CG_V1_MEMORY], "");
	(void)snprintf(expect, sizeof(expect), "mkdir(\"%s/barco/web\", 0755) = 0", f.root);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.rep.text, expect));
	(void)snprintf(expect, sizeof(expect), "write %s/cgroup.subtree_control = +memory", f.root);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.rep.text, expect));
	CU_ASSERT_NOT_EQUAL(barco_cgroup_id(&f.cg), 0);

	CU_ASSERT_EQUAL(barco_cgroup_destroy(&f.cg, &f.err), 0);
	CU_ASSERT_EQUAL(f.cg.unified_path[0], '\0');
	(void)snprintf(expect, sizeof(expect), "%s/barco/web", f.root);
	CU_ASSERT(!dir_exists(expect));
	CU_ASSERT(dir_exists(barco)); /* the shared parent stays */
}

/* Only the controllers the root offers are asked for; enabled ones are left alone. */
static void test_fake_v2_partial_controllers(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	char buf[256], barco[PATH_MAX];

	fake_v2(f.root, "memory pids\n", &f.l);
	(void)snprintf(barco, sizeof(barco), "%s/barco", f.root);
	barco_test_write_file(f.root, "cgroup.subtree_control", "memory pids\n");
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "web", &f.cg), 0);
	CU_ASSERT_STRING_EQUAL(get_file(f.root, "cgroup.subtree_control", buf, sizeof(buf)),
			       "memory pids");
	CU_ASSERT_STRING_EQUAL(get_file(barco, "cgroup.subtree_control", buf, sizeof(buf)),
			       "+memory +pids");
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&f.cg, &f.err), 0);
}

/* In a fake tree the new directory has no memory.max: create must undo itself. */
static void test_fake_v2_missing_limit_file_rolls_back(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir(),
				      .cfg = {.memory_max_bytes = 67108864}};
	char expect[PATH_MAX + 64];

	fake_v2(f.root, "cpu memory pids\n", &f.l);
	CU_ASSERT_EQUAL(fake_create(&f, "web", &f.cg), -1);
	CU_ASSERT_EQUAL(f.err.errnum, ENOENT);
	(void)snprintf(expect, sizeof(expect), "write 67108864 to %s/barco/web/memory.max", f.root);
	CU_ASSERT_STRING_EQUAL(f.err.msg, expect);
	CU_ASSERT_STRING_EQUAL(f.cg.unified_path, "");
	CU_ASSERT_EQUAL(f.cg.layout.mode, BARCO_CGROUP_UNKNOWN);
	(void)snprintf(expect, sizeof(expect), "%s/barco/web", f.root);
	CU_ASSERT(!dir_exists(expect));
}

/* A second container of the same name fails and leaves the first one intact. */
static void test_fake_v2_exists_is_error(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	struct barco_cgroup second;

	fake_v2(f.root, "cpu memory pids\n", &f.l);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "web", &f.cg), 0);
	CU_ASSERT_EQUAL(fake_create(&f, "web", &second), -1);
	CU_ASSERT_EQUAL(f.err.errnum, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "already exists"));
	CU_ASSERT_STRING_EQUAL(second.unified_path, "");
	CU_ASSERT(dir_exists(f.cg.unified_path));
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&f.cg, &f.err), 0);
}

static void test_fake_hybrid_create_destroy(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	struct barco_cgroup saved;
	char expect[PATH_MAX];

	fake_hybrid(f.root, &f.l);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "db", &f.cg), 0);
	(void)snprintf(expect, sizeof(expect), "%s/cpu,cpuacct/barco/db", f.root);
	CU_ASSERT_STRING_EQUAL(f.cg.v1_path[BARCO_CG_V1_CPU], expect);
	(void)snprintf(expect, sizeof(expect), "%s/unified/barco/db", f.root);
	CU_ASSERT_STRING_EQUAL(f.cg.unified_path, expect);
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		CU_ASSERT(dir_exists(f.cg.v1_path[c]));
	CU_ASSERT(dir_exists(f.cg.unified_path));

	saved = f.cg;
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&f.cg, &f.err), 0);
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		CU_ASSERT(!dir_exists(saved.v1_path[c]));
	CU_ASSERT(!dir_exists(saved.unified_path));
	/* Idempotent: the same paths again, already gone, are no error. */
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&saved, &f.err), 0);
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&saved, &f.err), 0);
}

/* The OOM killer's count: v1 memory.oom_control where there is a memory path, else memory.events.
 */
static void test_oom_kills(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	struct barco_cgroup cg = {0};

	CU_ASSERT_EQUAL(barco_cgroup_oom_kills(&cg), -1);
	(void)snprintf(cg.unified_path, PATH_MAX, "%s", f.root);
	CU_ASSERT_EQUAL(barco_cgroup_oom_kills(&cg), -1); /* no memory controller there */
	barco_test_write_file(f.root, "memory.events",
			      "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n");
	CU_ASSERT_EQUAL(barco_cgroup_oom_kills(&cg), 2);
	(void)snprintf(cg.v1_path[BARCO_CG_V1_MEMORY], PATH_MAX, "%s", f.root);
	barco_test_write_file(f.root, "memory.oom_control",
			      "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	CU_ASSERT_EQUAL(barco_cgroup_oom_kills(&cg), 1);
}

static void test_fake_hybrid_failure_rolls_back(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir(), .cfg = {.pids_max = 20}};
	char path[TEST_PATH_MAX];

	fake_hybrid(f.root, &f.l);
	CU_ASSERT_EQUAL(fake_create(&f, "db", &f.cg), -1);
	(void)snprintf(path, sizeof(path), "write 20 to %s/pids/barco/db/pids.max", f.root);
	CU_ASSERT_STRING_EQUAL(f.err.msg, path);
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++) {
		(void)snprintf(path, sizeof(path), "%s/barco/db", f.l.v1_mount[c]);
		CU_ASSERT(!dir_exists(path));
		CU_ASSERT_STRING_EQUAL(f.cg.v1_path[c], "");
	}
	(void)snprintf(path, sizeof(path), "%s/barco/db", f.l.unified_mount);
	CU_ASSERT(!dir_exists(path));
}

/* A leftover cgroup2 directory: the v1 ones just made must be removed again. */
static void test_fake_hybrid_unified_exists(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	char parent[PATH_MAX], path[TEST_PATH_MAX];

	fake_hybrid(f.root, &f.l);
	make_dir(f.l.unified_mount, "barco", parent);
	make_dir(parent, "db", path);
	CU_ASSERT_EQUAL(fake_create(&f, "db", &f.cg), -1);
	CU_ASSERT_EQUAL(f.err.errnum, EEXIST);
	CU_ASSERT(dir_exists(path));
	(void)snprintf(path, sizeof(path), "%s/barco/db", f.l.v1_mount[BARCO_CG_V1_MEMORY]);
	CU_ASSERT(!dir_exists(path));
}

/* v1 with memory and cpu co-mounted, pids not mounted at all. */
static void test_fake_v1_comounted_and_missing(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir(), .l = {.mode = BARCO_CGROUP_V1}};
	char path[TEST_PATH_MAX];

	make_dir(f.root, "cpu,memory", f.l.v1_mount[BARCO_CG_V1_MEMORY]);
	memcpy(f.l.v1_mount[BARCO_CG_V1_CPU], f.l.v1_mount[BARCO_CG_V1_MEMORY], PATH_MAX);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "x", &f.cg), 0);
	CU_ASSERT_STRING_EQUAL(f.cg.v1_path[BARCO_CG_V1_CPU], f.cg.v1_path[BARCO_CG_V1_MEMORY]);
	CU_ASSERT_STRING_EQUAL(f.cg.v1_path[BARCO_CG_V1_PIDS], "");
	CU_ASSERT_STRING_EQUAL(f.cg.unified_path, "");
	CU_ASSERT_EQUAL(barco_cgroup_id(&f.cg), 0);
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&f.cg, &f.err), 0);

	f.cfg.pids_max = 5;
	CU_ASSERT_EQUAL(fake_create(&f, "x", &f.cg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "pids"));
	(void)snprintf(path, sizeof(path), "%s/barco/x", f.l.v1_mount[BARCO_CG_V1_MEMORY]);
	CU_ASSERT(!dir_exists(path));
}

static void test_create_refuses_bad_input(void)
{
	struct fake f = {0};

	CU_ASSERT_EQUAL(fake_create(&f, "web", &f.cg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "unknown"));
	f.l.mode = BARCO_CGROUP_V2;
	(void)snprintf(f.l.unified_mount, PATH_MAX, "/nonexistent");
	CU_ASSERT_EQUAL(fake_create(&f, "../etc", &f.cg), -1);
	CU_ASSERT_EQUAL(f.err.errnum, EINVAL);
	CU_ASSERT_EQUAL(f.rep.len, 0);
}

static void test_fake_attach(void)
{
	/* Not destroyed: pid 4242 is listed and may exist; the tree goes as files. */
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	struct barco_cgroup *cg = &f.cg;
	char buf[64], expect[PATH_MAX + 64];

	fake_hybrid(f.root, &f.l);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "a", cg), 0);
	/* No cgroup.procs yet: the error names the file and the pid. */
	CU_ASSERT_EQUAL(barco_cgroup_attach(cg, 4242, 0, &f.rep, &f.err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "write 4242 to "));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "/cgroup.procs"));
	barco_test_write_file(cg->unified_path, "cgroup.procs", "");
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		barco_test_write_file(cg->v1_path[c], "cgroup.procs", "");
	barco_report_clear(&f.rep);
	CU_ASSERT_EQUAL(barco_cgroup_attach(cg, 4242, 0, &f.rep, &f.err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "cgroup.procs", buf, sizeof(buf)),
			       "4242");
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		CU_ASSERT_STRING_EQUAL(get_file(cg->v1_path[c], "cgroup.procs", buf, sizeof(buf)),
				       "4242");
	(void)snprintf(expect, sizeof(expect), "write %s/cgroup.procs = 4242",
		       cg->v1_path[BARCO_CG_V1_PIDS]);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.rep.text, expect));
	CU_ASSERT_EQUAL(barco_cgroup_attach(cg, 0, 0, &f.rep, &f.err), -1);
	/* Already in the cgroup2 directory (clone3 put it there): only v1 is written. */
	barco_test_write_file(cg->unified_path, "cgroup.procs", "");
	barco_report_clear(&f.rep);
	CU_ASSERT_EQUAL(barco_cgroup_attach(cg, 4343, BARCO_CG_SKIP_UNIFIED, &f.rep, &f.err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "cgroup.procs", buf, sizeof(buf)), "");
	CU_ASSERT_STRING_EQUAL(
		get_file(cg->v1_path[BARCO_CG_V1_MEMORY], "cgroup.procs", buf, sizeof(buf)),
		"4343");
	CU_ASSERT_PTR_NULL(strstr(f.rep.text, cg->unified_path));
	/* It joined the v1 ones itself (barco_cgroup_join): only the cgroup2 one is written. */
	barco_report_clear(&f.rep);
	CU_ASSERT_EQUAL(barco_cgroup_attach(cg, 4444, BARCO_CG_SKIP_V1, &f.rep, &f.err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "cgroup.procs", buf, sizeof(buf)),
			       "4444");
	CU_ASSERT_STRING_EQUAL(
		get_file(cg->v1_path[BARCO_CG_V1_MEMORY], "cgroup.procs", buf, sizeof(buf)),
		"4343");
	CU_ASSERT_PTR_NULL(strstr(f.rep.text, cg->v1_path[BARCO_CG_V1_PIDS]));
}

/*
 * The v1 directories' "tasks" files, opened here and written "0" by the
 * process that joins (in the fake tree, plain files: the "0" is what it wrote).
 */
static void test_fake_join(void)
{
	cleanup_fake struct fake f = {.root = barco_test_tmpdir()};
	struct barco_cgroup *cg = &f.cg;
	struct barco_cgroup_join j;
	char buf[64], expect[PATH_MAX + 64];

	fake_hybrid(f.root, &f.l);
	CU_ASSERT_EQUAL_FATAL(fake_create(&f, "j", cg), 0);
	/* No tasks files: the error names the first missing one, and nothing stays open. */
	CU_ASSERT_EQUAL(barco_cgroup_join_open(cg, &j, &f.err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, "/tasks"));
	CU_ASSERT_EQUAL(j.len, 0);
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		barco_test_write_file(cg->v1_path[c], "tasks", "");
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_join_open(cg, &j, &f.err), 0);
	/* Every v1 directory, the cgroup2 one not: clone3 starts the child there. */
	CU_ASSERT(j.len > 0);
	for (size_t i = 0; i < j.len; i++)
		CU_ASSERT_STRING_NOT_EQUAL(j.dirs[i], cg->unified_path);
	barco_cgroup_join_self(&j);
	for (size_t i = 0; i < j.len; i++)
		CU_ASSERT_EQUAL(j.fds[i], -1);
	CU_ASSERT_STRING_EQUAL(get_file(cg->v1_path[BARCO_CG_V1_MEMORY], "tasks", buf, sizeof(buf)),
			       "0");
	barco_report_clear(&f.rep);
	CU_ASSERT_EQUAL(barco_cgroup_join_report(&j, &f.rep, &f.err), 0);
	(void)snprintf(expect, sizeof(expect),
		       "write %s/tasks = 0: ", cg->v1_path[BARCO_CG_V1_PIDS]);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.rep.text, expect));
	CU_ASSERT_PTR_NULL(strstr(f.rep.text, cg->unified_path));
	/* A write refused: the stage fails naming the directory. */
	j.errnum = EACCES;
	j.failed = 0;
	CU_ASSERT_EQUAL(barco_cgroup_join_report(&j, &f.rep, &f.err), -1);
	CU_ASSERT_EQUAL(f.err.errnum, EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.err.msg, j.dirs[0]));
}

static pid_t fork_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	CU_ASSERT_FATAL(pid > 0);
	return pid;
}

/*
 * Reaps pid: true when SIGKILL ended it within about a second. A survivor is
 * killed and reaped here so that a failing test cannot hang the runner.
 */
static bool was_killed(pid_t pid)
{
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 10000000L};
	int status = 0;

	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		(void)nanosleep(&tick, NULL);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	return false;
}

/*
 * Runs in its own process group: a listed 0 or -pgid (a process group) and
 * the caller's own pid must be skipped, a sleeper listed next to them killed.
 * Exit 0 when all holds; a broken skip kills this child, not the runner.
 */
static int destroy_listed_child(const char *root)
{
	struct barco_cgroup cg = {0};
	struct barco_err err = {0};
	pid_t sleeper;
	char text[64];
	FILE *f;

	if (setpgid(0, 0) < 0)
		return 10;
	sleeper = fork();
	if (sleeper == 0) {
		for (;;)
			pause();
	}
	(void)snprintf(cg.unified_path, PATH_MAX, "%s", root);
	(void)snprintf(text, sizeof(text), "%s/cgroup.procs", root);
	f = fopen(text, "w");
	if (sleeper < 0 || !f)
		return 11;
	/* -pid would be this process group: never a target either. */
	(void)fprintf(f, "0\n-%d\n%d\n%d\n", (int)getpid(), (int)getpid(), (int)sleeper);
	(void)fclose(f);
	/* The plain file keeps the directory non-empty: rmdir fails, naming it. */
	if (barco_cgroup_destroy(&cg, &err) != -1 || err.errnum != ENOTEMPTY ||
	    !strstr(err.msg, root) || cg.unified_path[0] != '\0')
		return 12;
	return was_killed(sleeper) ? 0 : 13;
}

/* Without cgroup.kill, destroy kills each pid in cgroup.procs. */
static void test_fake_destroy_kills_listed(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(destroy_listed_child(root));
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	barco_test_rmtree(root);
}

/* With cgroup.kill, destroy writes "1" there and reads no cgroup.procs. */
static void test_fake_destroy_uses_cgroup_kill(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	cleanup_pid pid_t child = fork_sleeper();
	struct barco_cgroup cg = {0};
	struct barco_err err = {0};
	char text[32];

	(void)snprintf(cg.v1_path[BARCO_CG_V1_PIDS], PATH_MAX, "%s", root);
	(void)snprintf(text, sizeof(text), "%d\n", (int)child);
	barco_test_write_file(root, "cgroup.procs", text);
	barco_test_write_file(root, "cgroup.kill", "");
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), -1);
	CU_ASSERT_STRING_EQUAL(get_file(root, "cgroup.kill", text, sizeof(text)), "1");
	CU_ASSERT_EQUAL(kill(child, 0), 0); /* still alive: only the kernel would kill it */
	barco_test_rmtree(root);
}

static void test_destroy_empty(void)
{
	struct barco_cgroup cg;
	struct barco_err err = {0};

	memset(&cg, 0, sizeof(cg));
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), 0);
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), 0);
	(void)snprintf(cg.unified_path, PATH_MAX, "/nonexistent/barco/gone");
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), 0);
	CU_ASSERT_EQUAL(barco_cgroup_id(&cg), 0);
}

/* ---- the real kernel ------------------------------------------------------ */

static bool real_layout(struct barco_cgroup_layout *l)
{
	struct barco_err err = {0};
	const char *probe;

	if (barco_cgroup_layout_detect(l, &err) < 0) {
		fprintf(stderr, "\n  skip real cgroup test: %s\n", err.msg);
		return false;
	}
	probe = l->mode == BARCO_CGROUP_V2 ? l->unified_mount : l->v1_mount[BARCO_CG_V1_PIDS];
	if (geteuid() != 0 || probe[0] == '\0' || access(probe, W_OK) < 0) {
		fprintf(stderr, "\n  skip real cgroup test: %s not writable (need root)\n", probe);
		return false;
	}
	return true;
}

/* Remembers which "barco" parents existed, to remove only those the test made. */
static void parents_existing(const struct barco_cgroup_layout *l, bool had[BARCO_CG_V1_COUNT + 1])
{
	char path[TEST_PATH_MAX];

	for (int c = 0; c < BARCO_CG_V1_COUNT; c++) {
		(void)snprintf(path, sizeof(path), "%s/barco", l->v1_mount[c]);
		had[c] = !l->v1_mount[c][0] || dir_exists(path);
	}
	(void)snprintf(path, sizeof(path), "%s/barco", l->unified_mount);
	had[BARCO_CG_V1_COUNT] = !l->unified_mount[0] || dir_exists(path);
}

static void remove_new_parents(const struct barco_cgroup_layout *l,
			       const bool had[BARCO_CG_V1_COUNT + 1])
{
	char path[TEST_PATH_MAX];

	/* rmdir fails harmlessly if another container made the parent busy meanwhile. */
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++) {
		(void)snprintf(path, sizeof(path), "%s/barco", l->v1_mount[c]);
		if (!had[c])
			(void)rmdir(path);
	}
	(void)snprintf(path, sizeof(path), "%s/barco", l->unified_mount);
	if (!had[BARCO_CG_V1_COUNT])
		(void)rmdir(path);
}

/* True when /proc/<pid>/cgroup has "N:<list with ctrl>:<path>" ("" ctrl: the 0:: line). */
static bool proc_in_cgroup(pid_t pid, const char *ctrl, const char *want)
{
	char file[64], line[512];
	FILE *f;
	bool found = false;

	(void)snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':');
		char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		ctrls++;
		if (strcmp(path, want) != 0)
			continue;
		if (ctrl[0] == '\0')
			found = ctrls[0] == '\0';
		else
			for (char *s = NULL, *t = strtok_r(ctrls, ",", &s); t && !found;
			     t = strtok_r(NULL, ",", &s))
				found = strcmp(t, ctrl) == 0;
	}
	(void)fclose(f);
	return found;
}

static void check_real_limits(const struct barco_cgroup *cg)
{
	char buf[64];

	if (cg->layout.mode == BARCO_CGROUP_V2) {
		CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "memory.max", buf, sizeof(buf)),
				       "67108864");
		CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "cpu.weight", buf, sizeof(buf)),
				       "100");
		CU_ASSERT_STRING_EQUAL(get_file(cg->unified_path, "pids.max", buf, sizeof(buf)),
				       "20");
		get_file(cg->unified_path, "memory.swap.max", buf, sizeof(buf));
		CU_ASSERT(buf[0] == '\0' || strcmp(buf, "0") == 0);
		return;
	}
	CU_ASSERT_STRING_EQUAL(get_file(cg->v1_path[BARCO_CG_V1_MEMORY], "memory.limit_in_bytes",
					buf, sizeof(buf)),
			       "67108864");
	get_file(cg->v1_path[BARCO_CG_V1_MEMORY], "memory.memsw.limit_in_bytes", buf, sizeof(buf));
	CU_ASSERT(buf[0] == '\0' || strcmp(buf, "67108864") == 0);
	CU_ASSERT_STRING_EQUAL(
		get_file(cg->v1_path[BARCO_CG_V1_CPU], "cpu.shares", buf, sizeof(buf)), "2597");
	CU_ASSERT_STRING_EQUAL(
		get_file(cg->v1_path[BARCO_CG_V1_PIDS], "pids.max", buf, sizeof(buf)), "20");
}

static void check_real_membership(const struct barco_cgroup *cg, pid_t pid, const char *name)
{
	char want[128];
	struct stat st;

	(void)snprintf(want, sizeof(want), "/barco/%s", name);
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++) {
		static const char *const ctrl[BARCO_CG_V1_COUNT] = {"memory", "cpu", "pids",
								    "devices"};

		if (cg->v1_path[c][0])
			CU_ASSERT(proc_in_cgroup(pid, ctrl[c], want));
	}
	if (cg->unified_path[0]) {
		CU_ASSERT(proc_in_cgroup(pid, "", want));
		CU_ASSERT_EQUAL_FATAL(stat(cg->unified_path, &st), 0);
		CU_ASSERT_EQUAL(barco_cgroup_id(cg), (uint64_t)st.st_ino);
	}
}

static void check_all_gone(const struct barco_cgroup *saved)
{
	for (int c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (saved->v1_path[c][0])
			CU_ASSERT(!dir_exists(saved->v1_path[c]));
	if (saved->unified_path[0])
		CU_ASSERT(!dir_exists(saved->unified_path));
}

/* Create with limits, attach a child, destroy: the child dies, directories go. */
static void run_real(const struct barco_cgroup_layout *l)
{
	struct barco_config cfg = {.memory_max_bytes = 64 << 20, .cpu_weight = 100, .pids_max = 20};
	struct barco_cgroup cg, saved, twin;
	struct barco_report rep = {0};
	struct barco_err err = {0};
	char name[32];
	bool had[BARCO_CG_V1_COUNT + 1];

	(void)snprintf(name, sizeof(name), "unit-%d", (int)getpid());
	parents_existing(l, had);
	if (barco_cgroup_create(l, name, &cfg, &cg, &rep, &err) < 0) {
		CU_FAIL("real cgroup create failed");
		fprintf(stderr, "\n  create: %s (%s)\n", err.msg, strerror(err.errnum));
		remove_new_parents(l, had);
		return;
	}
	saved = cg;
	check_real_limits(&cg);
	CU_ASSERT_EQUAL(barco_cgroup_create(l, name, &cfg, &twin, &rep, &err), -1);
	CU_ASSERT_EQUAL(err.errnum, EEXIST);
	{
		cleanup_pid pid_t child = fork_sleeper();

		CU_ASSERT_EQUAL(barco_cgroup_attach(&cg, child, false, &rep, &err), 0);
		check_real_membership(&cg, child, name);
		CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), 0);
		CU_ASSERT(was_killed(steal_pid(&child)));
	}
	check_all_gone(&saved);
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&saved, &err), 0);
	remove_new_parents(l, had);
}

static void test_real_create_attach_destroy(void)
{
	struct barco_cgroup_layout l;

	if (real_layout(&l))
		run_real(&l);
}

/*
 * Hybrid hosts also run as plain v1 (no cgroup2 directory): then destroy has
 * no cgroup.kill and must kill from cgroup.procs, here two processes.
 */
static void test_real_v1_kill_by_procs(void)
{
	struct barco_cgroup_layout l;
	struct barco_config cfg = {.pids_max = 20};
	struct barco_cgroup cg, saved;
	struct barco_report rep = {0};
	struct barco_err err = {0};
	char name[32];
	bool had[BARCO_CG_V1_COUNT + 1];

	if (!real_layout(&l))
		return;
	if (l.mode != BARCO_CGROUP_HYBRID && l.mode != BARCO_CGROUP_V1) {
		fprintf(stderr, "\n  skip v1 kill test: host is cgroup %s\n",
			barco_cgroup_mode_name(l.mode));
		return;
	}
	l.mode = BARCO_CGROUP_V1;
	l.unified_mount[0] = '\0';
	(void)snprintf(name, sizeof(name), "unit-v1-%d", (int)getpid());
	parents_existing(&l, had);
	CU_ASSERT_EQUAL_FATAL(barco_cgroup_create(&l, name, &cfg, &cg, &rep, &err), 0);
	saved = cg;
	{
		cleanup_pid pid_t a = fork_sleeper();
		cleanup_pid pid_t b = fork_sleeper();

		CU_ASSERT_EQUAL(barco_cgroup_attach(&cg, a, false, &rep, &err), 0);
		CU_ASSERT_EQUAL(barco_cgroup_attach(&cg, b, false, &rep, &err), 0);
		CU_ASSERT_EQUAL(barco_cgroup_destroy(&cg, &err), 0);
		CU_ASSERT(was_killed(steal_pid(&a)));
		CU_ASSERT(was_killed(steal_pid(&b)));
	}
	check_all_gone(&saved);
	/* Whatever the assertions said, nothing of the test may stay behind. */
	CU_ASSERT_EQUAL(barco_cgroup_destroy(&saved, &err), 0);
	remove_new_parents(&l, had);
}

/* pause/resume: the v1 freezer's file where there is one, cgroup2's files on v2. */
static void test_fake_freeze(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	struct barco_cgroup cg = {0};
	struct barco_err err = {0};
	char buf[64];

	(void)snprintf(cg.freezer_path, PATH_MAX, "%s", root);
	barco_test_write_file(root, "freezer.state", "THAWED\n");
	CU_ASSERT_FALSE(barco_cgroup_is_frozen(&cg));
	CU_ASSERT_EQUAL(barco_cgroup_freeze(&cg, true, &err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(root, "freezer.state", buf, sizeof(buf)), "FROZEN");
	CU_ASSERT_TRUE(barco_cgroup_is_frozen(&cg));
	CU_ASSERT_EQUAL(barco_cgroup_freeze(&cg, false, &err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(root, "freezer.state", buf, sizeof(buf)), "THAWED");

	memset(&cg, 0, sizeof(cg));
	cg.layout.mode = BARCO_CGROUP_V2;
	(void)snprintf(cg.unified_path, PATH_MAX, "%s", root);
	barco_test_write_file(root, "cgroup.freeze", "0\n");
	barco_test_write_file(root, "cgroup.events", "populated 1\nfrozen 1\n");
	CU_ASSERT_EQUAL(barco_cgroup_freeze(&cg, true, &err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(root, "cgroup.freeze", buf, sizeof(buf)), "1");
	CU_ASSERT_TRUE(barco_cgroup_is_frozen(&cg));

	/* Hybrid without a v1 freezer: cgroup.freeze of the identity-only cgroup2 is not used. */
	cg.layout.mode = BARCO_CGROUP_HYBRID;
	CU_ASSERT_EQUAL(barco_cgroup_freeze(&cg, true, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no freezer"));
	CU_ASSERT_FALSE(barco_cgroup_is_frozen(&cg));
	barco_test_rmtree(root);
}

/* update: the files create writes; -1 is "max"; what is 0 is left alone. */
static void test_fake_update(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	struct barco_cgroup cg = {0};
	struct barco_report rep = {0};
	struct barco_err err = {0};
	const struct barco_cgroup_limits lift = {.memory_bytes = -1, .pids_max = 7};
	const struct barco_cgroup_limits shares = {.cpu_shares = 512};
	char buf[64];

	cg.layout.mode = BARCO_CGROUP_V2;
	(void)snprintf(cg.unified_path, PATH_MAX, "%s", root);
	/* Plain files are not truncated by a write (cgroup files parse each write): start empty. */
	barco_test_write_file(root, "memory.max", "");
	barco_test_write_file(root, "pids.max", "");
	barco_test_write_file(root, "cpu.weight", "100\n");
	CU_ASSERT_EQUAL(barco_cgroup_update(&cg, &lift, &rep, &err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(root, "memory.max", buf, sizeof(buf)), "max");
	CU_ASSERT_STRING_EQUAL(get_file(root, "pids.max", buf, sizeof(buf)), "7");
	CU_ASSERT_STRING_EQUAL(get_file(root, "cpu.weight", buf, sizeof(buf)), "100");
	barco_test_write_file(root, "cpu.weight", "");
	CU_ASSERT_EQUAL(barco_cgroup_update(&cg, &shares, &rep, &err), 0);
	CU_ASSERT_STRING_EQUAL(get_file(root, "cpu.weight", buf, sizeof(buf)), "20");

	/* v1 without a pids hierarchy: a pids limit is refused, naming the controller. */
	memset(&cg, 0, sizeof(cg));
	cg.layout.mode = BARCO_CGROUP_V1;
	CU_ASSERT_EQUAL(barco_cgroup_update(&cg, &lift, &rep, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "controller, which is not mounted"));
	barco_test_rmtree(root);
}

void barco_test_register_cgroup(void)
{
	static const struct barco_test tests[] = {
		{"mode names", test_mode_names},
		{"parse: hybrid host", test_parse_hybrid_host},
		{"parse: v2 VM", test_parse_v2_vm},
		{"parse: v1 cpu,cpuacct", test_parse_v1_combined},
		{"parse: name=systemd is no controller", test_parse_named_v1_only_is_v2},
		{"parse: escaped mount points", test_parse_escaped_mountpoint},
		{"parse: garbage and empty", test_parse_garbage_and_empty},
		{"detect on this host", test_detect_matches_host},
		{"weight to shares", test_weight_to_shares},
		{"paths for", test_paths_for},
		{"paths for: bad names", test_paths_for_refuses_bad_names},
		{"fake v2: create delegates", test_fake_v2_create_delegates},
		{"fake v2: partial controllers", test_fake_v2_partial_controllers},
		{"fake v2: rollback", test_fake_v2_missing_limit_file_rolls_back},
		{"fake v2: exists", test_fake_v2_exists_is_error},
		{"the OOM killer's count", test_oom_kills},
		{"fake hybrid: create/destroy", test_fake_hybrid_create_destroy},
		{"fake hybrid: rollback", test_fake_hybrid_failure_rolls_back},
		{"fake hybrid: unified exists", test_fake_hybrid_unified_exists},
		{"fake v1: co-mounted, missing", test_fake_v1_comounted_and_missing},
		{"create: bad input", test_create_refuses_bad_input},
		{"fake attach", test_fake_attach},
		{"fake join (v1 tasks, written by the joining process)", test_fake_join},
		{"fake destroy: kill listed", test_fake_destroy_kills_listed},
		{"fake destroy: cgroup.kill", test_fake_destroy_uses_cgroup_kill},
		{"destroy: empty and twice", test_destroy_empty},
		{"real: create/attach/destroy", test_real_create_attach_destroy},
		{"real: v1 kill by cgroup.procs", test_real_v1_kill_by_procs},
		{"fake freeze: v1 freezer, cgroup.freeze", test_fake_freeze},
		{"fake update: limits, max, untouched", test_fake_update},
	};

	barco_test_suite_add("cgroup", tests, ARRAY_LEN(tests));
}
