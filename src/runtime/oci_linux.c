/* mounts and linux in config.json (runtime-spec config.md "Mounts", config-linux.md). */
#include "runtime/oci_spec_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/parse.h"
#include "base/util.h"
#include "runtime/oci_devices.h"
#include "runtime/oci_seccomp.h"

/* mount(8)'s option words that are flags of mount(2); the others go to the filesystem as data. */
static const struct {
	const char *name;
	unsigned long flag;
	bool is_clear; /* "rw" clears what "ro" sets */
} mount_flags[] = {
	{"ro", MS_RDONLY, false},
	{"rw", MS_RDONLY, true},
	{"nosuid", MS_NOSUID, false},
	{"suid", MS_NOSUID, true},
	{"nodev", MS_NODEV, false},
	{"dev", MS_NODEV, true},
	{"noexec", MS_NOEXEC, false},
	{"exec", MS_NOEXEC, true},
	{"sync", MS_SYNCHRONOUS, false},
	{"async", MS_SYNCHRONOUS, true},
	{"dirsync", MS_DIRSYNC, false},
	{"remount", MS_REMOUNT, false},
	{"mand", MS_MANDLOCK, false},
	{"nomand", MS_MANDLOCK, true},
	{"noatime", MS_NOATIME, false},
	{"atime", MS_NOATIME, true},
	{"nodiratime", MS_NODIRATIME, false},
	{"diratime", MS_NODIRATIME, true},
	{"relatime", MS_RELATIME, false},
	{"norelatime", MS_RELATIME, true},
	{"strictatime", MS_STRICTATIME, false},
	{"nostrictatime", MS_STRICTATIME, true},
	{"lazytime", MS_LAZYTIME, false},
	{"nolazytime", MS_LAZYTIME, true},
	{"nosymfollow", MS_NOSYMFOLLOW, false},
	{"symfollow", MS_NOSYMFOLLOW, true},
	{"silent", MS_SILENT, false},
	{"loud", MS_SILENT, true},
	{"bind", MS_BIND, false},
	{"rbind", MS_BIND | MS_REC, false},
	{"defaults", 0, false},
};

/* Propagation is a second mount(2) call on the mount point (mount_namespaces(7)). */
static const struct {
	const char *name;
	unsigned long flags;
} mount_propagations[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static bool apply_flag(struct barco_oci_mount *m, const char *opt)
{
	if (strcmp(opt, "tmpcopyup") == 0) {
		m->is_copy_up = true;
		return true;
	}
	for (size_t i = 0; i < ARRAY_LEN(mount_flags); i++)
		if (strcmp(opt, mount_flags[i].name) == 0) {
			if (mount_flags[i].is_clear)
				m->flags &= ~mount_flags[i].flag;
			else
				m->flags |= mount_flags[i].flag;
			return true;
		}
	for (size_t i = 0; i < ARRAY_LEN(mount_propagations); i++)
		if (strcmp(opt, mount_propagations[i].name) == 0) {
			m->propagation = mount_propagations[i].flags;
			return true;
		}
	return false;
}

int barco_oci_mount_flag_words(unsigned long flags, struct json_object *arr)
{
	for (size_t i = 0; i < ARRAY_LEN(mount_flags); i++) {
		unsigned long f = mount_flags[i].flag;

		/* One word per flag: "rbind" is two of them, "defaults" none. */
		if (mount_flags[i].is_clear || !f || (f & (f - 1)) || !(flags & f))
			continue;
		if (json_object_array_add(arr, json_object_new_string(mount_flags[i].name)) < 0)
			return -1;
	}
	return 0;
}

static int parse_options(struct barco_oci_mount *m, struct json_object *v, const char *path,
			 struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	const char **opts = NULL;
	size_t len = 0, size = 1;
	int found = barco_oci_get_strings(v, path, "options", false, &opts, &len, err);

	if (found < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		size += strlen(opts[i]) + 1;
	m->data = calloc(1, size);
	if (!m->data) {
		free(opts);
		return barco_err_errno(err, "%s", barco_oci_path_key(p, path, "options"));
	}
	for (size_t i = 0, end = 0; i < len; i++) {
		size_t n = strlen(opts[i]);

		if (apply_flag(m, opts[i]) || !n)
			continue;
		if (end)
			m->data[end++] = ',';
		memcpy(m->data + end, opts[i], n + 1);
		end += n;
	}
	free(opts);
	return 0;
}

static int parse_mount(struct barco_oci_spec *spec, struct json_object *v, const char *path,
		       struct barco_err *err)
{
	/* Counted first: the free of a half-read mount must see its data. */
	struct barco_oci_mount *m = &spec->mounts[spec->mounts_len++];
	char p[BARCO_OCI_PATH_MAX];

	m->type = "";
	m->source = "";
	if (barco_oci_require(barco_oci_get_string(v, path, "destination", &m->destination, err),
			      path, "destination", err) < 0 ||
	    barco_oci_check_abs_path(m->destination, barco_oci_path_key(p, path, "destination"),
				     err) < 0 ||
	    barco_oci_get_string(v, path, "type", &m->type, err) < 0 ||
	    barco_oci_get_string(v, path, "source", &m->source, err) < 0)
		return -1;
	return parse_options(m, v, path, err);
}

int barco_oci_parse_mounts(struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *arr = NULL;
	size_t len = 0;
	int found =
		barco_oci_get_array(spec->json, "", "mounts", BARCO_OCI_ARRAY_MAX, &arr, &len, err);

	if (found <= 0)
		return found;
	spec->mounts = calloc(len + 1, sizeof(*spec->mounts));
	if (!spec->mounts)
		return barco_err_errno(err, "mounts");
	return barco_oci_each_object(spec->json, "", "mounts", len, parse_mount, spec, err);
}

static const char *const ns_names[BARCO_OCI_NS_COUNT] = {
	[BARCO_OCI_NS_PID] = "pid",	  [BARCO_OCI_NS_NETWORK] = "network",
	[BARCO_OCI_NS_MOUNT] = "mount",	  [BARCO_OCI_NS_IPC] = "ipc",
	[BARCO_OCI_NS_UTS] = "uts",	  [BARCO_OCI_NS_USER] = "user",
	[BARCO_OCI_NS_CGROUP] = "cgroup", [BARCO_OCI_NS_TIME] = "time",
};

const char *barco_oci_ns_name(enum barco_oci_ns ns)
{
	return (unsigned)ns < BARCO_OCI_NS_COUNT ? ns_names[ns] : NULL;
}

static int ns_from_name(const char *name)
{
	for (int ns = 0; ns < BARCO_OCI_NS_COUNT; ns++)
		if (strcmp(name, barco_oci_ns_name(ns)) == 0)
			return ns;
	return -1;
}

static int parse_namespace(struct barco_oci_spec *spec, struct json_object *v, const char *path,
			   struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	char q[96];
	const char *type = NULL;
	const char *ns_path = NULL;
	int ns;

	if (barco_oci_require(barco_oci_get_string(v, path, "type", &type, err), path, "type",
			      err) < 0)
		return -1;
	ns = ns_from_name(type);
	if (ns < 0)
		return barco_err_set(err, 0, "%s.type: unknown namespace type %s", path,
				     barco_oci_quote(q, sizeof(q), type));
	if (spec->ns[ns].is_listed)
		return barco_err_set(err, 0, "%s.type: the %s namespace is listed twice", path,
				     type);
	if (barco_oci_get_string(v, path, "path", &ns_path, err) < 0 ||
	    (ns_path && ns_path[0] &&
	     barco_oci_check_abs_path(ns_path, barco_oci_path_key(p, path, "path"), err) < 0))
		return -1;
	spec->ns[ns].is_listed = true;
	spec->ns[ns].path = ns_path && ns_path[0] ? ns_path : NULL;
	return 0;
}

static int parse_idmap_entry(struct json_object *v, const char *path, struct barco_idmap *ret,
			     struct barco_err *err)
{
	uint64_t inside = 0, outside = 0, count = 0;

	if (json_object_get_type(v) != json_type_object)
		return barco_err_set(err, 0, "%s: expected an object", path);
	if (barco_oci_require(barco_oci_get_uint(v, path, "containerID", UINT32_MAX, &inside, err),
			      path, "containerID", err) < 0 ||
	    barco_oci_require(barco_oci_get_uint(v, path, "hostID", UINT32_MAX, &outside, err),
			      path, "hostID", err) < 0 ||
	    barco_oci_require(barco_oci_get_uint(v, path, "size", UINT32_MAX, &count, err), path,
			      "size", err) < 0)
		return -1;
	if (count == 0 || inside + count > (1ULL << 32) || outside + count > (1ULL << 32))
		return barco_err_set(err, 0, "%s: the range %llu+%llu is empty or past 2^32", path,
				     (unsigned long long)inside, (unsigned long long)count);
	*ret = (struct barco_idmap){(uint32_t)inside, (uint32_t)outside, (uint32_t)count};
	return 0;
}

static int parse_idmap(struct json_object *lx, const char *key, struct barco_idmap *map,
		       size_t *ret_len, struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	size_t len = 0;

	barco_oci_path_key(base, "linux", key);
	if (barco_oci_get_array(lx, "linux", key, BARCO_IDMAP_MAX, &arr, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (parse_idmap_entry(json_object_array_get_idx(arr, i),
				      barco_oci_path_index(p, base, i), &map[i], err) < 0)
			return -1;
	*ret_len = len;
	return barco_idmap_validate(map, len, base, err);
}

/* Mappings belong to a new user namespace, and a new one needs them (user_namespaces(7)). */
static int check_userns(const struct barco_oci_spec *spec, struct barco_err *err)
{
	const struct barco_oci_namespace *user = &spec->ns[BARCO_OCI_NS_USER];
	bool has_maps = spec->uidmap_len || spec->gidmap_len;

	if (has_maps && (!user->is_listed || user->path))
		return barco_err_set(err, 0,
				     "linux.uidMappings: id mappings need a new user namespace "
				     "in linux.namespaces");
	if (user->is_listed && !user->path && (!spec->uidmap_len || !spec->gidmap_len))
		return barco_err_set(err, 0,
				     "linux.%s: a new user namespace needs uid and gid mappings",
				     spec->uidmap_len ? "gidMappings" : "uidMappings");
	return 0;
}

/* A key names a file under /proc/sys: dot-separated words, nothing that climbs out. */
static int check_sysctl_key(const char *key, struct barco_err *err)
{
	char q[96];
	size_t len = strlen(key);

	if (!len || key[0] == '.' || key[len - 1] == '.' || strstr(key, "..") || strchr(key, '/'))
		return barco_err_set(err, 0, "linux.sysctl: %s is not a sysctl name",
				     barco_oci_quote(q, sizeof(q), key));
	return 0;
}

static int parse_sysctl(struct barco_oci_spec *spec, struct json_object *lx, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *obj = NULL;
	int found = barco_oci_get(lx, "linux", "sysctl", json_type_object, &obj, err);

	if (found <= 0)
		return found;
	if (json_object_object_length(obj) > BARCO_OCI_ARRAY_MAX)
		return barco_err_set(err, 0, "linux.sysctl: %d entries, barco takes at most %d",
				     json_object_object_length(obj), BARCO_OCI_ARRAY_MAX);
	spec->sysctl = calloc((size_t)json_object_object_length(obj) + 1, sizeof(*spec->sysctl));
	if (!spec->sysctl)
		return barco_err_errno(err, "linux.sysctl");
	json_object_object_foreach(obj, key, v)
	{
		struct barco_sysctl *s = &spec->sysctl[spec->sysctl_len];

		(void)snprintf(p, sizeof(p), "linux.sysctl.%.64s", key);
		if (check_sysctl_key(key, err) < 0 || barco_oci_as_string(v, p, &s->value, err) < 0)
			return -1;
		s->key = key;
		spec->sysctl_len++;
	}
	return 0;
}

int barco_oci_parse_resources(struct json_object *res, const char *path,
			      struct barco_oci_resources *ret, struct barco_err *err)
{
	struct json_object *mem = NULL, *pids = NULL, *cpu = NULL;
	char p[BARCO_OCI_PATH_MAX];

	memset(ret, 0, sizeof(*ret));
	if (barco_oci_get(res, path, "memory", json_type_object, &mem, err) < 0 ||
	    barco_oci_get(res, path, "pids", json_type_object, &pids, err) < 0 ||
	    barco_oci_get(res, path, "cpu", json_type_object, &cpu, err) < 0)
		return -1;
	if (mem && barco_oci_get_int64(mem, barco_oci_path_key(p, path, "memory"), "limit",
				       &ret->memory_limit, err) < 0)
		return -1;
	if (ret->memory_limit < -1)
		return barco_err_set(err, 0, "%s.limit: %lld is negative (-1 means no limit)",
				     barco_oci_path_key(p, path, "memory"),
				     (long long)ret->memory_limit);
	if (pids && barco_oci_require(barco_oci_get_int64(pids, barco_oci_path_key(p, path, "pids"),
							  "limit", &ret->pids_limit, err),
				      barco_oci_path_key(p, path, "pids"), "limit", err) < 0)
		return -1;
	/* runc: a negative pids limit is "max", 0 leaves it unset. */
	ret->pids_limit = ret->pids_limit < 0 ? -1 : ret->pids_limit;
	/* cgroup v1's cpu.shares range (2..262144); 0 means unset. */
	if (cpu && barco_oci_get_uint(cpu, barco_oci_path_key(p, path, "cpu"), "shares", 262144,
				      &ret->cpu_shares, err) < 0)
		return -1;
	if (ret->cpu_shares == 1)
		return barco_err_set(err, 0, "%s.shares: 1 is below 2",
				     barco_oci_path_key(p, path, "cpu"));
	return 0;
}

static int parse_resources(struct barco_oci_spec *spec, struct json_object *lx,
			   struct barco_err *err)
{
	struct json_object *res = NULL;
	struct barco_oci_resources r;
	int found = barco_oci_get(lx, "linux", "resources", json_type_object, &res, err);

	if (found <= 0)
		return found;
	if (barco_oci_parse_resources(res, "linux.resources", &r, err) < 0)
		return -1;
	spec->memory_limit_bytes = r.memory_limit > 0 ? r.memory_limit : 0;
	spec->pids_limit = r.pids_limit > 0 ? r.pids_limit : 0;
	spec->cpu_shares = r.cpu_shares;
	return 0;
}

int barco_oci_parse_linux(struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *lx = NULL;
	int found = barco_oci_get(spec->json, "", "linux", json_type_object, &lx, err);

	if (found <= 0)
		return found;
	if (barco_oci_each_object(lx, "linux", "namespaces", BARCO_OCI_ARRAY_MAX, parse_namespace,
				  spec, err) < 0 ||
	    parse_idmap(lx, "uidMappings", spec->uidmap, &spec->uidmap_len, err) < 0 ||
	    parse_idmap(lx, "gidMappings", spec->gidmap, &spec->gidmap_len, err) < 0 ||
	    check_userns(spec, err) < 0 ||
	    barco_oci_get_strings(lx, "linux", "maskedPaths", true, &spec->masked_paths,
				  &spec->masked_paths_len, err) < 0 ||
	    barco_oci_get_strings(lx, "linux", "readonlyPaths", true, &spec->readonly_paths,
				  &spec->readonly_paths_len, err) < 0 ||
	    parse_sysctl(spec, lx, err) < 0 ||
	    barco_oci_get_string(lx, "linux", "cgroupsPath", &spec->cgroups_path, err) < 0 ||
	    barco_oci_parse_seccomp(spec, lx, err) < 0 ||
	    barco_oci_parse_devices(spec, lx, err) < 0)
		return -1;
	return parse_resources(spec, lx, err);
}
