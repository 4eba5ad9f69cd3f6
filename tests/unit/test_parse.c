/* The parsers of values: sizes, integers, id maps, names, environment entries. */
#include <stdint.h>
#include <string.h>

#include "base/parse.h"
#include "base/util.h"
#include "stages/userns.h"
#include "suites.h"

static void test_size_valid(void)
{
	static const struct {
		const char *in;
		uint64_t bytes;
	} rows[] = {
		{"1", 1},
		{"512", 512},
		{"64K", 64ull << 10},
		{"64k", 64ull << 10},
		{"256M", 256ull << 20},
		{"256MB", 256ull << 20},
		{"2G", 2ull << 30},
		{"8589934592", 8589934592ull},
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct barco_err err = {0};
		uint64_t v = 0;

		CU_ASSERT_EQUAL_FATAL(barco_parse_size(rows[i].in, &v, &err), 0);
		CU_ASSERT_EQUAL(v, rows[i].bytes);
	}
}

static void test_size_invalid(void)
{
	static const char *const rows[] = {"",
					   "0",
					   "0M",
					   "-5M",
					   "12Q",
					   "M",
					   " 5M",
					   "5 M",
					   "5MM",
					   "1.5G",
					   "18446744073709551616",
					   "17179869184G",
					   "0x10"};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct barco_err err = {0};
		uint64_t v = 42;

		CU_ASSERT_EQUAL(barco_parse_size(rows[i], &v, &err), -1);
		CU_ASSERT_EQUAL(v, 42); /* untouched on failure */
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, rows[i]));
	}
}

static void test_uint(void)
{
	struct barco_err err = {0};
	uint64_t v = 0;

	CU_ASSERT_EQUAL(barco_parse_uint("100", 1, 10000, "--cpu-weight", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 100);
	CU_ASSERT_EQUAL(barco_parse_uint("0", 1, 10000, "--cpu-weight", &v, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "between 1 and 10000"));
	CU_ASSERT_EQUAL(barco_parse_uint("10001", 1, 10000, "--cpu-weight", &v, &err), -1);
	CU_ASSERT_EQUAL(barco_parse_uint("abc", 1, 10, "--pids", &v, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--pids"));
	CU_ASSERT_EQUAL(barco_parse_uint("+5", 1, 10, "--pids", &v, &err), -1);
	CU_ASSERT_EQUAL(barco_parse_uint("5x", 1, 10, "--pids", &v, &err), -1);
}

static void test_idmap(void)
{
	struct barco_idmap map;
	struct barco_err err = {0};
	static const char *const bad[] = {"1:2",       "a:b:c",	 "0:100000:0",
					  "0:100000:", ":1:2",	 "0:4294967295:1",
					  "1:2:3:4",   "-1:0:1", "0:4294967290:10"};

	CU_ASSERT_EQUAL_FATAL(barco_parse_idmap("0:100000:65536", &map, &err), 0);
	CU_ASSERT_EQUAL(map.inside, 0);
	CU_ASSERT_EQUAL(map.outside, 100000);
	CU_ASSERT_EQUAL(map.count, 65536);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		CU_ASSERT_EQUAL(barco_parse_idmap(bad[i], &map, &err), -1);
}

static void test_idmap_contains_and_overlap(void)
{
	const struct barco_idmap two[] = {{0, 100000, 1000}, {1000, 300000, 10}};
	const struct barco_idmap overlap_in[] = {{0, 100000, 1000}, {999, 300000, 10}};
	const struct barco_idmap overlap_out[] = {{0, 100000, 1000}, {5000, 100500, 10}};
	struct barco_err err = {0};

	CU_ASSERT_TRUE(barco_idmap_contains(two, 2, 0));
	CU_ASSERT_TRUE(barco_idmap_contains(two, 2, 999));
	CU_ASSERT_TRUE(barco_idmap_contains(two, 2, 1009));
	CU_ASSERT_FALSE(barco_idmap_contains(two, 2, 1010));
	CU_ASSERT_EQUAL(barco_idmap_validate(two, 2, "--uidmap", &err), 0);
	CU_ASSERT_EQUAL(barco_idmap_validate(overlap_in, 2, "--uidmap", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "overlap"));
	CU_ASSERT_EQUAL(barco_idmap_validate(overlap_out, 2, "--uidmap", &err), -1);
}

static void test_format_map(void)
{
	const struct barco_idmap two[] = {{0, 100000, 1000}, {1000, 300000, 10}};
	char buf[64];
	char tiny[8];

	CU_ASSERT_EQUAL(barco_userns_format_map(two, 2, buf, sizeof(buf)), 29);
	CU_ASSERT_STRING_EQUAL(buf, "0 100000 1000\n1000 300000 10\n");
	CU_ASSERT_EQUAL(barco_userns_format_map(two, 2, tiny, sizeof(tiny)), -1);
}

static void test_names(void)
{
	struct barco_err err = {0};
	char name[13];

	CU_ASSERT_EQUAL(barco_parse_name("web-1_a.b", &err), 0);
	CU_ASSERT_EQUAL(barco_parse_name("../x", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_name(".hidden", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_name("a/b", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_name("", &err), -1);
	/* podman's ids: 64 hex digits; one more is too long. */
	CU_ASSERT_EQUAL(
		barco_parse_name("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				 &err),
		0);
	CU_ASSERT_EQUAL(
		barco_parse_name(
			"x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &err),
		-1);
	CU_ASSERT_EQUAL(barco_parse_hostname("box.local", &err), 0);
	CU_ASSERT_EQUAL(barco_parse_hostname("-box", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_hostname("a_b", &err), -1);
	CU_ASSERT_EQUAL_FATAL(barco_random_name(name, sizeof(name), &err), 0);
	CU_ASSERT_EQUAL(strlen(name), 12);
	CU_ASSERT_EQUAL(strspn(name, "0123456789abcdef"), 12);
	CU_ASSERT_EQUAL(barco_parse_name(name, &err), 0);
}

static void test_env(void)
{
	struct barco_err err = {0};

	CU_ASSERT_EQUAL(barco_parse_env("FOO=bar", &err), 0);
	CU_ASSERT_EQUAL(barco_parse_env("FOO=", &err), 0);
	CU_ASSERT_EQUAL(barco_parse_env("_X1=a=b", &err), 0);
	CU_ASSERT_EQUAL(barco_parse_env("=bar", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_env("FOO", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_env("1FOO=x", &err), -1);
	CU_ASSERT_EQUAL(barco_parse_env("FO-O=x", &err), -1);
}

void barco_test_register_parse(void)
{
	static const struct barco_test tests[] = {
		{"sizes accepted", test_size_valid},
		{"sizes refused, value named", test_size_invalid},
		{"bounded integers", test_uint},
		{"id maps", test_idmap},
		{"id map ranges", test_idmap_contains_and_overlap},
		{"id map file format", test_format_map},
		{"names and hostnames", test_names},
		{"environment entries", test_env},
	};

	barco_test_suite_add("parse", tests, ARRAY_LEN(tests));
}
