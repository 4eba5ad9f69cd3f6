/* The stage table: order, names, round trips, the glue each row names. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "stages/ns.h"
#include "base/report.h"
#include "runtime/oci_hooks.h"
#include "runtime/runner.h"
#include "runtime/stage.h"
#include "suites.h"

static void test_order_is_the_design(void)
{
	static const char *const expected[] = {"cgroups",  "userns",  "namespaces",
					       "hostname", "mounts",  "network",
					       "caps",	   "seccomp", "exec"};

	CU_ASSERT_EQUAL_FATAL(BARCO_STAGE_COUNT, 9);
	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(def);
		CU_ASSERT_EQUAL((int)def->stage, i); /* the row sits at its own index */
		CU_ASSERT_STRING_EQUAL(def->name, expected[i]);
		CU_ASSERT_TRUE(def->parent != NULL || def->child != NULL);
		CU_ASSERT_TRUE(strlen(def->summary) > 10);
	}
	CU_ASSERT_PTR_NULL(barco_stage_get(BARCO_STAGE_COUNT));
}

static void test_names_round_trip(void)
{
	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);

		CU_ASSERT_EQUAL(barco_stage_from_name(def->name), i);
		CU_ASSERT_PTR_NOT_NULL(strstr(barco_stage_list(), def->name));
	}
	CU_ASSERT_EQUAL(barco_stage_from_name("nope"), -1);
	CU_ASSERT_EQUAL(barco_stage_from_name("CGROUPS"), -1);
	CU_ASSERT_EQUAL(barco_stage_from_name(""), -1);
}

/* Who does what: the design's "side" column. */
static void test_sides(void)
{
	CU_ASSERT_PTR_NOT_NULL(barco_stage_get(BARCO_STAGE_CGROUPS)->parent);
	CU_ASSERT_PTR_NULL(barco_stage_get(BARCO_STAGE_CGROUPS)->child);
	CU_ASSERT_PTR_NOT_NULL(barco_stage_get(BARCO_STAGE_USERNS)->parent);
	CU_ASSERT_PTR_NOT_NULL(barco_stage_get(BARCO_STAGE_USERNS)->child);
	for (int i = BARCO_STAGE_NAMESPACES; i <= BARCO_STAGE_SECCOMP; i++)
		CU_ASSERT_PTR_NOT_NULL(barco_stage_get((enum barco_stage)i)->child);
	CU_ASSERT_PTR_NOT_NULL(barco_stage_get(BARCO_STAGE_EXEC)->child);
}

/*
 * A run sends the CONTINUEs of consecutive child-only stages in one batch;
 * a stage with a runner part joins the batch only when that part has
 * nothing to do for this container. Without hooks and without a network
 * to build, namespaces to seccomp is one round trip.
 */
static void test_parent_idle(void)
{
	const struct barco_stage_def *mounts = barco_stage_get(BARCO_STAGE_MOUNTS);
	const struct barco_stage_def *net = barco_stage_get(BARCO_STAGE_NETWORK);
	struct barco_config cfg = {.net_mode = BARCO_NET_NONE};
	struct barco_container c = {.cfg = &cfg};
	struct barco_oci_hooks hooks = {0};
	struct barco_err err = {0};
	struct json_object *j;

	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);

		/* Only a stage with a runner part can have it idle. */
		if (def->is_parent_idle)
			CU_ASSERT_PTR_NOT_NULL(def->parent);
	}
	/* userns's runner part clones the container: never idle. */
	CU_ASSERT_PTR_NULL(barco_stage_get(BARCO_STAGE_USERNS)->is_parent_idle);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mounts->is_parent_idle);
	CU_ASSERT_PTR_NOT_NULL_FATAL(net->is_parent_idle);
	CU_ASSERT_TRUE(mounts->is_parent_idle(&c));
	CU_ASSERT_TRUE(net->is_parent_idle(&c));
	cfg.net_mode = BARCO_NET_BRIDGE;
	CU_ASSERT_FALSE(net->is_parent_idle(&c));
	cfg.net_mode = BARCO_NET_SLIRP;
	CU_ASSERT_FALSE(net->is_parent_idle(&c));

	j = json_tokener_parse("{\"poststart\": [{\"path\": \"/bin/true\"}]}");
	CU_ASSERT_EQUAL_FATAL(barco_oci_hooks_parse(j, &hooks, &err), 0);
	cfg.hooks = &hooks;
	CU_ASSERT_TRUE(mounts->is_parent_idle(&c)); /* poststart runs at start, not here */
	barco_oci_hooks_free(&hooks);
	json_object_put(j);
	j = json_tokener_parse("{\"createRuntime\": [{\"path\": \"/bin/true\"}]}");
	CU_ASSERT_EQUAL_FATAL(barco_oci_hooks_parse(j, &hooks, &err), 0);
	CU_ASSERT_FALSE(mounts->is_parent_idle(&c));
	barco_oci_hooks_free(&hooks);
	json_object_put(j);
}

static void test_lesson_paths(void)
{
	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);
		char expected[64];

		(void)snprintf(expected, sizeof(expected), "lessons/%02d-%s.md", i + 1, def->name);
		CU_ASSERT_STRING_EQUAL(def->lesson, expected);
	}
}

static void test_ns_flags(void)
{
	char buf[256];

	barco_ns_flags_str(barco_ns_flags(false), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET|"
				    "CLONE_NEWCGROUP|CLONE_NEWPID");
	barco_ns_flags_str(barco_ns_flags(true), buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "|CLONE_NEWTIME"));
	CU_ASSERT_PTR_NULL(strstr(buf, "CLONE_NEWUSER")); /* made at the userns stage */
}

void barco_test_register_stage(void)
{
	static const struct barco_test tests[] = {
		{"table order is the design's", test_order_is_the_design},
		{"names round-trip", test_names_round_trip},
		{"parent and child sides", test_sides},
		{"a runner part with nothing to do joins the batch", test_parent_idle},
		{"lesson file per stage", test_lesson_paths},
		{"namespace flags", test_ns_flags},
	};

	barco_test_suite_add("stage", tests, ARRAY_LEN(tests));
}
