/*
 * The whole command line: the fuzzer's bytes, split at NUL bytes, are the
 * arguments of `barco run`, `barco step` or the seed form (the first byte
 * picks which), parsed and then finished (defaults, cross-option checks)
 * exactly as the CLI does before anything is created on the host. What is
 * accepted must be a configuration the stages can use as it is.
 */
#include <stdbool.h>

#include "cli/cli.h"
#include "fuzz.h"
#include "base/parse.h"

#define FUZZ_ARGS_MAX 64

static void check_config(const struct barco_config *cfg, const char *input)
{
	struct barco_err err = {0};

	FUZZ_CHECK(cfg->argv && cfg->argv[0] && cfg->argv[0][0], input);
	FUZZ_CHECK(barco_parse_name(cfg->name, &err) == 0, input);
	FUZZ_CHECK(barco_parse_hostname(cfg->hostname, &err) == 0, input);
	FUZZ_CHECK(cfg->env_len <= BARCO_ENV_MAX && cfg->env[cfg->env_len] == NULL, input);
	for (size_t i = 0; i < cfg->env_len; i++)
		FUZZ_CHECK(barco_parse_env(cfg->env[i], &err) == 0, input);
	FUZZ_CHECK(cfg->workdir && cfg->workdir[0] == '/', input);
	if (cfg->is_userns_host) {
		FUZZ_CHECK(cfg->uidmap_len == 0 && cfg->gidmap_len == 0, input);
		return;
	}
	FUZZ_CHECK(cfg->uidmap_len >= 1 && cfg->uidmap_len <= BARCO_IDMAP_MAX, input);
	FUZZ_CHECK(cfg->gidmap_len >= 1 && cfg->gidmap_len <= BARCO_IDMAP_MAX, input);
	FUZZ_CHECK(barco_idmap_contains(cfg->uidmap, cfg->uidmap_len, cfg->uid), input);
	FUZZ_CHECK(barco_idmap_contains(cfg->gidmap, cfg->gidmap_len, cfg->gid), input);
	FUZZ_CHECK(barco_idmap_validate(cfg->uidmap, cfg->uidmap_len, "uid", &err) == 0, input);
	FUZZ_CHECK(barco_idmap_validate(cfg->gidmap, cfg->gidmap_len, "gid", &err) == 0, input);
}

static int parse(int mode, int argc, char **argv, struct barco_config *cfg, struct barco_err *err)
{
	struct barco_step_options step;
	int verbosity = 0;

	switch (mode) {
	case 0:
		return barco_cli_parse_run(argc, argv, cfg, &verbosity, NULL, err);
	case 1:
		return barco_cli_parse_run(argc, argv, cfg, &verbosity, &step, err);
	default:
		return barco_cli_parse_seed(argc, argv, cfg, &verbosity, err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const verbs[] = {"run", "step", "barco"};
	char *argv[FUZZ_ARGS_MAX + 2];
	struct barco_config cfg;
	struct barco_err err = {0};
	char *buf;
	size_t argc;
	int mode, r;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	argv[0] = (char *)verbs[mode];
	argc = 1 + fuzz_split(data + 1, size - 1, &buf, argv + 1, FUZZ_ARGS_MAX);
	argv[argc] = NULL;
	barco_config_init(&cfg);
	r = parse(mode, (int)argc, argv, &cfg, &err);
	if (r < 0)
		fuzz_check_err(&err, buf);
	else if (r == 0 && barco_config_finish(&cfg, &err) == 0)
		check_config(&cfg, buf);
	else if (r == 0)
		fuzz_check_err(&err, buf);
	free(buf);
	return 0;
}
