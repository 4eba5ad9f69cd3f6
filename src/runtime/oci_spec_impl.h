#pragma once
/* The parts of the OCI spec reader, one per section of config.json (private to it). */
#include "runtime/oci_json.h"
#include "runtime/oci_spec.h"

/* process: args, env, cwd, user, capabilities, rlimits, noNewPrivileges, terminal. */
int barco_oci_parse_process(struct barco_oci_spec *spec, struct barco_err *err)
	__attribute__((warn_unused_result));

/* mounts, with their options split into flags, propagation and data. */
int barco_oci_parse_mounts(struct barco_oci_spec *spec, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Appends the option words of flags (MS_*) to arr: the reading table, walked the other way. */
int barco_oci_mount_flag_words(unsigned long flags, struct json_object *arr);

/* linux: namespaces, id mappings, masked and read-only paths, sysctl, cgroups. */
int barco_oci_parse_linux(struct barco_oci_spec *spec, struct barco_err *err)
	__attribute__((warn_unused_result));

/* A LinuxResources object at path (memory.limit, pids.limit, cpu.shares) into *ret. */
int barco_oci_parse_resources(struct json_object *res, const char *path,
			      struct barco_oci_resources *ret, struct barco_err *err)
	__attribute__((warn_unused_result));
