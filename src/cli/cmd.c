/* What the verbs share: the error line, and the steps between parsing and running. */
#include "cli/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "runtime/exe_guard.h"
#include "runtime/lesson_skip.h"
#include "runtime/oci_config.h"
#include "runtime/rootfs.h"
#include "stages/net_slirp.h"
#include "stages/rootless.h"
#include "base/exit_status.h"

#ifndef BARCO_VERSION
#define BARCO_VERSION "0.0.0"
#endif

int barco_cmd_fail(const struct barco_err *err, int status)
{
	char buf[BARCO_ERR_MSG_MAX + 128];

	fprintf(stderr, "barco: %s\n", barco_err_str(err, buf, sizeof(buf)));
	return status;
}

/*
 * The default rootfs belongs to whoever root inside maps to, so container
 * root owns it; an ordinary user can give files only to themselves
 * (chown(2)), so theirs is their own.
 */
static int ensure_rootfs(struct barco_config *cfg, struct barco_err *err)
{
	bool is_mapped = !barco_rootless_is() && !cfg->is_userns_host;
	uid_t uid = barco_rootless_is() ? geteuid() : 0;
	gid_t gid = barco_rootless_is() ? getegid() : 0;

	if (!cfg->is_default_rootfs)
		return 0;
	for (size_t i = 0; is_mapped && i < cfg->uidmap_len; i++)
		if (cfg->uidmap[i].inside == 0)
			uid = cfg->uidmap[i].outside;
	for (size_t i = 0; is_mapped && i < cfg->gidmap_len; i++)
		if (cfg->gidmap[i].inside == 0)
			gid = cfg->gidmap[i].outside;
	if (barco_rootfs_ensure_default(cfg->rootfs, sizeof(cfg->rootfs), uid, gid, err) < 0)
		return barco_err_wrap(err, "default rootfs");
	return 0;
}

/*
 * An ordinary user: no --userns=host (their processes cannot be the host's
 * root), and the id maps they are allowed (stages/rootless.h).
 */
static int rootless_prepare(struct barco_config *cfg, struct barco_err *err)
{
	bool is_subid = false;

	if (cfg->is_userns_host)
		return barco_err_set(err, 0,
				     "--userns=host needs root on the host: without a user "
				     "namespace an ordinary user's container has no privileges");
	if (cfg->net_mode == BARCO_NET_BRIDGE)
		return barco_err_set(
			err, 0,
			"--net=bridge needs root on the host (a bridge, veth pairs and "
			"NAT rules are the host's): use --net=slirp4netns, a network "
			"stack of the user's own (apt-get install slirp4netns)");
	if (barco_rootless_default_maps(cfg, &is_subid, err) < 0)
		return -1;
	log_info("rootless (uid %u): %s", (unsigned)geteuid(),
		 is_subid ? "id maps from /etc/subuid and /etc/subgid"
			  : "single-id map (no range for this user in /etc/subuid and "
			    "/etc/subgid): root inside is this user");
	return 0;
}

static enum barco_log_level level_for(int verbosity)
{
	if (verbosity < 0)
		return BARCO_LOG_QUIET;
	return verbosity > 1 ? BARCO_LOG_DEBUG : (enum barco_log_level)verbosity;
}

void barco_cmd_set_verbosity(int verbosity)
{
	barco_log_set_level(level_for(verbosity));
}

/*
 * The bundle's config.json, read into cfg. The spec holds the strings cfg
 * points to, so it lives as long as the process, as cfg does.
 */
static int load_bundle(struct barco_config *cfg, struct barco_err *err)
{
	static struct barco_oci_spec *spec;

	return barco_oci_config_load(cfg, &spec, err);
}

bool barco_cmd_prepare(struct barco_config *cfg, int parsed, const struct barco_err *parse_err,
		       int verbosity, const char *usage, int *ret_status)
{
	struct barco_err err = {0};

	*ret_status = BARCO_EXIT_BARCO;
	if (parsed == BARCO_CLI_HELP || parsed == BARCO_CLI_VERSION) {
		if (parsed == BARCO_CLI_HELP)
			fputs(usage, stdout);
		else
			printf("barco %s\n", BARCO_VERSION);
		*ret_status = 0;
		return false;
	}
	if (parsed < 0) {
		(void)barco_cmd_fail(parse_err, BARCO_EXIT_BARCO);
		return false;
	}
	barco_cmd_set_verbosity(verbosity);
	if (cfg->bundle && load_bundle(cfg, &err) < 0) {
		(void)barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		return false;
	}
	if ((barco_rootless_is() && rootless_prepare(cfg, &err) < 0) ||
	    barco_config_finish(cfg, &err) < 0 ||
	    (cfg->net_mode == BARCO_NET_SLIRP && barco_net_slirp_check(&err) < 0) ||
	    ensure_rootfs(cfg, &err) < 0 ||
	    (barco_exe_guard_is_needed(cfg) && barco_exe_guard(&err) < 0)) {
		(void)barco_cmd_fail(&err, BARCO_EXIT_BARCO);
		return false;
	}
	barco_oci_config_warn(cfg);
	return true;
}

void barco_cmd_warn_lesson_skip(int skip)
{
	const struct barco_lesson_skip_def *def = barco_lesson_skip_get(skip);

	/* Even under -q: a container without one of its protections is never quiet. */
	if (def)
		fprintf(stderr, "barco: WARNING: --lesson-skip=%s: %s. UNSAFE: for lessons only.\n",
			def->name, def->left_out);
}
