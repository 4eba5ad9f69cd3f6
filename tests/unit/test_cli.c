/* The command line: options into a config, and the config finished. */
#include <string.h>

#include "base/config.h"
#include "base/util.h"
#include "cli/cli.h"
#include "suites.h"

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

/* --init is off by default; with --pids 1 there is no room for the command. */
static void test_cli_init(void)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	char *plain[] = {"run", "true", NULL};
	char *init[] = {"run", "--init", "--pids", "2", "true", NULL};
	char *one[] = {"run", "--pids", "1", "--init", "true", NULL};
	int verbosity;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 2, plain, &verbosity, &err), 0);
	CU_ASSERT_FALSE(cfg.is_init);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, 5, init, &verbosity, &err), 0);
	CU_ASSERT_TRUE(cfg.is_init);
	CU_ASSERT_EQUAL(parse(&cfg, 5, one, &verbosity, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--pids is 1"));
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

void barco_test_register_cli(void)
{
	static const struct barco_test tests[] = {
		{"run options", test_cli_run_options},
		{"command keeps its flags", test_cli_command_keeps_its_flags},
		{"bad options, one line each", test_cli_errors},
		{"--init, and its one bad combination", test_cli_init},
		{"help and empty command", test_cli_help_and_empty},
		{"seed flags", test_cli_seed},
		{"defaults and cross-checks", test_config_finish},
	};

	barco_test_suite_add("cli", tests, ARRAY_LEN(tests));
}
