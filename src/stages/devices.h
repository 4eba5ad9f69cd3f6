#pragma once
/*
 * Device nodes and the devices cgroup (OCI linux.devices and
 * linux.resources.devices; barco's own containers get only the default
 * nodes the mounts stage binds, src/stages/mount.c).
 *
 * Nodes: without a user namespace, mknod(2) in the container's /dev tmpfs
 * (container root is host root, with CAP_MKNOD), then chown and chmod to
 * what config.json says; in a user namespace mknod of a device is refused
 * (user_namespaces(7)), so the host's node at the same path is bound
 * instead, as runc does.
 *
 * The devices cgroup (Documentation/admin-guide/cgroup-v1/devices.rst):
 * each rule is written, in order, to devices.allow or devices.deny as
 * "TYPE MAJOR:MINOR ACCESS"; "a" resets the whole list. Then the default
 * nodes every container gets are allowed, as runc appends them, so that a
 * "deny all" rule does not take /dev/null away. cgroup v2 has no such
 * files: there the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * which barco does not attach yet (a rule there is an error).
 */
#include <stddef.h>

#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* The rules the default nodes need ("c 1:3 rwm" for /dev/null…), allowed after cfg's. */
extern const struct barco_device_rule barco_devices_default_rules[];
extern const size_t barco_devices_default_rules_len;

/* Makes cfg->devices under root (the new root, before pivot_root). */
int barco_devices_create(const char *root, const struct barco_config *cfg, struct barco_report *rep,
			 struct barco_err *err) __attribute__((warn_unused_result));

/* Writes cfg->device_rules, then the default nodes' rules, into the v1 devices cgroup dir. */
int barco_devices_cgroup_v1(const char *dir, const struct barco_config *cfg,
			    struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* One rule as devices.allow reads it ("c 1:3 rwm", "a *:* rwm") into buf. */
const char *barco_devices_rule_text(const struct barco_device_rule *rule, char *buf, size_t size);
