#include "base/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/parse.h"
#include "base/util.h"

extern char **environ;

const char barco_default_path_env[] =
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

void barco_config_init(struct barco_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workdir = "/";
	cfg->seccomp = BARCO_SECCOMP_DEFAULT;
}

int barco_config_copy_string(char *dst, size_t size, const char *src, const char *what,
			     struct barco_err *err)
{
	if (strlen(src) >= size)
		return barco_err_set(err, 0, "%s too long: '%.40s...' (at most %zu characters)",
				     what, src, size - 1);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int barco_config_add_env(struct barco_config *cfg, const char *kv, struct barco_err *err)
{
	size_t key_len = strcspn(kv, "=");

	if (barco_parse_env(kv, err) < 0)
		return -1;
	/* A later value for the same name replaces the earlier one. */
	for (size_t i = 0; i < cfg->env_len; i++)
		if (strncmp(cfg->env[i], kv, key_len + 1) == 0) {
			cfg->env[i] = kv;
			return 0;
		}
	if (cfg->env_len >= BARCO_ENV_MAX)
		return barco_err_set(err, 0, "too many environment variables: at most %d",
				     BARCO_ENV_MAX);
	cfg->env[cfg->env_len++] = kv;
	cfg->env[cfg->env_len] = NULL;
	return 0;
}

static const char *find_env(const char *const *env, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], key, len) == 0 && env[i][len] == '=')
			return env[i];
	return NULL;
}

/* PATH, HOME and TERM unless given: the original barco ran commands with an empty environment. */
static int fill_default_env(struct barco_config *cfg, struct barco_err *err)
{
	const char *host_term = find_env((const char *const *)environ, "TERM");
	const char *defaults[] = {
		barco_default_path_env,
		cfg->uid == 0 ? "HOME=/root" : "HOME=/",
		host_term ? host_term : "TERM=xterm",
		cfg->hostname_env,
	};

	(void)snprintf(cfg->hostname_env, sizeof(cfg->hostname_env), "HOSTNAME=%s", cfg->hostname);
	for (size_t i = 0; i < ARRAY_LEN(defaults); i++) {
		char key[16];

		(void)snprintf(key, sizeof(key), "%.*s", (int)strcspn(defaults[i], "="),
			       defaults[i]);
		if (!find_env(cfg->env, key) && barco_config_add_env(cfg, defaults[i], err) < 0)
			return -1;
	}
	return 0;
}

static void default_hostname(struct barco_config *cfg)
{
	size_t len;

	/*
	 * A name may hold '_', which hostnames may not, and may end with '.',
	 * '-' or '_', which a hostname may not (RFC 1123; barco_parse_hostname).
	 * It starts with a letter or digit, so something always remains.
	 */
	(void)snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", cfg->name);
	for (char *p = cfg->hostname; *p; p++)
		if (*p == '_')
			*p = '-';
	len = strlen(cfg->hostname);
	while (len > 1 && strchr("-.", cfg->hostname[len - 1]))
		cfg->hostname[--len] = '\0';
}

static int check_ids(struct barco_config *cfg, struct barco_err *err)
{
	static const struct barco_idmap default_map = {0, 100000, 65536};

	if (cfg->is_userns_host) {
		if (cfg->uidmap_len || cfg->gidmap_len)
			return barco_err_set(err, 0,
					     "--uidmap/--gidmap make no sense with --userns=host");
		return 0;
	}
	if (!cfg->uidmap_len)
		cfg->uidmap[cfg->uidmap_len++] = default_map;
	if (!cfg->gidmap_len)
		cfg->gidmap[cfg->gidmap_len++] = default_map;
	if (barco_idmap_validate(cfg->uidmap, cfg->uidmap_len, "--uidmap", err) < 0 ||
	    barco_idmap_validate(cfg->gidmap, cfg->gidmap_len, "--gidmap", err) < 0)
		return -1;
	if (!barco_idmap_contains(cfg->uidmap, cfg->uidmap_len, cfg->uid))
		return barco_err_set(
			err, 0,
			"uid %u is not mapped by --uidmap: pick a uid inside the map or widen it",
			cfg->uid);
	if (!barco_idmap_contains(cfg->gidmap, cfg->gidmap_len, cfg->gid))
		return barco_err_set(
			err, 0,
			"gid %u is not mapped by --gidmap: pick a gid inside the map or widen it",
			cfg->gid);
	if (!barco_idmap_contains(cfg->uidmap, cfg->uidmap_len, 0) ||
	    !barco_idmap_contains(cfg->gidmap, cfg->gidmap_len, 0))
		return barco_err_set(
			err, 0, "the id maps must map 0 (the container's root, which sets it up)");
	return 0;
}

static int check_rootfs(struct barco_config *cfg, struct barco_err *err)
{
	char resolved[PATH_MAX];
	struct stat st;

	if (!cfg->rootfs[0]) {
		cfg->is_default_rootfs = true;
		return 0;
	}
	if (!realpath(cfg->rootfs, resolved))
		return barco_err_errno(err, "rootfs '%s'", cfg->rootfs);
	if (stat(resolved, &st) < 0)
		return barco_err_errno(err, "rootfs '%s'", cfg->rootfs);
	if (!S_ISDIR(st.st_mode))
		return barco_err_set(err, ENOTDIR, "rootfs '%s'", cfg->rootfs);
	return barco_config_copy_string(cfg->rootfs, sizeof(cfg->rootfs), resolved, "rootfs", err);
}

int barco_config_finish(struct barco_config *cfg, struct barco_err *err)
{
	if (!cfg->argv || !cfg->argv[0] || !cfg->argv[0][0])
		return barco_err_set(err, 0, "the command is empty");
	if (!cfg->name[0] && barco_random_name(cfg->name, sizeof(cfg->name), err) < 0)
		return -1;
	if (!cfg->hostname[0])
		default_hostname(cfg);
	if (check_ids(cfg, err) < 0 || (!cfg->is_env_exact && fill_default_env(cfg, err) < 0))
		return -1;
	if (cfg->ports_len && cfg->net_mode != BARCO_NET_BRIDGE && cfg->net_mode != BARCO_NET_SLIRP)
		return barco_err_set(err, 0,
				     "-p publishes a port of --net=bridge or --net=slirp4netns: "
				     "add one of them");
	return check_rootfs(cfg, err);
}
