/* process: in config.json (runtime-spec config.md "Process"). */
#include "runtime/oci_spec_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "base/util.h"
#include "stages/caps.h"

static const char *const capset_keys[BARCO_OCI_CAPS_COUNT] = {
	[BARCO_OCI_CAPS_BOUNDING] = "bounding",	      [BARCO_OCI_CAPS_EFFECTIVE] = "effective",
	[BARCO_OCI_CAPS_INHERITABLE] = "inheritable", [BARCO_OCI_CAPS_PERMITTED] = "permitted",
	[BARCO_OCI_CAPS_AMBIENT] = "ambient",
};

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_args(struct barco_oci_spec *spec, struct json_object *proc, struct barco_err *err)
{
	const char **args = NULL;
	size_t len = 0;
	if (barco_oci_require(
		    barco_oci_get_strings(proc, "process", "args", false, &args, &len, err),
		    "process", "args", err) < 0)
		return -1;
	spec->args = (char **)args;
	spec->args_len = len;
	if (!len || !args[0][0])
		return barco_err_set(err, 0, "process.args: the command is empty");
	return 0;
}

static int parse_env(struct barco_oci_spec *spec, struct json_object *proc, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	char q[96];

	if (barco_oci_get_strings(proc, "process", "env", false, &spec->env, &spec->env_len, err) <
	    0)
		return -1;
	for (size_t i = 0; i < spec->env_len; i++) {
		const char *eq = strchr(spec->env[i], '=');

		if (!eq || eq == spec->env[i])
			return barco_err_set(err, 0, "%s: %s is not KEY=VALUE",
					     barco_oci_path_index(p, "process.env", i),
					     barco_oci_quote(q, sizeof(q), spec->env[i]));
	}
	return 0;
}

static int parse_gids(struct barco_oci_spec *spec, struct json_object *user, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	size_t len = 0;

	if (barco_oci_get_array(user, "process.user", "additionalGids", BARCO_OCI_GROUPS_MAX, &arr,
				&len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint64_t gid;

		if (barco_oci_as_uint(json_object_array_get_idx(arr, i),
				      barco_oci_path_index(p, "process.user.additionalGids", i),
				      UINT32_MAX - 1, &gid, err) < 0)
			return -1;
		spec->additional_gids[i] = (gid_t)gid;
	}
	spec->additional_gids_len = len;
	return 0;
}

static int parse_user(struct barco_oci_spec *spec, struct json_object *proc, struct barco_err *err)
{
	struct json_object *user = NULL;
	uint64_t uid = 0, gid = 0, umask = 0;
	int has_umask;

	int found = barco_oci_get(proc, "process", "user", json_type_object, &user, err);

	if (found <= 0)
		return found;
	/* (uid_t)-1 means "unchanged" to setresuid(2): not an identity. */
	if (barco_oci_require(
		    barco_oci_get_uint(user, "process.user", "uid", UINT32_MAX - 1, &uid, err),
		    "process.user", "uid", err) < 0 ||
	    barco_oci_require(
		    barco_oci_get_uint(user, "process.user", "gid", UINT32_MAX - 1, &gid, err),
		    "process.user", "gid", err) < 0 ||
	    (has_umask = barco_oci_get_uint(user, "process.user", "umask", 0777, &umask, err)) < 0)
		return -1;
	spec->uid = (uid_t)uid;
	spec->gid = (gid_t)gid;
	spec->has_umask = has_umask > 0;
	spec->umask = (mode_t)umask;
	return parse_gids(spec, user, err);
}

static int parse_capset(struct barco_oci_spec *spec, struct json_object *caps,
			enum barco_oci_capset set, struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	size_t len = 0;

	barco_oci_path_key(base, "process.capabilities", capset_keys[set]);
	if (barco_oci_get_array(caps, "process.capabilities", capset_keys[set], BARCO_OCI_ARRAY_MAX,
				&arr, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *name;
		int cap;

		barco_oci_path_index(p, base, i);
		if (barco_oci_as_string(json_object_array_get_idx(arr, i), p, &name, err) < 0)
			return -1;
		/* "ALL" is barco's --cap-add shorthand, not an OCI capability name. */
		if (barco_cap_from_name(name, &cap, err) < 0 || cap < 0)
			return barco_err_set(err, 0, "%s: unknown capability \"%.64s\"", p, name);
		spec->caps[set] |= 1ULL << cap;
	}
	return 0;
}

static int parse_caps(struct barco_oci_spec *spec, struct json_object *proc, struct barco_err *err)
{
	struct json_object *caps = NULL;
	int found = barco_oci_get(proc, "process", "capabilities", json_type_object, &caps, err);

	if (found <= 0)
		return found;
	for (int set = 0; set < BARCO_OCI_CAPS_COUNT; set++)
		if (parse_capset(spec, caps, set, err) < 0)
			return -1;
	return 0;
}

static int rlimit_from_name(const char *name, int *ret)
{
	for (size_t i = 0; i < ARRAY_LEN(rlimit_names); i++)
		if (strcmp(name, rlimit_names[i].name) == 0) {
			*ret = rlimit_names[i].resource;
			return 0;
		}
	return -1;
}

static int parse_rlimit(struct barco_oci_spec *spec, struct json_object *v, const char *p,
			struct barco_err *err)
{
	struct barco_oci_rlimit *rl = &spec->rlimits[spec->rlimits_len];
	const char *type = NULL;
	char q[96];

	if (barco_oci_require(barco_oci_get_string(v, p, "type", &type, err), p, "type", err) < 0)
		return -1;
	if (rlimit_from_name(type, &rl->resource) < 0)
		return barco_err_set(err, 0, "%s.type: unknown rlimit %s (see getrlimit(2))", p,
				     barco_oci_quote(q, sizeof(q), type));
	for (size_t i = 0; i < spec->rlimits_len; i++)
		if (spec->rlimits[i].resource == rl->resource)
			return barco_err_set(err, 0, "%s.type: %s is listed twice", p, type);
	if (barco_oci_require(barco_oci_get_uint(v, p, "hard", UINT64_MAX, &rl->hard, err), p,
			      "hard", err) < 0 ||
	    barco_oci_require(barco_oci_get_uint(v, p, "soft", UINT64_MAX, &rl->soft, err), p,
			      "soft", err) < 0)
		return -1;
	if (rl->soft > rl->hard)
		return barco_err_set(err, 0, "%s: soft %llu is above hard %llu", p,
				     (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	spec->rlimits_len++;
	return 0;
}

int barco_oci_parse_process(struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *proc = NULL;

	if (barco_oci_require(
		    barco_oci_get(spec->json, "", "process", json_type_object, &proc, err), "",
		    "process", err) < 0)
		return -1;
	if (parse_args(spec, proc, err) < 0 || parse_env(spec, proc, err) < 0 ||
	    parse_user(spec, proc, err) < 0 || parse_caps(spec, proc, err) < 0 ||
	    barco_oci_each_object(proc, "process", "rlimits", RLIM_NLIMITS, parse_rlimit, spec,
				  err) < 0)
		return -1;
	if (barco_oci_require(barco_oci_get_string(proc, "process", "cwd", &spec->cwd, err),
			      "process", "cwd", err) < 0 ||
	    barco_oci_check_abs_path(spec->cwd, "process.cwd", err) < 0 ||
	    barco_oci_get_bool(proc, "process", "noNewPrivileges", &spec->is_no_new_privileges,
			       err) < 0 ||
	    barco_oci_get_bool(proc, "process", "terminal", &spec->is_terminal, err) < 0)
		return -1;
	return 0;
}
