/*
 * The CLI: the program's edge. Only here are messages printed and exit
 * statuses chosen; everything below returns errors (err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "log.h"
#include "rootfs.h"
#include "runner.h"
#include "stage.h"
#include "state.h"

#ifndef BARCO_VERSION
#define BARCO_VERSION "0.0.0"
#endif

static const char main_usage[] =
	"Usage: barco COMMAND [ARGS]\n"
	"\n"
	"barco is a small Linux container runtime built to be understood.\n"
	"\n"
	"Commands:\n"
	"  run [OPTIONS] -- CMD [ARG...]   run CMD in a new container\n"
	"  rootfs create DIR               make a busybox root filesystem at DIR\n"
	"  help                            this help\n"
	"  version                         print the version\n"
	"\n"
	"The original barco's flags still work: barco -u UID -m DIR -c CMD [-a ARG] [-v]\n"
	"See 'barco run --help' for the options of a container.\n";

/* One line on stderr: what is wrong, with which value, and what to do. */
static int fail(const struct barco_err *err, int status)
{
	char buf[BARCO_ERR_MSG_MAX + 128];

	fprintf(stderr, "barco: %s\n", barco_err_str(err, buf, sizeof(buf)));
	return status;
}

static void log_stage(const struct barco_container *c, enum barco_stage stage,
		      const struct barco_report *rep, uint64_t duration_ns, void *data)
{
	const char *name = barco_stage_get(stage)->name;
	const char *line = rep->text;

	if (barco_log_get_level() < BARCO_LOG_INFO)
		return;
	while (*line) {
		size_t len = strcspn(line, "\n");

		log_info("%s: %.*s", name, (int)len, line);
		line += len + (line[len] == '\n');
	}
	log_info("%s: done in %.3f ms", name, (double)duration_ns / 1e6);
}

/* The default rootfs belongs to whoever root inside maps to, so container root owns it. */
static int ensure_rootfs(struct barco_config *cfg, struct barco_err *err)
{
	uid_t uid = cfg->is_userns_host ? 0 : cfg->uidmap[0].outside;
	gid_t gid = cfg->is_userns_host ? 0 : cfg->gidmap[0].outside;

	for (size_t i = 0; !cfg->is_userns_host && i < cfg->uidmap_len; i++)
		if (cfg->uidmap[i].inside == 0)
			uid = cfg->uidmap[i].outside;
	for (size_t i = 0; !cfg->is_userns_host && i < cfg->gidmap_len; i++)
		if (cfg->gidmap[i].inside == 0)
			gid = cfg->gidmap[i].outside;
	if (!cfg->is_default_rootfs)
		return 0;
	if (barco_rootfs_ensure_default(cfg->rootfs, sizeof(cfg->rootfs), uid, gid, err) < 0)
		return barco_err_wrap(err, "default rootfs");
	return 0;
}

static int run_container(const struct barco_config *cfg)
{
	struct barco_container c;
	struct barco_err err = {0};
	int status;

	if (barco_container_open(&c, cfg, &err) < 0)
		return fail(&err, BARCO_EXIT_BARCO);
	if (barco_runner_advance(&c, BARCO_STAGE_EXEC, log_stage, NULL, &err) < 0) {
		status = c.exit_status;
		barco_container_close(&c);
		return fail(&err, status);
	}
	if (barco_state_write(c.state_dir_fd, cfg->name, c.pid, getpid(), "exec", cfg->rootfs,
			      &err) < 0)
		log_warn("%s", err.msg);
	if (barco_runner_wait(&c, &status, &err) < 0) {
		barco_container_close(&c);
		return fail(&err, BARCO_EXIT_BARCO);
	}
	barco_container_close(&c);
	log_info("container %s exited with status %d", cfg->name, status);
	return status;
}

static int start(struct barco_config *cfg, int parsed, int verbosity, struct barco_err *err)
{
	if (parsed == BARCO_CLI_HELP) {
		fputs(barco_run_usage, stdout);
		return 0;
	}
	if (parsed < 0)
		return fail(err, BARCO_EXIT_BARCO);
	barco_log_set_level(verbosity < 0 ? BARCO_LOG_QUIET
					  : verbosity > 1 ? BARCO_LOG_DEBUG
							  : (enum barco_log_level)verbosity);
	if (barco_config_finish(cfg, err) < 0)
		return fail(err, BARCO_EXIT_BARCO);
	if (geteuid() != 0) {
		barco_err_set(err, EPERM,
			      "barco run needs root on the host (it writes id maps and cgroups; "
			      "rootless containers are not supported yet)");
		return fail(err, BARCO_EXIT_BARCO);
	}
	if (ensure_rootfs(cfg, err) < 0)
		return fail(err, BARCO_EXIT_BARCO);
	return run_container(cfg);
}

static int cmd_run(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed;

	barco_config_init(&cfg);
	parsed = barco_cli_parse_run(argc, argv, &cfg, &verbosity, &err);
	return start(&cfg, parsed, verbosity, &err);
}

static int cmd_seed(int argc, char **argv)
{
	static struct barco_config cfg;
	struct barco_err err = {0};
	int verbosity = 0;
	int parsed;

	barco_config_init(&cfg);
	parsed = barco_cli_parse_seed(argc, argv, &cfg, &verbosity, &err);
	return start(&cfg, parsed, verbosity, &err);
}

static int cmd_rootfs(int argc, char **argv)
{
	struct barco_err err = {0};

	if (argc != 3 || strcmp(argv[1], "create") != 0) {
		barco_err_set(&err, 0, "usage: barco rootfs create DIR");
		return fail(&err, BARCO_EXIT_BARCO);
	}
	/* Owned by the default map's root, 100000: container root owns its files. */
	if (barco_rootfs_create(argv[2], 100000, 100000, &err) < 0)
		return fail(&err, BARCO_EXIT_BARCO);
	printf("%s\n", argv[2]);
	return 0;
}

int main(int argc, char **argv)
{
	struct barco_err err = {0};
	const char *cmd = argc > 1 ? argv[1] : "help";

	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "rootfs") == 0)
		return cmd_rootfs(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(main_usage, stdout);
		return argc > 1 ? 0 : BARCO_EXIT_BARCO;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("barco %s\n", BARCO_VERSION);
		return 0;
	}
	if (cmd[0] == '-')
		return cmd_seed(argc, argv);
	barco_err_set(&err, 0, "unknown command '%s' (see 'barco help')", cmd);
	return fail(&err, BARCO_EXIT_BARCO);
}
