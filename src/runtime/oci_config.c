#include "runtime/oci_config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/parse.h"
#include "base/util.h"
#include "runtime/oci_seccomp.h"
#include "stages/cgroup.h"
#include "stages/mount.h"
#include "stages/rootless.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The user namespace is the userns stage's clone, not an unshare: no flag here. */
static const unsigned long ns_clone_flags[BARCO_OCI_NS_COUNT] = {
	[BARCO_OCI_NS_PID] = CLONE_NEWPID,	 [BARCO_OCI_NS_NETWORK] = CLONE_NEWNET,
	[BARCO_OCI_NS_MOUNT] = CLONE_NEWNS,	 [BARCO_OCI_NS_IPC] = CLONE_NEWIPC,
	[BARCO_OCI_NS_UTS] = CLONE_NEWUTS,	 [BARCO_OCI_NS_USER] = 0,
	[BARCO_OCI_NS_CGROUP] = CLONE_NEWCGROUP, [BARCO_OCI_NS_TIME] = CLONE_NEWTIME,
};

/* No key in config.json means none: an empty list, not barco's defaults. */
static const char *const no_paths[1] = {NULL};

/*
 * What a pod shares (a sandbox's network, IPC and UTS, as Kubernetes and
 * podman pods ask): barco joins these by path. It makes its own mount
 * namespace (the mounts stage builds the root there), pid namespace (its
 * pid 1) and user namespace (the userns stage's clone).
 */
static const bool ns_is_joinable[BARCO_OCI_NS_COUNT] = {
	[BARCO_OCI_NS_NETWORK] = true,
	[BARCO_OCI_NS_IPC] = true,
	[BARCO_OCI_NS_UTS] = true,
	[BARCO_OCI_NS_CGROUP] = true,
};

static int join_namespace(const struct barco_oci_spec *spec, int ns, struct barco_config *cfg,
			  struct barco_err *err)
{
	const char *path = spec->ns[ns].path;

	if (!ns_is_joinable[ns])
		return barco_err_set(
			err, 0,
			"linux.namespaces: joining the %s namespace at %s (path) is not "
			"supported: barco makes its own; remove the path",
			barco_oci_ns_name(ns), path);
	/*
	 * setns(2) needs CAP_SYS_ADMIN in the user namespace that owns the
	 * joined one; a process in a new user namespace has it only there.
	 */
	if (spec->ns[BARCO_OCI_NS_USER].is_listed)
		return barco_err_set(
			err, 0,
			"linux.namespaces: joining the %s namespace at %s together with a "
			"new user namespace is not supported: remove one of the two",
			barco_oci_ns_name(ns), path);
	cfg->ns_join[cfg->ns_join_len++] = (struct barco_ns_join){(int)ns_clone_flags[ns], path};
	return 0;
}

static int map_namespaces(const struct barco_oci_spec *spec, struct barco_config *cfg,
			  struct barco_err *err)
{
	for (int ns = 0; ns < BARCO_OCI_NS_COUNT; ns++) {
		if (spec->ns[ns].path && join_namespace(spec, ns, cfg, err) < 0)
			return -1;
		if (spec->ns[ns].is_listed && !spec->ns[ns].path)
			cfg->ns_flags |= ns_clone_flags[ns];
	}
	if (!spec->ns[BARCO_OCI_NS_MOUNT].is_listed)
		return barco_err_set(err, 0,
				     "linux.namespaces: barco needs a mount namespace (its mounts "
				     "stage builds the root there)");
	if (!spec->ns[BARCO_OCI_NS_PID].is_listed)
		return barco_err_set(err, 0,
				     "linux.namespaces: barco needs a pid namespace (its "
				     "namespaces stage forks pid 1 there)");
	cfg->is_userns_host = !spec->ns[BARCO_OCI_NS_USER].is_listed;
	if (cfg->is_userns_host && barco_rootless_is())
		return barco_err_set(
			err, 0,
			"linux.namespaces: no user namespace, and uid %u is not root: an "
			"ordinary user's container needs one (\"user\" with "
			"uidMappings and gidMappings, as 'barco spec --rootless' writes)",
			(unsigned)geteuid());
	memcpy(cfg->uidmap, spec->uidmap, sizeof(cfg->uidmap));
	cfg->uidmap_len = spec->uidmap_len;
	memcpy(cfg->gidmap, spec->gidmap, sizeof(cfg->gidmap));
	cfg->gidmap_len = spec->gidmap_len;
	return 0;
}

/*
 * barco's caps stage gives the process its whole bounding set as effective
 * and permitted, nothing inheritable or ambient. For uid 0 that is what
 * execve(2) gives root anyway (capabilities(7): root's new permitted set is
 * the bounding set), so inheritable and ambient sets inside the bounding
 * set change nothing there; for another uid they would.
 */
static int map_caps(const struct barco_oci_spec *spec, struct barco_config *cfg,
		    struct barco_err *err)
{
	static const char *const names[] = {"bounding", "effective", "inheritable", "permitted",
					    "ambient"};
	uint64_t bounding = spec->caps[BARCO_OCI_CAPS_BOUNDING];

	for (int set = BARCO_OCI_CAPS_EFFECTIVE; set < BARCO_OCI_CAPS_COUNT; set++) {
		bool is_empty_set =
			set == BARCO_OCI_CAPS_INHERITABLE || set == BARCO_OCI_CAPS_AMBIENT;
		uint64_t want = is_empty_set ? 0 : bounding;

		if (is_empty_set && spec->uid == 0 && !(spec->caps[set] & ~bounding))
			continue;
		if (spec->caps[set] != want)
			return barco_err_set(err, 0,
					     "process.capabilities.%s: barco applies %s yet (a "
					     "set other than that is not supported)",
					     names[set],
					     is_empty_set ? "an empty set" : "the bounding set");
	}
	cfg->has_caps_exact = true;
	cfg->caps_exact = bounding;
	return 0;
}

_Static_assert(BARCO_OCI_GROUPS_MAX <= BARCO_GROUPS_MAX, "additionalGids do not fit the config");

/* With a user namespace, setgroups(2) takes only groups its gid_map maps (EINVAL otherwise). */
static int map_groups(const struct barco_oci_spec *spec, struct barco_config *cfg,
		      struct barco_err *err)
{
	bool has_userns = spec->ns[BARCO_OCI_NS_USER].is_listed;

	for (size_t i = 0; i < spec->additional_gids_len; i++) {
		gid_t g = spec->additional_gids[i];

		if (has_userns && !barco_idmap_contains(spec->gidmap, spec->gidmap_len, g))
			return barco_err_set(err, 0,
					     "process.user.additionalGids[%zu]: gid %u is not in "
					     "linux.gidMappings",
					     i, (unsigned)g);
		cfg->groups[i] = g;
	}
	cfg->groups_len = spec->additional_gids_len;
	return 0;
}

static int map_process(const struct barco_oci_spec *spec, struct barco_config *cfg,
		       struct barco_err *err)
{
	/* runc's two refusals: nobody would hold the master, or nobody would send it. */
	if (spec->is_terminal && cfg->is_oci_create && !cfg->console_socket)
		return barco_err_set(err, 0,
				     "process.terminal: true needs --console-socket (create "
				     "exits, so barco cannot hold the terminal)");
	if (!spec->is_terminal && cfg->console_socket)
		return barco_err_set(err, 0,
				     "--console-socket: process.terminal is false, so there is no "
				     "console to send");
	cfg->is_terminal = spec->is_terminal;
	if (spec->env_len > BARCO_ENV_MAX)
		return barco_err_set(err, 0, "process.env: %zu entries, barco takes at most %d",
				     spec->env_len, BARCO_ENV_MAX);
	for (size_t i = 0; i < spec->env_len; i++)
		cfg->env[i] = spec->env[i];
	cfg->env_len = spec->env_len;
	cfg->env[cfg->env_len] = NULL;
	cfg->is_env_exact = true;
	cfg->argv = spec->args;
	cfg->workdir = spec->cwd;
	cfg->uid = spec->uid;
	/* runc's umask when none is given, rather than whatever barco was started with. */
	cfg->has_umask = true;
	cfg->umask = spec->has_umask ? spec->umask : 022;
	cfg->gid = spec->gid;
	for (size_t i = 0; i < spec->rlimits_len; i++)
		cfg->rlimits[i] = (struct barco_rlimit){
			spec->rlimits[i].resource, spec->rlimits[i].soft, spec->rlimits[i].hard};
	cfg->rlimits_len = spec->rlimits_len;
	if (map_groups(spec, cfg, err) < 0)
		return -1;
	return map_caps(spec, cfg, err);
}

int barco_oci_config_apply_process(const struct barco_oci_spec *spec, struct barco_config *cfg,
				   struct barco_err *err)
{
	return map_process(spec, cfg, err);
}

/* The mounts stage reads rows: one per mount, binds typed "bind" (mount(2) ignores the type). */
static int map_mounts(struct barco_oci_spec *spec, struct barco_config *cfg, struct barco_err *err)
{
	spec->mount_rows = calloc(spec->mounts_len + 1, sizeof(*spec->mount_rows));
	if (!spec->mount_rows)
		return barco_err_errno(err, "mounts");
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct barco_oci_mount *m = &spec->mounts[i];
		bool is_bind = m->flags & MS_BIND;
		const char *type = m->type[0] ? m->type : "bind";

		if (m->propagation & (MS_SHARED | MS_SLAVE | MS_UNBINDABLE))
			return barco_err_set(err, 0,
					     "mounts[%zu].options: propagation other than "
					     "(r)private is not supported yet",
					     i);
		spec->mount_rows[i] = (struct barco_mount_def){
			.source = m->source[0] ? m->source : type,
			.target = m->destination,
			.fstype = is_bind ? "bind" : type,
			.flags = m->flags,
			.data = m->data[0] ? m->data : NULL,
			.is_copy_up = m->is_copy_up && strcmp(type, "tmpfs") == 0,
		};
	}
	cfg->mounts = spec->mount_rows;
	cfg->mounts_len = spec->mounts_len;
	return 0;
}

static void map_paths(const struct barco_oci_spec *spec, struct barco_config *cfg)
{
	cfg->masked_paths = spec->masked_paths ? spec->masked_paths : no_paths;
	cfg->masked_paths_len = spec->masked_paths_len;
	cfg->readonly_paths = spec->readonly_paths ? spec->readonly_paths : no_paths;
	cfg->readonly_paths_len = spec->readonly_paths_len;
}

/* No linux.seccomp means no filter, as with runc (podman's seccomp=unconfined omits it). */
static void map_seccomp(const struct barco_oci_spec *spec, struct barco_config *cfg)
{
	cfg->is_new_privs_allowed = !spec->is_no_new_privileges;
	cfg->seccomp = spec->seccomp ? BARCO_SECCOMP_PROFILE : BARCO_SECCOMP_UNCONFINED;
	if (!spec->seccomp)
		return;
	cfg->seccomp_program = spec->seccomp->program;
	cfg->seccomp_program_len = spec->seccomp->program_len;
	cfg->seccomp_flags = spec->seccomp->flags;
	cfg->seccomp_skipped = spec->seccomp->skipped;
	cfg->seccomp_skipped_len = spec->seccomp->skipped_len;
	cfg->seccomp_cache_file = spec->seccomp->cache_file;
	cfg->seccomp_listener_path = spec->seccomp->listener_path;
	cfg->seccomp_listener_metadata = spec->seccomp->listener_metadata;
	if (spec->annotations)
		cfg->annotations_json =
			json_object_to_json_string_ext(spec->annotations, JSON_C_TO_STRING_PLAIN);
}

void barco_oci_config_warn(const struct barco_config *cfg)
{
	for (size_t i = 0; i < cfg->seccomp_skipped_len; i++)
		log_warn("config.json: %s", cfg->seccomp_skipped[i]);
}

static int map_linux(const struct barco_oci_spec *spec, struct barco_config *cfg,
		     struct barco_err *err)
{
	map_seccomp(spec, cfg);
	cfg->devices = spec->devices;
	cfg->devices_len = spec->devices_len;
	cfg->device_rules = spec->device_rules;
	cfg->device_rules_len = spec->device_rules_len;
	cfg->sysctls = spec->sysctl;
	cfg->sysctls_len = spec->sysctl_len;
	cfg->memory_max_bytes = (uint64_t)spec->memory_limit_bytes;
	cfg->pids_max = spec->pids_limit;
	cfg->cpu_weight = spec->cpu_shares ? barco_cgroup_shares_to_weight(spec->cpu_shares) : 0;
	cfg->cpu_shares = spec->cpu_shares;
	map_paths(spec, cfg);
	return map_namespaces(spec, cfg, err);
}

int barco_oci_config_apply(struct barco_oci_spec *spec, const char *rootfs,
			   struct barco_config *cfg, struct barco_err *err)
{
	if (barco_config_copy_string(cfg->rootfs, sizeof(cfg->rootfs), rootfs, "root.path", err) <
		    0 ||
	    (spec->hostname && barco_config_copy_string(cfg->hostname, sizeof(cfg->hostname),
							spec->hostname, "hostname", err) < 0))
		return -1;
	cfg->is_rootfs_readonly = spec->is_root_readonly;
	cfg->hooks = spec->hooks.json ? &spec->hooks : NULL;
	if (map_process(spec, cfg, err) < 0 || map_mounts(spec, cfg, err) < 0 ||
	    map_linux(spec, cfg, err) < 0)
		return -1;
	return 0;
}

/*
 * linux.cgroupsPath placed in this host's hierarchies now, while barco runs
 * in its caller's cgroup (a relative path starts there, as runc's).
 */
static int place_cgroups_path(struct barco_oci_spec *spec, struct barco_config *cfg,
			      struct barco_err *err)
{
	struct barco_cgroup_layout layout;
	cleanup_close int fd = -1;
	char self[4096];
	size_t n = 0;

	if (!spec->cgroups_path || !spec->cgroups_path[0])
		return 0;
	/* As runc rootless: a user gets the cgroup delegated to it (stages/rootless.h), if any. */
	if (barco_rootless_is()) {
		log_warn("config.json: linux.cgroupsPath \"%s\" not applied: rootless barco "
			 "uses the cgroup delegated to uid %u, if any",
			 spec->cgroups_path, (unsigned)geteuid());
		return 0;
	}
	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || barco_read_full(fd, self, sizeof(self) - 1, &n) < 0)
		return barco_err_errno(err, "read /proc/self/cgroup");
	self[n] = '\0';
	spec->cgroup_want = malloc(sizeof(*spec->cgroup_want));
	if (!spec->cgroup_want)
		return barco_err_errno(err, "linux.cgroupsPath");
	if (barco_cgroup_paths_from(&layout, spec->cgroups_path, cfg->is_systemd_cgroup, self,
				    spec->cgroup_want, err) < 0)
		return -1;
	cfg->cgroup_want = spec->cgroup_want;
	return 0;
}

int barco_oci_config_load(struct barco_config *cfg, struct barco_oci_spec **ret_spec,
			  struct barco_err *err)
{
	struct barco_oci_spec *spec = NULL;
	char rootfs[sizeof(cfg->rootfs)];

	if (barco_oci_spec_load(cfg->bundle, &spec, rootfs, sizeof(rootfs), err) < 0)
		return -1;
	if (barco_oci_config_apply(spec, rootfs, cfg, err) < 0 ||
	    place_cgroups_path(spec, cfg, err) < 0) {
		barco_oci_spec_free(spec);
		return barco_err_wrap(err, "config.json");
	}
	*ret_spec = spec;
	return 0;
}
