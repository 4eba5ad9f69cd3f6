/* What an ordinary user gets: subordinate ranges and a delegated cgroup. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/rootless.h"
#include "suites.h"

static const char subuid[] = "# comment\n"
			     "alice:100000:65536\n"
			     "1001:200000:70000\n"
			     "bob:300000:1000\n"
			     "broken line\n"
			     "carol:400000:0\n";

static void test_subid_by_name_and_by_number(void)
{
	struct barco_idmap m = {0};

	CU_ASSERT_TRUE(barco_rootless_subid_parse(subuid, "alice", 1000, &m));
	CU_ASSERT_EQUAL(m.inside, 0);
	CU_ASSERT_EQUAL(m.outside, 100000);
	CU_ASSERT_EQUAL(m.count, 65536);
	/* By uid when the name does not match; the count capped at a full map. */
	CU_ASSERT_TRUE(barco_rootless_subid_parse(subuid, "dave", 1001, &m));
	CU_ASSERT_EQUAL(m.outside, 200000);
	CU_ASSERT_EQUAL(m.count, BARCO_ROOTLESS_IDS);
	CU_ASSERT_TRUE(barco_rootless_subid_parse(subuid, "bob", 1002, &m));
	CU_ASSERT_EQUAL(m.count, 1000);
}

static void test_subid_none(void)
{
	struct barco_idmap m = {0};

	CU_ASSERT_FALSE(barco_rootless_subid_parse(subuid, "eve", 1005, &m));
	CU_ASSERT_FALSE(barco_rootless_subid_parse(subuid, "carol", 1006, &m)); /* count 0 */
	CU_ASSERT_FALSE(barco_rootless_subid_parse(subuid, "broken line", 1007, &m));
	CU_ASSERT_FALSE(barco_rootless_subid_parse("", NULL, 1000, &m));
	/* A prefix of a name is not the name. */
	CU_ASSERT_FALSE(barco_rootless_subid_parse(subuid, "ali", 1008, &m));
}

static void test_self_map(void)
{
	const struct barco_idmap self = {0, 1000, 1}, wide = {0, 100000, 65536};

	CU_ASSERT_TRUE(barco_rootless_is_self_map(&self, 1, 1000));
	CU_ASSERT_FALSE(barco_rootless_is_self_map(&self, 1, 1001));
	CU_ASSERT_FALSE(barco_rootless_is_self_map(&wide, 1, 100000));
}

/* A fake cgroup2 tree: mount/user/shell, with our process in shell. */
static void make_tree(const char *root, uid_t owner)
{
	const char *const files[] = {"cgroup.procs", "cgroup.subtree_control"};
	char path[4096];

	(void)snprintf(path, sizeof(path), "%s/user", root);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	for (size_t i = 0; i < 2; i++) {
		(void)snprintf(path, sizeof(path), "%s/user/%s", root, files[i]);
		fclose(fopen(path, "w"));
	}
	(void)snprintf(path, sizeof(path), "%s/user", root);
	CU_ASSERT_FATAL(chown(path, owner, owner) == 0);
}

static void test_delegated_parent(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	char dir[4096] = "", why[4096] = "";

	make_tree(root, geteuid());
	CU_ASSERT_TRUE(barco_rootless_find_delegated(root, "0::/user/shell\n", dir, sizeof(dir),
						     why, sizeof(why)));
	CU_ASSERT_TRUE(strlen(dir) > strlen(root) && strcmp(dir + strlen(root), "/user") == 0);
	/* A v1 line first (hybrid), the unified one after it. */
	CU_ASSERT_TRUE(barco_rootless_find_delegated(root, "4:memory:/x\n0::/user/shell\n", dir,
						     sizeof(dir), why, sizeof(why)));
	barco_test_rmtree(root);
}

static void test_not_delegated(void)
{
	cleanup_free char *root = barco_test_tmpdir();
	char dir[4096] = "", why[4096] = "";

	make_tree(root, geteuid() + 1);
	CU_ASSERT_FALSE(barco_rootless_find_delegated(root, "0::/user/shell\n", dir, sizeof(dir),
						      why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not delegated"));
	/* Our cgroup right under the root: its parent is the root, never ours. */
	CU_ASSERT_FALSE(barco_rootless_find_delegated(root, "0::/user\n", dir, sizeof(dir), why,
						      sizeof(why)));
	CU_ASSERT_FALSE(barco_rootless_find_delegated(root, "4:memory:/x\n", dir, sizeof(dir), why,
						      sizeof(why)));
	CU_ASSERT_FALSE(barco_rootless_find_delegated("", "0::/user/shell\n", dir, sizeof(dir), why,
						      sizeof(why)));
	barco_test_rmtree(root);
}

void barco_test_register_rootless(void)
{
	CU_pSuite s = barco_test_suite("rootless");

	barco_test_add(s, "subordinate range by name and by number",
		       test_subid_by_name_and_by_number);
	barco_test_add(s, "no subordinate range", test_subid_none);
	barco_test_add(s, "the single map a user may write", test_self_map);
	barco_test_add(s, "a delegated parent cgroup is found", test_delegated_parent);
	barco_test_add(s, "a cgroup not ours is not delegated", test_not_delegated);
}
