/* barco stages, barco ps, barco delete. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "cli/cmd.h"
#include "runtime/stage.h"
#include "stages/exec.h"
#include "runtime/monitor.h"
#include "base/parse.h"
#include "base/sock.h"
#include "runtime/state.h"

int barco_cmd_stages(int argc, char **argv)
{
	for (int i = 0; i < BARCO_STAGE_COUNT; i++) {
		const struct barco_stage_def *def = barco_stage_get((enum barco_stage)i);

		printf("%d  %-10s  %s\n", i + 1, def->name, def->summary);
	}
	return 0;
}

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
	cleanup_closedir DIR *dir = opendir(BARCO_RUN_DIR);
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

/* A container with a monitor: ask it. */
static int delete_via_monitor(const char *name, struct barco_err *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct barco_ctl_msg msg;

	barco_monitor_socket_path(name, addr.sun_path, sizeof(addr.sun_path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -1;
	memset(&msg, 0, offsetof(struct barco_ctl_msg, report));
	msg.type = BARCO_CTL_DELETE;
	barco_report_clear(&msg.report);
	if (barco_sock_send(fd, &msg, offsetof(struct barco_ctl_msg, report.text) + 1, NULL, 0,
			    err) < 0)
		return -1;
	/* The reply (or end of file) comes once everything is removed. */
	(void)barco_sock_recv(fd, &msg, sizeof(msg), NULL, NULL, 0);
	return 0;
}

/* A `barco run` container: kill its process; its runner cleans up and exits. */
static int delete_run_container(const char *name, struct barco_err *err)
{
	struct barco_state st;

	if (barco_state_read(name, &st, err) < 0)
		return -1;
	if (st.pid > 0)
		(void)kill(st.pid, SIGKILL);
	for (int i = 0; i < 500 && barco_state_is_live(name); i++)
		(void)poll(NULL, 0, 10);
	if (barco_state_is_live(name))
		return barco_err_set(err, ETIMEDOUT, "'%s' is still running after SIGKILL", name);
	return 0;
}

/*
 * One attempt: 1 done (removed, or asked its owner to stop), 0 try again
 * (someone, e.g. another barco's stale-state reclaim, holds it for a
 * moment), -1 with err set.
 */
static int delete_once(const char *name, const struct barco_cgroup_layout *layout, bool is_first,
		       struct barco_err *err)
{
	int r = barco_state_reclaim(name, layout);

	if (r < 0 && is_first)
		return barco_err_set(err, 0, "no container named '%s' (see 'barco ps')", name);
	if (r != 0)
		return 1; /* stale and now removed, or gone meanwhile */
	if (delete_via_monitor(name, err) == 0)
		return 1;
	if (!barco_state_is_live(name))
		return 0;
	if (delete_run_container(name, err) == 0)
		return 1;
	/* A state file being replaced or removed is worth another look; garbage is not. */
	return err->errnum == ENOENT ? 0 : -1;
}

int barco_cmd_delete(int argc, char **argv)
{
	struct barco_cgroup_layout layout;
	struct barco_err err = {0};
	const char *name = argc == 2 ? argv[1] : NULL;

	if (!name) {
		barco_err_set(&err, 0, "usage: barco delete NAME");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	if (barco_parse_name(name, &err) < 0 || barco_cgroup_layout_detect(&layout, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	for (int attempt = 0; attempt < 100; attempt++) {
		int r = delete_once(name, &layout, attempt == 0, &err);

		if (r < 0)
			return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		if (r > 0) {
			/* Whatever the owner left (it may have died meanwhile) goes too. */
			(void)barco_state_reclaim(name, &layout);
			printf("%s\n", name);
			return 0;
		}
		(void)poll(NULL, 0, 10);
	}
	barco_err_set(&err, EBUSY, "'%s' is held and does not answer: try again", name);
	return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
}
