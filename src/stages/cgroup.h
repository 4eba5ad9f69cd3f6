#pragma once
/*
 * Control groups: one cgroup per container, named after it, under a
 * "barco" parent in every hierarchy barco uses.
 *
 *   v2      /sys/fs/cgroup is cgroup2: memory, cpu and pids limits there.
 *   hybrid  v1 controllers under /sys/fs/cgroup/<controller> and an empty
 *           cgroup2 (usually /sys/fs/cgroup/unified): limits in v1; a cgroup
 *           is also made in the cgroup2 tree, only to give the container an
 *           identity (a cgroup id) that eBPF programs can filter on.
 *   v1      v1 controllers only.
 *
 * Where each hierarchy is mounted is read from mountinfo, not guessed, so
 * combined mounts such as "cpu,cpuacct" work. Every function takes the
 * mountinfo text or the resolved paths, so unit tests drive it with a fake
 * tree in a temporary directory.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

enum barco_cgroup_mode {
	BARCO_CGROUP_UNKNOWN,
	BARCO_CGROUP_V2,
	BARCO_CGROUP_HYBRID,
	BARCO_CGROUP_V1,
	BARCO_CGROUP_NONE, /* rootless without a delegated cgroup: none, and no limits */
};

/* The v1 controllers barco writes limits to. */
enum barco_cgroup_v1_ctrl {
	BARCO_CG_V1_MEMORY,
	BARCO_CG_V1_CPU,
	BARCO_CG_V1_PIDS,
	BARCO_CG_V1_DEVICES, /* OCI linux.resources.devices (stages/devices.h) */
	BARCO_CG_V1_COUNT,
};

/* Where the hierarchies are mounted on this host. Empty string: absent. */
struct barco_cgroup_layout {
	enum barco_cgroup_mode mode;
	char unified_mount[PATH_MAX];		    /* the cgroup2 mount point */
	char v1_mount[BARCO_CG_V1_COUNT][PATH_MAX]; /* per v1 controller */
	char freezer_mount[PATH_MAX];		    /* v1 freezer: pause without limits */
};

/* The distinct directories of one container: cgroup2, each v1 controller, the v1 freezer. */
#define BARCO_CG_PATHS_MAX (BARCO_CG_V1_COUNT + 2)

/* Index of each directory in parents_made (v1 controller c: BARCO_CG_SLOT_V1 + c). */
enum {
	BARCO_CG_SLOT_UNIFIED,
	BARCO_CG_SLOT_FREEZER,
	BARCO_CG_SLOT_V1,
};

/* One container's cgroups: directories that exist while it runs. */
struct barco_cgroup {
	struct barco_cgroup_layout layout;
	char unified_path[PATH_MAX];		   /* "" when not created */
	char v1_path[BARCO_CG_V1_COUNT][PATH_MAX]; /* "" when not created */
	char freezer_path[PATH_MAX];		   /* "" when not created */
	/*
	 * How many of each directory's deepest parents barco made for it
	 * (linux.cgroupsPath only): destroy removes those, if empty, and never
	 * a parent that was there before.
	 */
	uint8_t parents_made[BARCO_CG_PATHS_MAX];
};

/* Limits to write: 0 leaves one as it is, -1 lifts it ("max"). */
struct barco_cgroup_limits {
	int64_t memory_bytes;
	int64_t pids_max;
	uint64_t cpu_weight; /* 1..10000 (v1: converted to cpu.shares) */
	uint64_t cpu_shares; /* 2..262144, when given as such (v2: converted to cpu.weight) */
	/* linux.resources.devices (stages/devices.h); NULL: the device rules stay as they are */
	const struct barco_device_rule *device_rules;
	size_t device_rules_len;
};

const char *barco_cgroup_mode_name(enum barco_cgroup_mode mode);

/* "memory", "cpu", "pids", "devices": a v1 controller's name; "" out of range. */
const char *barco_cgroup_v1_name(size_t ctrl);

/* Parses mountinfo text (the contents of /proc/self/mountinfo). */
int barco_cgroup_layout_parse(const char *mountinfo, struct barco_cgroup_layout *ret,
			      struct barco_err *err) __attribute__((warn_unused_result));

/* Reads /proc/self/mountinfo (once per process) and parses it: the host's hierarchies. */
int barco_cgroup_layout_read_host(struct barco_cgroup_layout *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The hierarchies barco uses: the host's for root; for an ordinary user
 * the cgroup2 directory delegated to them, or none (stages/rootless.h).
 */
int barco_cgroup_layout_detect(struct barco_cgroup_layout *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* cpu.weight (1..10000) to v1 cpu.shares (2..262144). */
uint64_t barco_cgroup_weight_to_shares(uint64_t weight);

/* v1 cpu.shares (2..262144) to cpu.weight (1..10000), as runc and crun convert. */
uint64_t barco_cgroup_shares_to_weight(uint64_t shares);

/*
 * Creates the container's cgroups from layout and writes the limits in cfg.
 * On failure, removes whatever it created and leaves cg empty.
 */
int barco_cgroup_create(const struct barco_cgroup_layout *layout, const char *name,
			const struct barco_config *cfg, struct barco_cgroup *ret_cg,
			struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * clone3(2) with CLONE_INTO_CGROUP (Linux 5.7) and ns_flags: the child
 * starts in the cgroup2 directory cgroup_fd (O_PATH is enough). Returns as
 * fork(2) does; -1 with ENOSYS, E2BIG or EINVAL from a kernel (or a
 * seccomp filter) without it.
 */
pid_t barco_cgroup_clone_into(unsigned long ns_flags, int cgroup_fd);

/* What barco_cgroup_attach leaves out: where the process already is. */
enum {
	BARCO_CG_SKIP_UNIFIED = 1, /* clone3 started it in the cgroup2 directory */
	BARCO_CG_SKIP_V1 = 2,	   /* it joined the v1 directories itself (barco_cgroup_join) */
};

/* Moves pid into every cgroup of cg (writes cgroup.procs) but those skip names. */
int barco_cgroup_attach(const struct barco_cgroup *cg, pid_t pid, unsigned skip,
			struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The container's first process joins its cgroup v1 directories itself.
 * A pid written to cgroup.procs makes the kernel take
 * cgroup_threadgroup_rwsem for writing, which waits for an RCU grace
 * period: 7 to 15 ms on the 2-CPU host of 2026-12-07, for each container
 * (the first write pays; the next ones find the lock already slow). "0"
 * written to a v1 "tasks" file moves the writer's own thread, the one
 * migration done without that lock: 0.2 ms for five hierarchies. A
 * process of one thread, as the child of clone(2) is, moves whole.
 *
 * The runner opens the "tasks" files before the clone (they stay open in
 * the child); the child writes and closes them (barco_cgroup_join_self),
 * still as the runner's user; its part of the userns stage reports them.
 * The kernel checks the credentials the file was opened with, so no
 * privilege is needed in the child. The cgroup2 directory is not among
 * them: clone3(CLONE_INTO_CGROUP) starts the child there, and a thread
 * cannot leave its process's cgroup2 domain alone.
 */
struct barco_cgroup_join {
	int fds[BARCO_CG_PATHS_MAX];
	const char *dirs[BARCO_CG_PATHS_MAX]; /* into the barco_cgroup it was opened from */
	size_t len;
	int errnum;    /* the first failed write's errno, or 0 */
	size_t failed; /* and its index */
};

/* Opens the "tasks" file of each v1 directory of cg; on error none stays open. */
int barco_cgroup_join_open(const struct barco_cgroup *cg, struct barco_cgroup_join *ret,
			   struct barco_err *err) __attribute__((warn_unused_result));

/* In the child: writes "0" to each, then closes them all. */
void barco_cgroup_join_self(struct barco_cgroup_join *j);

/* In the child, after join_self: a report line per directory, or the first failure. */
int barco_cgroup_join_report(const struct barco_cgroup_join *j, struct barco_report *rep,
			     struct barco_err *err) __attribute__((warn_unused_result));

/* Closes what is still open (the runner's copies, after the clone). */
void barco_cgroup_join_close(struct barco_cgroup_join *j);

/*
 * Kills whatever still runs in cg and removes its directories. Idempotent;
 * paths already gone are not errors. Clears cg.
 */
int barco_cgroup_destroy(struct barco_cgroup *cg, struct barco_err *err);

/* Fills cg with the paths the container `name` would have (for delete / reclaim). */
void barco_cgroup_paths_for(const struct barco_cgroup_layout *layout, const char *name,
			    struct barco_cgroup *ret_cg);

/*
 * linux.cgroupsPath (config-linux.md "Cgroups path") into the directories
 * of each hierarchy, as runc 1.1's cgroupfs driver places them:
 *   "/a/b"          ROOT/a/b, ROOT each hierarchy's mount
 *   "a/b"           the caller's own cgroup in that hierarchy (self_cgroup,
 *                   /proc/self/cgroup's text), then a/b; on cgroup v2 its
 *                   parent (runc's fs2: the caller's own cgroup holds
 *                   processes, so no controller can be enabled below it)
 *   "s.slice:p:n"   with is_systemd (--systemd-cgroup): ROOT/s.slice/p-n.scope,
 *                   "a-b.slice" nesting as a.slice/a-b.slice: the path runc's
 *                   systemd driver gets from systemd, made here with
 *                   cgroupfs (barco does not talk to systemd over D-Bus)
 * A "." or ".." component, or the root itself, is refused; errors start
 * with "linux.cgroupsPath: ".
 */
int barco_cgroup_paths_from(const struct barco_cgroup_layout *layout, const char *cgroups_path,
			    bool is_systemd, const char *self_cgroup, struct barco_cgroup *ret_cg,
			    struct barco_err *err) __attribute__((warn_unused_result));

/*
 * Writes limits to the cgroups of a container that exists (`update`): the
 * same files create writes, memory+swap kept equal to memory on v1; device
 * rules replace the list (v1: written again from "deny all"; v2: a new
 * device program attached, then the old one detached).
 */
int barco_cgroup_update(const struct barco_cgroup *cg, const struct barco_cgroup_limits *limits,
			struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Freezes (is_frozen) or thaws every process of cg, as `pause` and `resume`:
 * the v1 freezer where it is mounted (hybrid and v1 hosts, as runc), else
 * cgroup2's cgroup.freeze. Returns once the kernel says the whole cgroup is
 * frozen (or thawed); ETIMEDOUT after a few seconds.
 */
int barco_cgroup_freeze(const struct barco_cgroup *cg, bool is_frozen, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Whether cg is frozen (or freezing); false when it has no freezer. */
bool barco_cgroup_is_frozen(const struct barco_cgroup *cg);

/* How many processes of cg the OOM killer killed; -1 when unknown. */
long barco_cgroup_oom_kills(const struct barco_cgroup *cg);

/* The cgroup id (inode of the cgroup2 directory), for eBPF filtering; 0 if none. */
uint64_t barco_cgroup_id(const struct barco_cgroup *cg);
