#pragma once
/*
 * The parsed command line: everything a container needs, validated before
 * anything is created on the host. It travels by pointer; nothing here is
 * global.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"

#define BARCO_NAME_MAX	   64 /* podman's container ids are 64 hex digits */
#define BARCO_HOSTNAME_MAX 64
#define BARCO_IDMAP_MAX	   8
#define BARCO_ENV_MAX	   256
#define BARCO_RLIMITS_MAX  16 /* RLIM_NLIMITS */
#define BARCO_NS_JOIN_MAX  4  /* network, IPC, UTS, cgroup: the ones barco joins by path */
#define BARCO_GROUPS_MAX   64 /* supplementary groups (OCI process.user.additionalGids) */
#define BARCO_PORTS_MAX	   16

struct barco_mount_def;
struct barco_oci_hooks;
struct barco_cgroup;

/* A sysctl: "net.ipv4.ip_forward" is /proc/sys/net/ipv4/ip_forward. */
struct barco_sysctl {
	const char *key;
	const char *value;
};

/* --net=MODE: which network the container gets (stages/net.c). */
enum barco_net_mode {
	BARCO_NET_NONE,	  /* a new network namespace with only lo (the default) */
	BARCO_NET_HOST,	  /* no network namespace of its own: the host's */
	BARCO_NET_NS,	  /* an existing network namespace: net_ns_path */
	BARCO_NET_BRIDGE, /* a new one, with a veth pair to the bridge barco0 */
	BARCO_NET_SLIRP,  /* a new one, with a tap device served by slirp4netns (rootless) */
};

struct barco_idmap {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

enum barco_seccomp_mode {
	BARCO_SECCOMP_DEFAULT,
	BARCO_SECCOMP_UNCONFINED,
	BARCO_SECCOMP_PROFILE, /* an OCI bundle's linux.seccomp, compiled: seccomp_program */
};

struct sock_filter;

/* A device node the mounts stage makes (OCI linux.devices). */
struct barco_device {
	const char *path; /* absolute, under /dev */
	mode_t mode;	  /* S_IFCHR, S_IFBLK or S_IFIFO | permission bits */
	unsigned int major;
	unsigned int minor;
	uid_t uid;
	gid_t gid;
};

/* A rule of the devices cgroup (OCI linux.resources.devices), in order. */
struct barco_device_rule {
	bool is_allow;
	char type;	/* 'a' (all), 'c' or 'b' */
	int64_t major;	/* -1: any */
	int64_t minor;	/* -1: any */
	char access[4]; /* a subset of "rwm" */
};

struct barco_config {
	char name[BARCO_NAME_MAX + 1];
	char hostname[BARCO_HOSTNAME_MAX + 1];
	char rootfs[4096]; /* absolute, resolved; the default rootfs when none given */
	bool is_default_rootfs;

	bool is_userns_host; /* --userns=host: no user namespace, asked for explicitly */
	struct barco_idmap uidmap[BARCO_IDMAP_MAX];
	size_t uidmap_len;
	struct barco_idmap gidmap[BARCO_IDMAP_MAX];
	size_t gidmap_len;
	uid_t uid; /* identity inside the container */
	gid_t gid;

	uint64_t memory_max_bytes; /* 0: no limit */
	uint64_t cpu_weight;	   /* 1..10000 (cgroup v2 scale); 0: not set */
	uint64_t cpu_shares;	   /* OCI's cpu.shares, written as such on v1; 0: not set */
	int64_t pids_max;	   /* 0: no limit */

	const char *env[BARCO_ENV_MAX + 1]; /* "K=V", NULL-terminated, defaults filled in */
	size_t env_len;
	char hostname_env[BARCO_HOSTNAME_MAX + 10]; /* "HOSTNAME=…", pointed to by env */
	const char *workdir;			    /* inside the container; "/" by default */

	enum barco_net_mode net_mode;
	const char *net_ns_path;    /* BARCO_NET_NS: the namespace file (/run/netns/X) */
	struct barco_port {	    /* -p: published ports (bridge, slirp4netns) */
		uint32_t host_addr; /* IPv4, network order; 0: every local address */
		uint16_t host_port;
		uint16_t container_port;
		bool is_udp;
	} ports[BARCO_PORTS_MAX];
	size_t ports_len;

	uint64_t caps_add; /* bit N: capability N */
	uint64_t caps_drop;
	enum barco_seccomp_mode seccomp;
	bool is_trace;	    /* --trace: eBPF evidence of what was denied, after the command exits */
	bool is_trace_json; /* --json with --trace: that report as one JSON object */
	bool is_init;	    /* --init: barco's init is pid 1, the command its child */
	bool is_terminal;   /* -t (or process.terminal): the command's terminal is a pty of
			     * the container's devpts; its master goes to the runner's relay,
			     * or to console_socket */
	int lesson_skip;    /* --lesson-skip: runtime/lesson_skip.h's enum; 0: nothing left out */
	bool is_lesson_chroot; /* --lesson-skip=pivot_root: chroot(".") instead of pivot_root */

	char *const *argv;  /* the command, NULL-terminated, never empty */
	char *seed_argv[3]; /* the seed form's -c CMD -a ARG, as an argv */

	/*
	 * From an OCI bundle (--bundle; runtime/oci_config.c maps config.json
	 * here). Zero values keep barco's own defaults, so the stages read one
	 * struct whichever front door filled it.
	 */
	const char *bundle; /* the bundle directory, or NULL */
	const struct barco_oci_hooks
		*hooks; /* config.json's "hooks" (runtime/oci_hooks.h), or NULL */
	/* linux.cgroupsPath resolved (stages/cgroup.h); NULL: barco/NAME in each hierarchy */
	const struct barco_cgroup *cgroup_want;
	bool is_systemd_cgroup; /* --systemd-cgroup: cgroupsPath is "slice:prefix:name" */
	bool is_env_exact;	/* env as given: no PATH, HOME, TERM, HOSTNAME added */
	unsigned long ns_flags; /* CLONE_NEW* the namespaces stage unshares; 0: barco's set */
	struct barco_ns_join {
		int nstype;	      /* CLONE_NEWNET…: setns(2) checks the file is one */
		const char *path;     /* a namespace file: /proc/PID/ns/net, /run/netns/NAME */
	} ns_join[BARCO_NS_JOIN_MAX]; /* joined by the namespaces stage, before unshare */
	size_t ns_join_len;
	bool has_caps_exact;	 /* caps_exact replaces the allowlist (+ add - drop) */
	uint64_t caps_exact;	 /* bit N: capability N */
	bool is_rootfs_readonly; /* / remounted read-only at the end of the mounts stage */
	bool is_oci_create;	 /* `barco create`: the exec stage waits on exec.fifo for start */
	const char *console_socket; /* `barco create --console-socket`: the pty master goes there */
	bool has_umask;		    /* umask set by the exec stage (process.user.umask) */
	mode_t umask;
	const struct barco_mount_def *mounts; /* NULL: barco's table (stages/mount.h) */
	size_t mounts_len;
	const char *const *masked_paths; /* NULL: barco's list */
	size_t masked_paths_len;
	const char *const *readonly_paths; /* NULL: barco's list */
	size_t readonly_paths_len;
	const struct barco_sysctl
		*sysctls; /* written by the mounts stage, before /proc/sys goes read-only */
	size_t sysctls_len;
	const struct barco_device *devices; /* made in /dev by the mounts stage */
	size_t devices_len;
	const struct barco_device_rule *device_rules; /* NULL: no devices cgroup rules */
	size_t device_rules_len;
	gid_t groups[BARCO_GROUPS_MAX]; /* supplementary groups, set by the caps stage */
	size_t groups_len;
	bool is_new_privs_allowed; /* process.noNewPrivileges false: no PR_SET_NO_NEW_PRIVS */
	const struct sock_filter *seccomp_program; /* BARCO_SECCOMP_PROFILE's filter */
	size_t seccomp_program_len;
	unsigned int seccomp_flags;   /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	char *const *seccomp_skipped; /* unknown syscall names, warned about (oci_config.h) */
	size_t seccomp_skipped_len;
	const char *seccomp_cache_file; /* the program was compiled before, kept there; or NULL */
	/* SCMP_ACT_NOTIFY: the seccomp agent's socket (NULL: no rule notifies), its metadata */
	const char *seccomp_listener_path;
	const char *seccomp_listener_metadata;
	const char *annotations_json; /* config.json's annotations, for the agent; or NULL */
	struct barco_rlimit {
		int resource; /* RLIMIT_*: set by the exec stage, before execve */
		uint64_t soft;
		uint64_t hard;
	} rlimits[BARCO_RLIMITS_MAX];
	size_t rlimits_len;
};

/* The PATH a container gets when none is given ("PATH=…"). */
extern const char barco_default_path_env[];

/* Fills the defaults that do not depend on the command line. */
void barco_config_init(struct barco_config *cfg);

/* Copies src into dst; an error naming what when it does not fit. */
int barco_config_copy_string(char *dst, size_t size, const char *src, const char *what,
			     struct barco_err *err) __attribute__((warn_unused_result));

/* Adds "KEY=VALUE" (checked) to the environment; a later KEY replaces an earlier one. */
int barco_config_add_env(struct barco_config *cfg, const char *kv, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Fills defaults (name, hostname, maps, environment) and checks what
 * depends on more than one option: the uid and gid must lie inside the
 * maps, the rootfs must be a directory (an empty rootfs means the default
 * one, which the caller creates on first use).
 */
int barco_config_finish(struct barco_config *cfg, struct barco_err *err)
	__attribute__((warn_unused_result));
