/* Parsers and the command line: sizes, id maps, names, env, option handling. */
#include <stdint.h>
#include <string.h>

#include "cli/cli.h"
#include "base/util.h"
#include "stages/exec.h"
#include "base/parse.h"
#include "suites.h"
#include "stages/userns.h"

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
	CU_ASSERT_EQUAL(
		barco_parse_name("x123456789012345678901234567890123456789012345678901234567890123",
				 &err),
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

static int parse(struct barco_config *cfg, int argc, char **argv, int *verbosity,
		 struct barco_err *err)
{
	barco_config_init(cfg);
	*verbosity = 0;
	return barco_cli_parse_run(argc, argv, cfg, verbosity, NULL, err);
}

static void test_cli_run_options(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *argv[] = {"run",	     "--name",	  "box",	  "--memory",	"32M",
			"--pids",    "20",	  "--cpu-weight", "200",	"--uid",
			"1000",	     "--env",	  "FOO=bar",	  "--cap-drop", "CHOWN",
			"--cap-add", "NET_ADMIN", "-v",		  "--seccomp",	"unconfined",
			"--",	     "sh",	  "-c",		  "echo hi",	NULL};
	int verbosity;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 24, argv, &verbosity, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "box");
	CU_ASSERT_EQUAL(cfg.memory_max_bytes, 32ull << 20);
	CU_ASSERT_EQUAL(cfg.pids_max, 20);
	CU_ASSERT_EQUAL(cfg.cpu_weight, 200);
	CU_ASSERT_EQUAL(cfg.uid, 1000);
	CU_ASSERT_EQUAL(cfg.caps_drop, 1ull << 0);
	CU_ASSERT_EQUAL(cfg.caps_add, 1ull << 12);
	CU_ASSERT_EQUAL(cfg.seccomp, BARCO_SECCOMP_UNCONFINED);
	CU_ASSERT_EQUAL(verbosity, 1);
	CU_ASSERT_STRING_EQUAL(cfg.argv[0], "sh");
	CU_ASSERT_STRING_EQUAL(cfg.argv[1], "-c");
	CU_ASSERT_STRING_EQUAL(cfg.argv[2], "echo hi");
	CU_ASSERT_PTR_NULL(cfg.argv[3]);
	CU_ASSERT_EQUAL(cfg.env_len, 1);
}

/* Without "--", options end at the command: "-c" belongs to sh. */
static void test_cli_command_keeps_its_flags(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *argv[] = {"run", "-q", "sh", "-c", "x", NULL};
	int verbosity;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 5, argv, &verbosity, &err), 0);
	CU_ASSERT_EQUAL(verbosity, -1);
	CU_ASSERT_STRING_EQUAL(cfg.argv[1], "-c");
}

static void test_cli_errors(void)
{
	static const struct {
		const char *opt;
		const char *value;
		const char *expect;
	} rows[] = {
		{"--memory", "12Q", "12Q"},
		{"--pids", "abc", "--pids"},
		{"--uidmap", "1:2", "1:2"},
		{"--name", "../x", "../x"},
		{"--cap-add", "NOPE", "NOPE"},
		{"--seccomp", "strict", "strict"},
		{"--cpu-weight", "0", "--cpu-weight"},
		{"--workdir", "tmp", "tmp"},
		{"--userns", "private", "private"},
		{"--env", "=x", "=x"},
		{"--bogus", "x", "--bogus"},
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		static struct barco_config cfg;
		struct barco_err err = {0};
		char *argv[] = {"run", (char *)rows[i].opt, (char *)rows[i].value, "--", "true",
				NULL};
		int verbosity;

		CU_ASSERT_EQUAL(parse(&cfg, 5, argv, &verbosity, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, rows[i].expect));
		CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
	}
}

static void test_cli_help_and_empty(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *help[] = {"run", "--help", NULL};
	char *empty[] = {"run", "--name", "x", "--", NULL};
	int verbosity;

	CU_ASSERT_EQUAL(parse(&cfg, 2, help, &verbosity, &err), BARCO_CLI_HELP);
	CU_ASSERT_EQUAL(parse(&cfg, 4, empty, &verbosity, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no command"));
}

static void test_cli_seed(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *argv[] = {"barco",     "-u", "0",	 "-m", "/srv/root", "-c",
			"/bin/echo", "-a", "hi", "-v", NULL};
	char *no_cmd[] = {"barco", "-u", "0", "-m", "/srv/root", NULL};
	int verbosity = 0;

	barco_config_init(&cfg);
	CU_ASSERT_EQUAL_FATAL(barco_cli_parse_seed(10, argv, &cfg, &verbosity, &err), 0);
	CU_ASSERT_EQUAL(cfg.uid, 0);
	CU_ASSERT_STRING_EQUAL(cfg.rootfs, "/srv/root");
	CU_ASSERT_STRING_EQUAL(cfg.argv[0], "/bin/echo");
	CU_ASSERT_STRING_EQUAL(cfg.argv[1], "hi");
	CU_ASSERT_PTR_NULL(cfg.argv[2]);
	CU_ASSERT_EQUAL(verbosity, 1);
	barco_config_init(&cfg);
	CU_ASSERT_EQUAL(barco_cli_parse_seed(5, no_cmd, &cfg, &verbosity, &err), -1);
}

/* Defaults fill in; ids outside the maps are refused before anything runs. */
static void test_config_finish(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *argv[] = {"run",	    "--name", "web_1", "--env", "HOME=/srv",
			"--rootfs", "/",      "--",    "true",	NULL};
	char *outside[] = {"run", "--uid", "70000", "--", "true", NULL};
	char *file_root[] = {"run", "--rootfs", "/etc/passwd", "--", "true", NULL};
	int verbosity;
	bool has_path = false, has_home = false;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 9, argv, &verbosity, &err), 0);
	CU_ASSERT_EQUAL_FATAL(barco_config_finish(&cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.hostname, "web-1");
	CU_ASSERT_EQUAL(cfg.uidmap_len, 1);
	CU_ASSERT_EQUAL(cfg.uidmap[0].outside, 100000);
	for (size_t i = 0; i < cfg.env_len; i++) {
		has_path |= strncmp(cfg.env[i], "PATH=/usr/local/sbin:", 21) == 0;
		has_home |= strcmp(cfg.env[i], "HOME=/srv") == 0;
	}
	CU_ASSERT_TRUE(has_path);
	CU_ASSERT_TRUE(has_home); /* the user's value wins over the default */
	CU_ASSERT_FALSE(cfg.is_default_rootfs);

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 5, outside, &verbosity, &err), 0);
	CU_ASSERT_EQUAL(barco_config_finish(&cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "uid 70000"));

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 5, file_root, &verbosity, &err), 0);
	CU_ASSERT_EQUAL(barco_config_finish(&cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/etc/passwd"));
}

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

void barco_test_register_parse(void)
{
	CU_pSuite s = barco_test_suite("parse");

	barco_test_add(s, "sizes accepted", test_size_valid);
	barco_test_add(s, "sizes refused, value named", test_size_invalid);
	barco_test_add(s, "bounded integers", test_uint);
	barco_test_add(s, "id maps", test_idmap);
	barco_test_add(s, "id map ranges", test_idmap_contains_and_overlap);
	barco_test_add(s, "id map file format", test_format_map);
	barco_test_add(s, "names and hostnames", test_names);
	barco_test_add(s, "environment entries", test_env);
	barco_test_add(s, "run options", test_cli_run_options);
	barco_test_add(s, "command keeps its flags", test_cli_command_keeps_its_flags);
	barco_test_add(s, "bad options, one line each", test_cli_errors);
	barco_test_add(s, "help and empty command", test_cli_help_and_empty);
	barco_test_add(s, "seed flags", test_cli_seed);
	barco_test_add(s, "defaults and cross-checks", test_config_finish);
	barco_test_add(s, "exit statuses", test_exit_status);
}
