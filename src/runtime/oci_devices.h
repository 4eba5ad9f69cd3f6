#pragma once
/*
 * linux.devices (nodes to make in /dev: type, path, major, minor,
 * fileMode, uid, gid) and linux.resources.devices (the devices cgroup's
 * rules: allow, type, major, minor, access) of config.json, read into the
 * spec; src/stages/devices.c applies them.
 */
#include <json-c/json.h>

#include "base/config.h"
#include "base/err.h"

struct barco_oci_spec;

/* Reads both from lx (the "linux" object) into spec->devices and spec->device_rules. */
int barco_oci_parse_devices(struct barco_oci_spec *spec, struct json_object *lx,
			    struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Reads the rules of res["devices"] (a LinuxResources object at path, as
 * `update --resources` gives it) into *ret (free it), *ret_len entries;
 * *ret stays NULL when there is no "devices" key.
 */
int barco_oci_parse_device_rules(struct json_object *res, const char *path,
				 struct barco_device_rule **ret, size_t *ret_len,
				 struct barco_err *err) __attribute__((warn_unused_result));
