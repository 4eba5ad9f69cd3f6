#include "runtime/oci_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "runtime/oci_spec.h"

const char *barco_oci_path_key(char *buf, const char *path, const char *key)
{
	(void)snprintf(buf, BARCO_OCI_PATH_MAX, "%.90s%s%.64s", path, *path ? "." : "", key);
	return buf;
}

const char *barco_oci_path_index(char *buf, const char *path, size_t i)
{
	(void)snprintf(buf, BARCO_OCI_PATH_MAX, "%.130s[%zu]", path, i);
	return buf;
}

const char *barco_oci_quote(char *buf, size_t size, const char *s)
{
	char body[72];

	barco_json_escape(s, body, sizeof(body));
	(void)snprintf(buf, size, "\"%s\"%s", body, strlen(body) < strlen(s) ? "…" : "");
	return buf;
}

static const char *type_name(json_type type)
{
	switch (type) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	default:
		return "null";
	}
}

static int expect(struct json_object *v, json_type type, const char *path, struct barco_err *err)
{
	if (json_object_get_type(v) == type)
		return 0;
	return barco_err_set(err, 0, "%s: expected %s, found %s", path, type_name(type),
			     type_name(json_object_get_type(v)));
}

int barco_oci_as_string(struct json_object *v, const char *path, const char **ret,
			struct barco_err *err)
{
	if (expect(v, json_type_string, path, err) < 0)
		return -1;
	/* A NUL inside (\u0000) would silently cut a path or an argument short. */
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return barco_err_set(err, 0, "%s: the string holds a NUL character", path);
	*ret = json_object_get_string(v);
	return 0;
}

int barco_oci_as_uint(struct json_object *v, const char *path, uint64_t max, uint64_t *ret,
		      struct barco_err *err)
{
	uint64_t n;

	if (expect(v, json_type_int, path, err) < 0)
		return -1;
	/* json-c keeps integers above INT64_MAX as unsigned; get_int64 clamps them, never negative.
	 */
	if (json_object_get_int64(v) < 0)
		return barco_err_set(err, 0, "%s: %lld is negative", path,
				     (long long)json_object_get_int64(v));
	n = json_object_get_uint64(v);
	if (n > max)
		return barco_err_set(err, 0, "%s: %llu is out of range (at most %llu)", path,
				     (unsigned long long)n, (unsigned long long)max);
	*ret = n;
	return 0;
}

int barco_oci_get(struct json_object *obj, const char *path, const char *key, json_type type,
		  struct json_object **ret, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_get_type(v) == json_type_null)
		return 0;
	if (expect(v, type, barco_oci_path_key(p, path, key), err) < 0)
		return -1;
	*ret = v;
	return 1;
}

int barco_oci_get_string(struct json_object *obj, const char *path, const char *key,
			 const char **ret, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *v = NULL;
	int found = barco_oci_get(obj, path, key, json_type_string, &v, err);

	if (found <= 0)
		return found;
	return barco_oci_as_string(v, barco_oci_path_key(p, path, key), ret, err) < 0 ? -1 : 1;
}

int barco_oci_get_bool(struct json_object *obj, const char *path, const char *key, bool *ret,
		       struct barco_err *err)
{
	struct json_object *v = NULL;
	int found = barco_oci_get(obj, path, key, json_type_boolean, &v, err);

	if (found > 0)
		*ret = json_object_get_boolean(v);
	return found;
}

int barco_oci_get_uint(struct json_object *obj, const char *path, const char *key, uint64_t max,
		       uint64_t *ret, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *v = NULL;
	int found = barco_oci_get(obj, path, key, json_type_int, &v, err);

	if (found <= 0)
		return found;
	return barco_oci_as_uint(v, barco_oci_path_key(p, path, key), max, ret, err) < 0 ? -1 : 1;
}

int barco_oci_get_int64(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *v = NULL;
	int found = barco_oci_get(obj, path, key, json_type_int, &v, err);

	if (found <= 0)
		return found;
	/* Above INT64_MAX json-c clamps; such a value is no int64. */
	if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		return barco_err_set(err, 0, "%s: %llu is out of range",
				     barco_oci_path_key(p, path, key),
				     (unsigned long long)json_object_get_uint64(v));
	*ret = json_object_get_int64(v);
	return 1;
}

int barco_oci_get_array(struct json_object *obj, const char *path, const char *key, size_t max,
			struct json_object **ret, size_t *ret_len, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *v = NULL;
	int found = barco_oci_get(obj, path, key, json_type_array, &v, err);

	if (found <= 0)
		return found;
	if (json_object_array_length(v) > max)
		return barco_err_set(err, 0, "%s: %zu entries, barco takes at most %zu",
				     barco_oci_path_key(p, path, key), json_object_array_length(v),
				     max);
	*ret = v;
	*ret_len = json_object_array_length(v);
	return 1;
}

int barco_oci_check_abs_path(const char *s, const char *path, struct barco_err *err)
{
	char q[96];

	if (!s)
		return barco_err_set(err, 0, "%s: missing", path);
	if (s[0] != '/')
		return barco_err_set(err, 0, "%s: %s is not an absolute path", path,
				     barco_oci_quote(q, sizeof(q), s));
	for (const char *c = s; (c = strstr(c, "..")); c += 2)
		if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
			return barco_err_set(err, 0, "%s: %s holds a \"..\" component", path,
					     barco_oci_quote(q, sizeof(q), s));
	return 0;
}

int barco_oci_get_strings(struct json_object *obj, const char *path, const char *key,
			  bool is_absolute, const char ***ret, size_t *ret_len,
			  struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	const char **list;
	size_t len = 0;
	int found = barco_oci_get_array(obj, path, key, BARCO_OCI_ARRAY_MAX, &arr, &len, err);

	if (found <= 0)
		return found;
	list = calloc(len + 1, sizeof(*list));
	if (!list)
		return barco_err_errno(err, "%s", barco_oci_path_key(base, path, key));
	barco_oci_path_key(base, path, key);
	for (size_t i = 0; i < len; i++) {
		barco_oci_path_index(p, base, i);
		if (barco_oci_as_string(json_object_array_get_idx(arr, i), p, &list[i], err) < 0 ||
		    (is_absolute && barco_oci_check_abs_path(list[i], p, err) < 0)) {
			free(list);
			return -1;
		}
	}
	*ret = list;
	*ret_len = len;
	return 1;
}

int barco_oci_require(int found, const char *path, const char *key, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];

	if (found < 0)
		return -1;
	if (found == 0)
		return barco_err_set(err, 0, "%s: missing", barco_oci_path_key(p, path, key));
	return 0;
}

int barco_oci_each_object(struct json_object *obj, const char *path, const char *key, size_t max,
			  barco_oci_entry_fn fn, struct barco_oci_spec *spec, struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	size_t len = 0;

	if (barco_oci_get_array(obj, path, key, max, &arr, &len, err) < 0)
		return -1;
	barco_oci_path_key(base, path, key);
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		barco_oci_path_index(p, base, i);
		if (expect(v, json_type_object, p, err) < 0 || fn(spec, v, p, err) < 0)
			return -1;
	}
	return 0;
}
