#pragma once
/*
 * An OCI bundle's config.json (runtime-spec 1.1, config.md and
 * config-linux.md), read with json-c into what barco can apply. Every value
 * is type-checked; a key barco does not know is ignored (the spec allows
 * extensions); a value barco cannot apply is an error that names its JSON
 * path: "linux.namespaces[2].type: unknown namespace type "foo"". Strings
 * point into the parsed JSON, which the spec owns: they live until
 * barco_oci_spec_free().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "base/config.h"
#include "base/err.h"
#include "runtime/oci_hooks.h"

/* Bounds on what a hostile config.json can make barco allocate. */
#define BARCO_OCI_FILE_MAX   (4u << 20) /* bytes of config.json */
#define BARCO_OCI_ARRAY_MAX  1024	/* entries of any one array */
#define BARCO_OCI_GROUPS_MAX 64		/* process.user.additionalGids */

struct barco_cgroup;
struct barco_mount_def;
struct barco_oci_seccomp;

enum barco_oci_ns {
	BARCO_OCI_NS_PID,
	BARCO_OCI_NS_NETWORK,
	BARCO_OCI_NS_MOUNT,
	BARCO_OCI_NS_IPC,
	BARCO_OCI_NS_UTS,
	BARCO_OCI_NS_USER,
	BARCO_OCI_NS_CGROUP,
	BARCO_OCI_NS_TIME,
	BARCO_OCI_NS_COUNT,
};

/* The capability sets of process.capabilities, in capabilities(7)'s order. */
enum barco_oci_capset {
	BARCO_OCI_CAPS_BOUNDING,
	BARCO_OCI_CAPS_EFFECTIVE,
	BARCO_OCI_CAPS_INHERITABLE,
	BARCO_OCI_CAPS_PERMITTED,
	BARCO_OCI_CAPS_AMBIENT,
	BARCO_OCI_CAPS_COUNT,
};

struct barco_oci_namespace {
	bool is_listed;	  /* create it (or join path) */
	const char *path; /* NULL: a new namespace; else setns(2) into it */
};

struct barco_oci_mount {
	const char *destination;   /* absolute, inside the container */
	const char *type;	   /* "" when not given (a bind mount) */
	const char *source;	   /* "" when not given */
	unsigned long flags;	   /* MS_* from the options */
	unsigned long propagation; /* MS_PRIVATE, MS_SHARED… (| MS_REC); 0: none */
	char *data;		   /* the options that are not flags, comma-joined; "" */
	bool is_copy_up;	   /* "tmpcopyup" (runc's): a tmpfs starts with what it covers */
};

struct barco_oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct barco_oci_spec {
	struct json_object *json; /* owns every string below */
	const char *oci_version;

	const char *root_path; /* as written: absolute, or relative to the bundle */
	bool is_root_readonly;

	char **args; /* NULL-terminated, never empty */
	size_t args_len;
	const char **env; /* NULL-terminated, exactly as given */
	size_t env_len;
	const char *cwd; /* absolute */
	uid_t uid;
	gid_t gid;
	gid_t additional_gids[BARCO_OCI_GROUPS_MAX];
	size_t additional_gids_len;
	bool has_umask;
	mode_t umask;
	uint64_t caps[BARCO_OCI_CAPS_COUNT]; /* bit N: capability N */
	bool is_no_new_privileges;
	bool is_terminal;
	struct barco_oci_rlimit rlimits[RLIM_NLIMITS];
	size_t rlimits_len;

	const char *hostname; /* NULL when not given */
	struct barco_oci_mount *mounts;
	size_t mounts_len;

	struct barco_oci_namespace ns[BARCO_OCI_NS_COUNT];
	struct barco_idmap uidmap[BARCO_IDMAP_MAX];
	size_t uidmap_len;
	struct barco_idmap gidmap[BARCO_IDMAP_MAX];
	size_t gidmap_len;
	const char **masked_paths;
	size_t masked_paths_len;
	const char **readonly_paths;
	size_t readonly_paths_len;
	struct barco_sysctl *sysctl;
	size_t sysctl_len;
	const char *cgroups_path;	 /* NULL when not given */
	int64_t memory_limit_bytes;	 /* 0: no limit (the spec's -1 too) */
	int64_t pids_limit;		 /* 0: no limit (the spec's -1 and 0 too) */
	uint64_t cpu_shares;		 /* 0: not set */
	struct json_object *annotations; /* an object of strings, or NULL */

	/* linux.seccomp compiled (oci_seccomp.h), or NULL */
	struct barco_oci_seccomp *seccomp;
	/* linux.devices and linux.resources.devices (oci_devices.h); NULL when absent */
	struct barco_device *devices;
	size_t devices_len;
	struct barco_device_rule *device_rules;
	size_t device_rules_len;

	struct barco_oci_hooks hooks; /* "hooks" (oci_hooks.h); all empty when absent */
	/* linux.cgroupsPath placed on this host (barco_oci_config_load); NULL: not given */
	struct barco_cgroup *cgroup_want;

	struct barco_mount_def
		*mount_rows; /* mounts as the mounts stage reads them (oci_config.c) */
};

/*
 * Parses config.json text (len bytes, no NUL needed) into *ret, to be freed
 * with barco_oci_spec_free(). On failure err says which JSON path holds
 * what barco cannot apply, and *ret is untouched.
 */
int barco_oci_spec_parse(const char *text, size_t len, struct barco_oci_spec **ret,
			 struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Reads BUNDLE/config.json and parses it; resolves root.path against the
 * bundle into rootfs (size bytes): a relative root.path that leads out of
 * the bundle, through ".." or a symbolic link, is an error. Errors start
 * with "config.json: ".
 */
int barco_oci_spec_load(const char *bundle, struct barco_oci_spec **ret, char *rootfs, size_t size,
			struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Parses a process.json (the "process" object of config.json alone, what
 * `exec --process FILE` reads) into *ret: only the process fields are set.
 * Errors name the JSON path under "process".
 */
int barco_oci_process_parse(const char *text, size_t len, struct barco_oci_spec **ret,
			    struct barco_err *err) __attribute__((warn_unused_result));

/* linux.resources as `update --resources` gives them: what is not given is 0. */
struct barco_oci_resources {
	int64_t memory_limit; /* bytes; -1: no limit */
	int64_t pids_limit;   /* -1: no limit (any negative value, as runc) */
	uint64_t cpu_shares;  /* 2..262144 */
	/* devices: the whole new rule list (barco_oci_resources_free); NULL: not given */
	struct barco_device_rule *device_rules;
	size_t device_rules_len;
};

/*
 * Parses a LinuxResources JSON document (`update --resources FILE`) into
 * *ret: memory.limit, pids.limit, cpu.shares, devices; other keys are
 * ignored. Free with barco_oci_resources_free.
 */
int barco_oci_resources_parse(const char *text, size_t len, struct barco_oci_resources *ret,
			      struct barco_err *err) __attribute__((warn_unused_result));

void barco_oci_resources_free(struct barco_oci_resources *res);

void barco_oci_spec_free(struct barco_oci_spec *spec);

/* "pid", "network"…: the namespace type names of config-linux.md; NULL when out of range. */
const char *barco_oci_ns_name(enum barco_oci_ns ns);

/*
 * Writes DIR/config.json describing what `barco run` does by default (its
 * mount table, masked and read-only paths, capability allowlist,
 * namespaces and id maps), with "sh" as the command and "rootfs" as the
 * root, like `runc spec`. An existing config.json is left alone (EEXIST).
 * is_rootless: as `runc spec --rootless`, for an ordinary user's
 * container: root inside is the caller (the single-id maps "0 UID 1" and
 * "0 GID 1"), no network namespace, and /sys a read-only bind of the
 * host's instead of a sysfs mount.
 */
int barco_oci_spec_write_default(const char *dir, bool is_rootless, struct barco_err *err)
	__attribute__((warn_unused_result));
