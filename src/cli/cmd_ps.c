/* barco ps: the containers under /run/barco, with their stage and age. */
#include "cli/cmd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/exit_status.h"
#include "base/json.h"
#include "runtime/oci_lifecycle.h"
#include "runtime/state.h"

static const char ps_usage[] =
	"Usage: barco ps [--json]\n"
	"       barco ps [--format json] ID\n"
	"\n"
	"Lists the containers: name, pid, stage, age and root filesystem; 'dead' when\n"
	"the process that held one is gone. With ID, the OCI form engines call (runc\n"
	"ps): the host pids of the container ID as a JSON array.\n"
	"\n"
	"  --json             one JSON array of objects instead of a table\n"
	"  -f, --format json  the OCI form's format: only json (runc's table is not\n"
	"                     implemented and is refused)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0; 125 on error (the OCI form: 1).\n";

static void format_age(long long seconds, char *buf, size_t size)
{
	if (seconds < 120)
		(void)snprintf(buf, size, "%llds", seconds);
	else if (seconds < 7200)
		(void)snprintf(buf, size, "%lldm", seconds / 60);
	else
		(void)snprintf(buf, size, "%lldh", seconds / 3600);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The container names under /run/barco, sorted; *ret_names is freed by the caller. */
static size_t list_names(char ***ret_names)
{
	struct barco_err err;
	cleanup_closedir DIR *dir =
		barco_state_check_run_dir(&err) == 0 ? opendir(BARCO_RUN_DIR) : NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	*ret_names = NULL;
	while (dir && (de = readdir(dir))) {
		char **grown;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	*ret_names = names;
	return n;
}

static void print_one(const char *name, bool is_json, bool *is_first)
{
	struct barco_state st = {0};
	struct barco_err err = {0};
	bool is_live = barco_state_is_live(name);
	char age[32] = "?";
	char rootfs[8192];
	const char *stage;

	if (barco_state_read(name, &st, &err) < 0)
		(void)snprintf(st.stage, sizeof(st.stage), "unknown");
	else
		format_age((long long)time(NULL) - st.created, age, sizeof(age));
	stage = is_live ? st.stage : "dead";
	if (is_json) {
		printf("%s\n  {\"name\":\"%s\",\"pid\":%d,\"stage\":\"%s\",\"live\":%s,"
		       "\"created\":%lld,\"rootfs\":\"%s\"}",
		       *is_first ? "" : ",", name, (int)st.pid, stage, is_live ? "true" : "false",
		       st.created, barco_json_escape(st.rootfs, rootfs, sizeof(rootfs)));
		*is_first = false;
		return;
	}
	printf("%-16s %-8d %-10s %-6s %s\n", name, (int)st.pid, stage, age, st.rootfs);
}

int barco_cmd_ps(int argc, char **argv)
{
	bool is_json = argc > 1 && strcmp(argv[1], "--json") == 0;
	bool is_first = true;
	struct barco_err err = {0};
	char **names;
	size_t n;

	if (argc > 2 || (argc == 2 && !is_json)) {
		barco_err_set(&err, 0, "usage: barco ps [--json]");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	n = list_names(&names);
	if (is_json)
		fputs("[", stdout);
	else
		printf("%-16s %-8s %-10s %-6s %s\n", "NAME", "PID", "STAGE", "AGE", "ROOTFS");
	for (size_t i = 0; i < n; i++) {
		print_one(names[i], is_json, &is_first);
		free(names[i]);
	}
	free(names);
	if (is_json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	return 0;
}

/* ps [--format json|table] ID, as containerd's shim calls it: the container's host pids. */
int barco_cmd_ps_any(int argc, char **argv, const struct barco_oci_globals *g)
{
	struct barco_err err = {0};
	const char *id = argc > 1 ? argv[argc - 1] : NULL;

	bool is_format =
		argc == 4 && (strcmp(argv[1], "--format") == 0 || strcmp(argv[1], "-f") == 0);

	if (barco_cmd_is_help(argc, argv, ps_usage))
		return 0;
	if (is_format && strcmp(argv[2], "json") != 0) {
		barco_err_set(&err, 0,
			      "ps --format '%s': only json is supported (see 'barco ps --help')",
			      argv[2]);
		return barco_cmd_oci_fail(g, &err);
	}
	/* barco's own `ps [--json]`, its usage error included, unless it is the OCI form. */
	if (!(argc == 2 && id[0] != '-') && !is_format)
		return barco_cmd_ps(argc, argv);
	if (barco_oci_ps(stdout, id, &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	return 0;
}
