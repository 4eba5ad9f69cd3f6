/* barco delete NAME: stops a container, whoever runs it, and removes what it left. */
#include "cli/cmd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/exit_status.h"
#include "base/parse.h"
#include "base/sock.h"
#include "runtime/monitor.h"
#include "runtime/oci_lifecycle.h"
#include "runtime/state.h"
#include "stages/cgroup.h"
#include "stages/net_bridge.h"

static const char delete_usage[] =
	"Usage: barco delete NAME\n"
	"       barco delete [--force] ID\n"
	"\n"
	"Stops the container NAME at whatever stage it is, removes its cgroups, mounts\n"
	"and state, and prints NAME. The second form is the one engines call (runc\n"
	"delete), also taken for a container 'barco create' made: it removes a\n"
	"created or stopped container and prints nothing.\n"
	"\n"
	"  -f, --force  kill a running container first; no error when ID does not exist\n"
	"  -h, --help   this help\n"
	"\n"
	"Exit status: 0; 125 on error (the OCI form: 1).\n";

/* A container with a monitor: ask it; -1 with err when none answers. */
static int delete_via_monitor(const char *name, struct barco_err *err)
{
	cleanup_close int fd = barco_monitor_connect(name, err);
	struct barco_ctl_msg msg;

	if (fd < 0)
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
 * A stopped container that reclaim left alone because its bridge network
 * is in another network namespace: -1 saying where to run delete; else 0.
 */
static int stale_elsewhere(const char *name, struct barco_err *err)
{
	unsigned long long netns;

	if (!barco_net_bridge_lease_elsewhere(name, BARCO_NET_LEASES, &netns))
		return 0;
	return barco_err_set(err, EXDEV,
			     "'%s' has stopped, but its --net=bridge network is in network "
			     "namespace net:[%llu], not this one: run barco delete there "
			     "(nsenter --net=PATH barco delete %s)",
			     name, netns, name);
}

/*
 * One attempt: 1 done (removed, or asked its owner to stop), 0 try again
 * (someone, e.g. another barco's stale-state reclaim, holds it for a
 * moment), -1 with err set.
 */
static int delete_once(const char *name, const struct barco_cgroup_layout *layout, bool is_first,
		       struct barco_err *err)
{
	int r = barco_state_reclaim(name, layout, false);

	if (r < 0 && is_first)
		return barco_err_set(err, 0, "no container named '%s' (see 'barco ps')", name);
	if (r != 0)
		return 1; /* stale and now removed, or gone meanwhile */
	if (delete_via_monitor(name, err) == 0)
		return 1;
	if (!barco_state_is_live(name))
		return stale_elsewhere(name, err);
	if (delete_run_container(name, err) == 0)
		return 1;
	/* A state file being replaced or removed is worth another look; garbage is not. */
	return err->errnum == ENOENT ? 0 : -1;
}

/* A container `barco create` made: its state directory holds oci.json. */
static bool is_oci_container(const char *name)
{
	char path[4096];

	(void)snprintf(path, sizeof(path), "%s/%s/oci.json", BARCO_RUN_DIR, name);
	return barco_parse_name(name, &(struct barco_err){0}) == 0 && access(path, F_OK) == 0;
}

/*
 * delete [--force] ID, as engines call it: quiet, status 1 on error, a
 * created container deleted without --force (containerd relies on it),
 * and --force of an id that does not exist is no error (as runc).
 */
static int delete_oci(const char *name, bool is_force, const struct barco_oci_globals *g)
{
	struct barco_err err = {0};

	char path[4096];

	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, name);
	if (is_force && barco_parse_name(name, &err) == 0 && access(path, F_OK) < 0 &&
	    errno == ENOENT)
		return 0;
	if (barco_oci_delete(name, is_force, &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	barco_oci_root_unlink(g->root, name);
	return 0;
}

int barco_cmd_delete_any(int argc, char **argv, const struct barco_oci_globals *g)
{
	bool is_force =
		argc == 3 && (strcmp(argv[1], "--force") == 0 || strcmp(argv[1], "-f") == 0);

	if (barco_cmd_is_help(argc, argv, delete_usage))
		return 0;
	if (is_force)
		return delete_oci(argv[2], true, g);
	/* An engine (it gives global options) or a container `barco create` made. */
	if (argc == 2 && (g->is_given || is_oci_container(argv[1])))
		return delete_oci(argv[1], false, g);
	return barco_cmd_delete(argc, argv);
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
			(void)barco_state_reclaim(name, &layout, false);
			printf("%s\n", name);
			return 0;
		}
		(void)poll(NULL, 0, 10);
	}
	barco_err_set(&err, EBUSY, "'%s' is held and does not answer: try again", name);
	return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
}
