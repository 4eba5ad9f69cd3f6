#pragma once
/*
 * Type-checked reads of config.json values for the OCI spec reader
 * (oci_spec.c, oci_linux.c). Every function takes the JSON path of what it
 * reads ("process.user.uid", "mounts[3].options[1]") and puts it first in
 * its error. The get_* functions read obj[key]: they return 1 when the key
 * is there (and *ret is set), 0 when it is absent or null (*ret untouched),
 * -1 when its type or value is wrong.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define BARCO_OCI_PATH_MAX 160

/* path.key into buf ("key" when path is empty). */
const char *barco_oci_path_key(char *buf, const char *path, const char *key);

/* path[i] into buf. */
const char *barco_oci_path_index(char *buf, const char *path, size_t i);

/* s as a short JSON string, quotes included, for an error message. */
const char *barco_oci_quote(char *buf, size_t size, const char *s);

/* v as a string without NUL bytes. */
int barco_oci_as_string(struct json_object *v, const char *path, const char **ret,
			struct barco_err *err) __attribute__((warn_unused_result));

/* v as an integer in [0, max]. */
int barco_oci_as_uint(struct json_object *v, const char *path, uint64_t max, uint64_t *ret,
		      struct barco_err *err) __attribute__((warn_unused_result));

int barco_oci_get(struct json_object *obj, const char *path, const char *key, json_type type,
		  struct json_object **ret, struct barco_err *err)
	__attribute__((warn_unused_result));

int barco_oci_get_string(struct json_object *obj, const char *path, const char *key,
			 const char **ret, struct barco_err *err)
	__attribute__((warn_unused_result));

int barco_oci_get_bool(struct json_object *obj, const char *path, const char *key, bool *ret,
		       struct barco_err *err) __attribute__((warn_unused_result));

int barco_oci_get_uint(struct json_object *obj, const char *path, const char *key, uint64_t max,
		       uint64_t *ret, struct barco_err *err) __attribute__((warn_unused_result));

int barco_oci_get_int64(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			struct barco_err *err) __attribute__((warn_unused_result));

/* obj[key] as an array of at most max entries; *ret_len its length. */
int barco_oci_get_array(struct json_object *obj, const char *path, const char *key, size_t max,
			struct json_object **ret, size_t *ret_len, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * obj[key] as a NULL-terminated array of strings (calloc'd; the strings
 * are the JSON's). Absent: *ret stays NULL. With is_absolute every entry
 * must be an absolute path without ".." components.
 */
int barco_oci_get_strings(struct json_object *obj, const char *path, const char *key,
			  bool is_absolute, const char ***ret, size_t *ret_len,
			  struct barco_err *err) __attribute__((warn_unused_result));

struct barco_oci_spec;

/* Reads one entry (an object, at path "a.b[i]") of an array into spec. */
typedef int (*barco_oci_entry_fn)(struct barco_oci_spec *spec, struct json_object *v,
				  const char *path, struct barco_err *err);

/* Calls fn on each entry of the array obj[key] (at most max), each checked to be an object. */
int barco_oci_each_object(struct json_object *obj, const char *path, const char *key, size_t max,
			  barco_oci_entry_fn fn, struct barco_oci_spec *spec, struct barco_err *err)
	__attribute__((warn_unused_result));

/* An absolute path without "." or ".." components (they could lead out of the rootfs). */
int barco_oci_check_abs_path(const char *s, const char *path, struct barco_err *err)
	__attribute__((warn_unused_result));

/* For a required key: found (a get_* result) as 0, or -1 ("path.key: missing" when 0). */
int barco_oci_require(int found, const char *path, const char *key, struct barco_err *err)
	__attribute__((warn_unused_result));
