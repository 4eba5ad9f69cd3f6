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
 * The devices cgroup: the list starts from "deny all", as runc's and
 * crun's do (a list that does not begin with an "a" rule still denies
 * what it does not allow), then the rules in order, then the default
 * nodes every container gets, as runc appends them, so that a "deny all"
 * rule does not take /dev/null away.
 *
 *   cgroup v1 (Documentation/admin-guide/cgroup-v1/devices.rst): "a *:*
 *   rwm" to devices.deny, then each rule to devices.allow or devices.deny
 *   as "TYPE MAJOR:MINOR ACCESS"; "a" resets the whole list.
 *   cgroup v2 has no such files: the same list is compiled into a
 *   BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup
 *   (devices_bpf.h), in which the last rule naming a node and an access
 *   decides it.
 *
 * Where the two differ, v1 is the kernel's older model: in "deny all"
 * mode a deny rule only removes an allow rule of exactly the same node
 * (a deny of "c 1:3 w" after an allow of "c *:* rwm" changes nothing),
 * and an open for reading and writing needs one allow rule with both.
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

/* Writes "a *:* rwm" (deny), rules, then the default nodes' rules, into the v1 devices dir. */
int barco_devices_cgroup_v1(const char *dir, const struct barco_device_rule *rules, size_t n,
			    struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The same list (rules, then the default nodes' rules) as a device program
 * attached to the cgroup2 directory dir, replacing barco's earlier one.
 */
int barco_devices_cgroup_v2(const char *dir, const struct barco_device_rule *rules, size_t n,
			    struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* One rule as devices.allow reads it ("c 1:3 rwm", "a *:* rwm") into buf. */
const char *barco_devices_rule_text(const struct barco_device_rule *rule, char *buf, size_t size);
