#include "runtime/oci_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/util.h"
#include "runtime/oci_devices.h"
#include "runtime/oci_seccomp.h"
#include "runtime/oci_spec_impl.h"

void barco_oci_spec_free(struct barco_oci_spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->mounts_len; i++)
		free(spec->mounts[i].data);
	free(spec->mounts);
	free(spec->mount_rows);
	free(spec->args);
	free(spec->env);
	free(spec->masked_paths);
	free(spec->readonly_paths);
	free(spec->sysctl);
	barco_oci_seccomp_free(spec->seccomp);
	free(spec->devices);
	free(spec->device_rules);
	barco_oci_hooks_free(&spec->hooks);
	free(spec->cgroup_want);
	json_object_put(spec->json);
	free(spec);
}

static void oci_spec_freep(struct barco_oci_spec **spec)
{
	barco_oci_spec_free(*spec);
}

#define cleanup_oci_spec __attribute__((cleanup(oci_spec_freep)))

/* The whole text must be one JSON object: nothing after it but white space. */
static int parse_json(const char *text, size_t len, struct json_object **ret, struct barco_err *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len > BARCO_OCI_FILE_MAX)
		return barco_err_set(err, EFBIG, "%zu bytes, barco reads at most %u", len,
				     BARCO_OCI_FILE_MAX);
	tok = json_tokener_new_ex(64);
	if (!tok)
		return barco_err_errno(err, "the JSON parser");
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		return barco_err_set(err, 0, "not valid JSON at byte %zu: %s", end,
				     jerr == json_tokener_continue ? "unexpected end"
								   : json_tokener_error_desc(jerr));
	}
	while (end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	*ret = obj;
	if (end < len)
		return barco_err_set(err, 0, "not valid JSON: text after the object at byte %zu",
				     end);
	if (json_object_get_type(obj) != json_type_object)
		return barco_err_set(err, 0, "the top level is not a JSON object");
	return 0;
}

static int parse_version(struct barco_oci_spec *spec, struct barco_err *err)
{
	char q[96];

	if (barco_oci_require(
		    barco_oci_get_string(spec->json, "", "ociVersion", &spec->oci_version, err), "",
		    "ociVersion", err) < 0)
		return -1;
	if (strncmp(spec->oci_version, "1.", 2) != 0)
		return barco_err_set(err, 0,
				     "ociVersion: %s is not a runtime-spec 1.x version (barco "
				     "reads 1.0 to 1.1)",
				     barco_oci_quote(q, sizeof(q), spec->oci_version));
	return 0;
}

/* A relative root.path may not climb out of the bundle (checked again on disk by _load). */
static int check_relative(const char *s, const char *path, struct barco_err *err)
{
	int depth = 0;

	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			depth--;
		else if (n && !(n == 1 && c[0] == '.'))
			depth++;
		if (depth < 0)
			return barco_err_set(err, 0, "%s: \"%.64s\" leads out of the bundle", path,
					     s);
		c += n + (c[n] == '/');
	}
	return 0;
}

static int parse_root(struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *root = NULL;

	if (barco_oci_require(barco_oci_get(spec->json, "", "root", json_type_object, &root, err),
			      "", "root", err) < 0 ||
	    barco_oci_require(barco_oci_get_string(root, "root", "path", &spec->root_path, err),
			      "root", "path", err) < 0 ||
	    barco_oci_get_bool(root, "root", "readonly", &spec->is_root_readonly, err) < 0)
		return -1;
	if (!spec->root_path[0])
		return barco_err_set(err, 0, "root.path: empty");
	return spec->root_path[0] == '/' ? 0 : check_relative(spec->root_path, "root.path", err);
}

static int parse_hostname(struct barco_oci_spec *spec, struct barco_err *err)
{
	if (barco_oci_get_string(spec->json, "", "hostname", &spec->hostname, err) < 0)
		return -1;
	/* "" is what runc spec writes when there is none to set. */
	if (!spec->hostname || !spec->hostname[0])
		return 0;
	if (barco_parse_hostname(spec->hostname, err) < 0)
		return barco_err_wrap(err, "hostname");
	return 0;
}

static int parse_annotations(struct barco_oci_spec *spec, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *obj = NULL;
	const char *unused;

	int found = barco_oci_get(spec->json, "", "annotations", json_type_object, &obj, err);

	if (found <= 0)
		return found;
	if (json_object_object_length(obj) > BARCO_OCI_ARRAY_MAX)
		return barco_err_set(err, 0, "annotations: %d entries, barco takes at most %d",
				     json_object_object_length(obj), BARCO_OCI_ARRAY_MAX);
	json_object_object_foreach(obj, key, v)
	{
		(void)snprintf(p, sizeof(p), "annotations.%.64s", key);
		if (barco_oci_as_string(v, p, &unused, err) < 0)
			return -1;
	}
	spec->annotations = obj;
	return 0;
}

static int parse_hooks(struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *obj = NULL;
	int found = barco_oci_get(spec->json, "", "hooks", json_type_object, &obj, err);

	if (found <= 0)
		return found;
	if (barco_oci_hooks_parse(obj, &spec->hooks, err) < 0)
		return -1;
	spec->hooks.annotations = spec->annotations;
	return 0;
}

/* sethostname(2) would rename the host without a uts namespace of the container's own. */
static int check_hostname_uts(const struct barco_oci_spec *spec, struct barco_err *err)
{
	if (spec->hostname && spec->hostname[0] &&
	    (!spec->ns[BARCO_OCI_NS_UTS].is_listed || spec->ns[BARCO_OCI_NS_UTS].path))
		return barco_err_set(err, 0,
				     "hostname: setting it needs a new uts namespace in "
				     "linux.namespaces");
	return 0;
}

int barco_oci_spec_parse(const char *text, size_t len, struct barco_oci_spec **ret,
			 struct barco_err *err)
{
	cleanup_oci_spec struct barco_oci_spec *spec = calloc(1, sizeof(*spec));

	if (!spec) {
		barco_err_errno(err, "reading config.json");
		return -1;
	}
	if (parse_json(text, len, &spec->json, err) < 0 || parse_version(spec, err) < 0 ||
	    parse_root(spec, err) < 0 || barco_oci_parse_process(spec, err) < 0 ||
	    parse_hostname(spec, err) < 0 || barco_oci_parse_mounts(spec, err) < 0 ||
	    barco_oci_parse_linux(spec, err) < 0 || parse_annotations(spec, err) < 0 ||
	    parse_hooks(spec, err) < 0 || check_hostname_uts(spec, err) < 0)
		return -1;
	*ret = steal_pointer(&spec);
	return 0;
}

/* A process.json (`exec --process`) is config.json's "process" alone: read it as that key. */
static int parse_process_json(struct barco_oci_spec *spec, const char *text, size_t len,
			      struct barco_err *err)
{
	struct json_object *proc = NULL;

	if (parse_json(text, len, &proc, err) < 0) {
		json_object_put(proc);
		return -1;
	}
	spec->json = json_object_new_object();
	if (!spec->json || json_object_object_add(spec->json, "process", proc) < 0) {
		json_object_put(proc);
		return barco_err_set(err, ENOMEM, "reading the process");
	}
	return barco_oci_parse_process(spec, err);
}

int barco_oci_process_parse(const char *text, size_t len, struct barco_oci_spec **ret,
			    struct barco_err *err)
{
	cleanup_oci_spec struct barco_oci_spec *spec = calloc(1, sizeof(*spec));

	if (!spec)
		return barco_err_errno(err, "reading the process");
	if (parse_process_json(spec, text, len, err) < 0)
		return -1;
	*ret = steal_pointer(&spec);
	return 0;
}

int barco_oci_resources_parse(const char *text, size_t len, struct barco_oci_resources *ret,
			      struct barco_err *err)
{
	struct json_object *res = NULL;
	int r;

	if (parse_json(text, len, &res, err) < 0) {
		json_object_put(res);
		return -1;
	}
	r = json_object_is_type(res, json_type_object)
		    ? barco_oci_parse_resources(res, "", ret, err)
		    : barco_err_set(err, 0, "not a JSON object (runtime-spec's LinuxResources)");
	if (r == 0)
		r = barco_oci_parse_device_rules(res, "", &ret->device_rules,
						 &ret->device_rules_len, err);
	json_object_put(res);
	return r;
}

void barco_oci_resources_free(struct barco_oci_resources *res)
{
	free(res->device_rules);
	res->device_rules = NULL;
	res->device_rules_len = 0;
}

static int read_config(int bundle_fd, char **ret, size_t *ret_len, struct barco_err *err)
{
	cleanup_close int fd = openat(bundle_fd, "config.json", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *text = NULL;
	struct stat st;
	size_t n = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return barco_err_errno(err, "cannot read it");
	if (!S_ISREG(st.st_mode))
		return barco_err_set(err, 0, "not a regular file");
	if ((size_t)st.st_size > BARCO_OCI_FILE_MAX)
		return barco_err_set(err, EFBIG, "%lld bytes, barco reads at most %u",
				     (long long)st.st_size, BARCO_OCI_FILE_MAX);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return barco_err_errno(err, "cannot read it");
	if (barco_read_full(fd, text, (size_t)st.st_size, &n) < 0)
		return barco_err_errno(err, "cannot read it");
	*ret_len = n;
	*ret = steal_pointer(&text);
	return 0;
}

/* root.path on disk: a directory, and inside the bundle when relative (symbolic links followed). */
static int resolve_root(const char *bundle, const char *root_path, char *rootfs, size_t size,
			struct barco_err *err)
{
	char real_bundle[PATH_MAX];
	char joined[PATH_MAX * 2];
	char real_root[PATH_MAX];
	struct stat st;
	size_t blen;

	if (!realpath(bundle, real_bundle))
		return barco_err_errno(err, "bundle '%s'", bundle);
	(void)snprintf(joined, sizeof(joined), "%s/%s", real_bundle, root_path);
	if (!realpath(root_path[0] == '/' ? root_path : joined, real_root) ||
	    stat(real_root, &st) < 0)
		return barco_err_errno(err, "root.path: '%s'", root_path);
	if (!S_ISDIR(st.st_mode))
		return barco_err_set(err, ENOTDIR, "root.path: '%s'", root_path);
	blen = strlen(real_bundle);
	if (root_path[0] != '/' && strcmp(real_bundle, "/") != 0 &&
	    (strncmp(real_root, real_bundle, blen) != 0 ||
	     (real_root[blen] != '/' && real_root[blen] != '\0')))
		return barco_err_set(err, 0,
				     "root.path: '%s' leads out of the bundle (to '%s'), through a "
				     "symbolic link",
				     root_path, real_root);
	return barco_config_copy_string(rootfs, size, real_root, "root.path", err);
}

int barco_oci_spec_load(const char *bundle, struct barco_oci_spec **ret, char *rootfs, size_t size,
			struct barco_err *err)
{
	cleanup_close int bundle_fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_oci_spec struct barco_oci_spec *spec = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (bundle_fd < 0)
		return barco_err_errno(err, "bundle '%s'", bundle);
	if (read_config(bundle_fd, &text, &len, err) < 0 ||
	    barco_oci_spec_parse(text, len, &spec, err) < 0 ||
	    resolve_root(bundle, spec->root_path, rootfs, size, err) < 0)
		return barco_err_wrap(err, "config.json");
	*ret = steal_pointer(&spec);
	return 0;
}
