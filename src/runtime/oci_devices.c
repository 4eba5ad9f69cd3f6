/* linux.devices and linux.resources.devices of config.json (config-linux.md "Devices"). */
#include "runtime/oci_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/oci_spec_impl.h"

/* The node types of linux.devices: "u" is an unbuffered character device, a "c". */
static const struct {
	const char *name;
	mode_t type;
	bool has_numbers;
} node_types[] = {
	{"c", S_IFCHR, true},
	{"u", S_IFCHR, true},
	{"b", S_IFBLK, true},
	{"p", S_IFIFO, false},
};

static int check_dev_path(const char *s, const char *path, struct barco_err *err)
{
	char q[96];

	if (barco_oci_check_abs_path(s, path, err) < 0)
		return -1;
	if (strncmp(s, "/dev/", 5) != 0 || !s[5] || strstr(s, "//") || s[strlen(s) - 1] == '/')
		return barco_err_set(err, 0,
				     "%s: %s: barco makes device nodes under /dev only, as "
				     "/dev/NAME",
				     path, barco_oci_quote(q, sizeof(q), s));
	return 0;
}

static int parse_node_type(struct json_object *v, const char *path, mode_t *ret_type,
			   bool *ret_has_numbers, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	char q[96];
	const char *type = NULL;

	if (barco_oci_require(barco_oci_get_string(v, path, "type", &type, err), path, "type",
			      err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(node_types) / sizeof(node_types[0]); i++)
		if (strcmp(type, node_types[i].name) == 0) {
			*ret_type = node_types[i].type;
			*ret_has_numbers = node_types[i].has_numbers;
			return 0;
		}
	return barco_err_set(err, 0, "%s: unknown device type %s (expected c, b, u or p)",
			     barco_oci_path_key(p, path, "type"),
			     barco_oci_quote(q, sizeof(q), type));
}

static int parse_device(struct barco_oci_spec *spec, struct json_object *v, const char *path,
			struct barco_err *err)
{
	struct barco_device *d = &spec->devices[spec->devices_len];
	char p[BARCO_OCI_PATH_MAX];
	uint64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
	bool has_numbers = false;
	mode_t type = 0;

	if (barco_oci_require(barco_oci_get_string(v, path, "path", &d->path, err), path, "path",
			      err) < 0 ||
	    check_dev_path(d->path, barco_oci_path_key(p, path, "path"), err) < 0 ||
	    parse_node_type(v, path, &type, &has_numbers, err) < 0 ||
	    barco_oci_get_uint(v, path, "fileMode", 07777, &mode, err) < 0 ||
	    barco_oci_get_uint(v, path, "uid", UINT32_MAX - 1, &uid, err) < 0 ||
	    barco_oci_get_uint(v, path, "gid", UINT32_MAX - 1, &gid, err) < 0)
		return -1;
	if (has_numbers &&
	    (barco_oci_require(barco_oci_get_uint(v, path, "major", 0xfff, &major, err), path,
			       "major", err) < 0 ||
	     barco_oci_require(barco_oci_get_uint(v, path, "minor", 0xfffff, &minor, err), path,
			       "minor", err) < 0))
		return -1;
	*d = (struct barco_device){d->path,	    type | (mode_t)mode, (unsigned)major,
				   (unsigned)minor, (uid_t)uid,		 (gid_t)gid};
	spec->devices_len++;
	return 0;
}

/* -1 (or absent) is any number: "*" in devices.allow. */
static int parse_rule_number(struct json_object *v, const char *path, const char *key, int64_t *ret,
			     struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];

	*ret = -1;
	if (barco_oci_get_int64(v, path, key, ret, err) < 0)
		return -1;
	if (*ret < -1 || *ret > 0xfffff)
		return barco_err_set(err, 0, "%s: %lld is not a device number or -1",
				     barco_oci_path_key(p, path, key), (long long)*ret);
	return 0;
}

static int parse_access(struct json_object *v, const char *path, char *access,
			struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	char q[96];
	const char *s = "rwm";

	if (barco_oci_get_string(v, path, "access", &s, err) < 0)
		return -1;
	if (!*s || strlen(s) > 3 || strspn(s, "rwm") != strlen(s))
		return barco_err_set(err, 0, "%s: %s is not made of r, w and m",
				     barco_oci_path_key(p, path, "access"),
				     barco_oci_quote(q, sizeof(q), s));
	(void)snprintf(access, 4, "%s", s);
	return 0;
}

static int parse_rule(struct barco_oci_spec *spec, struct json_object *v, const char *path,
		      struct barco_err *err)
{
	struct barco_device_rule *r = &spec->device_rules[spec->device_rules_len];
	char p[BARCO_OCI_PATH_MAX];
	char q[96];
	const char *type = "a";

	r->type = 'a';
	if (barco_oci_require(barco_oci_get_bool(v, path, "allow", &r->is_allow, err), path,
			      "allow", err) < 0 ||
	    barco_oci_get_string(v, path, "type", &type, err) < 0 ||
	    parse_rule_number(v, path, "major", &r->major, err) < 0 ||
	    parse_rule_number(v, path, "minor", &r->minor, err) < 0 ||
	    parse_access(v, path, r->access, err) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return barco_err_set(err, 0, "%s: unknown device type %s (expected a, c or b)",
				     barco_oci_path_key(p, path, "type"),
				     barco_oci_quote(q, sizeof(q), type));
	r->type = type[0];
	spec->device_rules_len++;
	return 0;
}

static int parse_array(struct json_object *obj, const char *path, const char *key,
		       size_t entry_size, void **ret, barco_oci_entry_fn fn,
		       struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *arr = NULL;
	size_t len = 0;
	int found = barco_oci_get_array(obj, path, key, BARCO_OCI_ARRAY_MAX, &arr, &len, err);

	if (found <= 0)
		return found;
	*ret = calloc(len + 1, entry_size);
	if (!*ret)
		return barco_err_errno(err, "%s.%s", path, key);
	return barco_oci_each_object(obj, path, key, len, fn, spec, err);
}

int barco_oci_parse_devices(struct barco_oci_spec *spec, struct json_object *lx,
			    struct barco_err *err)
{
	struct json_object *res = NULL;

	if (parse_array(lx, "linux", "devices", sizeof(*spec->devices), (void **)&spec->devices,
			parse_device, spec, err) < 0 ||
	    barco_oci_get(lx, "linux", "resources", json_type_object, &res, err) < 0)
		return -1;
	if (!res)
		return 0;
	return parse_array(res, "linux.resources", "devices", sizeof(*spec->device_rules),
			   (void **)&spec->device_rules, parse_rule, spec, err);
}

int barco_oci_parse_device_rules(struct json_object *res, const char *path,
				 struct barco_device_rule **ret, size_t *ret_len,
				 struct barco_err *err)
{
	struct barco_oci_spec *rules = calloc(1, sizeof(*rules)); /* only its device_rules */
	int r;

	*ret = NULL;
	*ret_len = 0;
	if (!rules)
		return barco_err_errno(err, "%s", path);
	r = parse_array(res, path, "devices", sizeof(*rules->device_rules),
			(void **)&rules->device_rules, parse_rule, rules, err);
	if (r == 0) {
		*ret = rules->device_rules;
		*ret_len = rules->device_rules_len;
	} else {
		free(rules->device_rules);
	}
	free(rules);
	return r;
}
