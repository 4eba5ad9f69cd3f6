/*
 * barco verify's rows: each forbidden action, the layer expected to stop
 * it, how its result is read and where the kernel's evidence of it is.
 *
 * Every row runs through the static test helper (probes/barco-testhelper.c)
 * under a name of its own, v-ROW, so that its processes carry their own comm
 * and the events sort themselves into rows. Most rows are one of three
 * kinds, each written by a macro: a call that barco's seccomp filter
 * refuses (TRY), a call that fails for want of a capability (TRY_CAP), and
 * a write to a /proc path that barco mounts read-only (WRITE_MASKED). The
 * other rows are spelt out.
 */
#include "verify/verify.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "stages/cgroup.h"

/* clang-format off */
/* A row's syscalls (where its evidence is) as one argument of the macros below. */
#define SYS(...) __VA_ARGS__

/* The helper's "try KEY", refused by barco's seccomp filter. */
#define TRY(id_, action_, key_, sys_)                                                           \
	{.id = (id_), .action = (action_), .layer = BARCO_VERIFY_LAYER_SECCOMP,                 \
	 .comm = "v-" id_, .shell = "v-" id_ " try " key_,                                      \
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = (key_), .syscalls = {sys_}, .cap = -1}

/* The helper's "try KEY", failing with EPERM because the capability cap_ is not held. */
#define TRY_CAP(id_, action_, key_, sys_, cap_)                                                 \
	{.id = (id_), .action = (action_), .layer = BARCO_VERIFY_LAYER_CAPABILITY,              \
	 .comm = "v-" id_, .shell = "v-" id_ " try " key_,                                      \
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = (key_), .syscalls = {sys_},                \
	 .cap = (cap_), .expect = EPERM}

/* The helper's "write PATH [VALUE]" into a read-only /proc path: EROFS at open. */
#define WRITE_MASKED(id_, action_, args_, needs_)                                               \
	{.id = (id_), .action = (action_), .layer = BARCO_VERIFY_LAYER_MASK,                    \
	 .comm = "v-" id_, .shell = "v-" id_ " write " args_,                                   \
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = "write",                                   \
	 .syscalls = {"openat", "open"}, .cap = -1, .expect = EROFS, .needs = (needs_)}

const struct barco_verify_row barco_verify_rows[] = {
	TRY("mount", "mount(\"tmpfs\", \"/tmp/...\", \"tmpfs\")", "mount", SYS("mount")),
	TRY("umount", "umount2(\"/proc/sys\", MNT_DETACH)", "umount", SYS("umount2")),
	TRY("unshare", "unshare(CLONE_NEWUSER)", "unshare-user", SYS("unshare")),
	TRY("clone", "clone(CLONE_NEWUSER|SIGCHLD)", "clone-user", SYS("clone")),
	TRY("clone3", "clone3() (flags out of seccomp's sight)", "clone3", SYS("clone3")),
	TRY("keyctl", "add_key(\"user\", ...) (kernel keyring)", "keyctl", SYS("add_key")),
	TRY("ptrace", "ptrace(PTRACE_ATTACH, child)", "ptrace", SYS("ptrace")),
	TRY("bpf", "bpf(BPF_MAP_CREATE)", "bpf", SYS("bpf")),
	TRY("perf", "perf_event_open(cpu-clock, self)", "perf_event_open", SYS("perf_event_open")),
	TRY("userfaultfd", "userfaultfd(O_CLOEXEC)", "userfaultfd", SYS("userfaultfd")),
	TRY("init_module", "init_module(NULL, 0, \"\")", "init_module", SYS("init_module")),
	TRY("reboot", "reboot(MAGIC1, MAGIC2, unknown command)", "reboot", SYS("reboot")),
	TRY("swapon", "swapon(\"/nonexistent\", 0)", "swapon", SYS("swapon")),
	TRY("settime", "clock_settime(CLOCK_REALTIME, now)", "settimeofday",
	    SYS("clock_settime", "settimeofday")),
	TRY("chmod_suid", "chmod(file, 04755) (set-user-ID bit)", "chmod_suid",
	    SYS("chmod", "fchmodat")),
	TRY("open_handle", "open_by_handle_at(\"/\" handle)", "open_by_handle_at",
	    SYS("open_by_handle_at")),
	TRY("sethostname", "sethostname(current name)", "sethostname", SYS("sethostname")),
	TRY_CAP("sched_fifo", "sched_setscheduler(0, SCHED_FIFO)", "sched_fifo",
		SYS("sched_setscheduler"), CAP_SYS_NICE),
	TRY_CAP("rlimit", "setrlimit(RLIMIT_NOFILE, hard limit + 1)", "rlimit_raise",
		SYS("prlimit64", "setrlimit"), CAP_SYS_RESOURCE),
	TRY_CAP("mknod", "mknod(\"/tmp/...\", S_IFBLK, 8:0)", "mknod_block",
		SYS("mknodat", "mknod"), CAP_MKNOD),
	/* busybox's ifconfig, not the helper: its exit status and message are the result. */
	{.id = "net_admin", .action = "ifconfig lo up (ioctl SIOCSIFFLAGS)",
	 .layer = BARCO_VERIFY_LAYER_CAPABILITY, .comm = "ifconfig", .shell = "ifconfig lo up 2>&1",
	 .outcome = BARCO_VERIFY_OUTCOME_STATUS, .syscalls = {"ioctl"}, .cap = CAP_NET_ADMIN,
	 .expect = EPERM},
	{.id = "kill_host", .action = "kill(barco's host pid, 0)",
	 .layer = BARCO_VERIFY_LAYER_NAMESPACE, .comm = "v-kill_host",
	 .shell = "v-kill_host try kill_host {pid}",
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = "kill_host", .syscalls = {"kill"},
	 .cap = -1, .expect = ESRCH},
	WRITE_MASKED("sysrq", "write /proc/sysrq-trigger", "/proc/sysrq-trigger",
		     "/proc/sysrq-trigger"),
	WRITE_MASKED("proc_sys", "write /proc/sys/kernel/hostname", "/proc/sys/kernel/hostname x",
		     NULL),
	/* Nothing to trace: the evidence is the mask's own line in mountinfo. */
	{.id = "keys", .action = "read /proc/keys (the host's keys)",
	 .layer = BARCO_VERIFY_LAYER_MASK, .comm = "v-keys",
	 .shell = "v-keys read /proc/keys | wc -c; grep ' /proc/keys ' /proc/self/mountinfo",
	 .outcome = BARCO_VERIFY_OUTCOME_BYTES, .cap = -1, .needs = "/proc/keys",
	 .evidence_label = "mountinfo"},
	{.id = "memory", .action = "allocate 256 MiB under --memory 64M",
	 .layer = BARCO_VERIFY_LAYER_CGROUP, .comm = "v-memory",
	 .shell = "v-memory memhog 256 >/dev/null", .outcome = BARCO_VERIFY_OUTCOME_STATUS,
	 .cap = -1},
	{.id = "pids", .action = "fork 64 processes under --pids 32",
	 .layer = BARCO_VERIFY_LAYER_CGROUP, .comm = "v-pids", .shell = "v-pids forkbomb 64",
	 .outcome = BARCO_VERIFY_OUTCOME_KEY, .key = "fork_error", .syscalls = {"clone", "fork"},
	 .cap = -1, .expect = EAGAIN},
};
/* clang-format on */

const size_t barco_verify_rows_len = ARRAY_LEN(barco_verify_rows);

_Static_assert(ARRAY_LEN(barco_verify_rows) <= BARCO_VERIFY_ROWS_MAX,
	       "more rows than BARCO_VERIFY_ROWS_MAX");

static const char *const layer_names[] = {
	[BARCO_VERIFY_LAYER_SECCOMP] = "seccomp",
	[BARCO_VERIFY_LAYER_CAPABILITY] = "capability",
	[BARCO_VERIFY_LAYER_NAMESPACE] = "namespace",
	[BARCO_VERIFY_LAYER_CGROUP] = "cgroup",
	[BARCO_VERIFY_LAYER_MASK] = "masked mount",
	[BARCO_VERIFY_LAYER_USERNS] = "user namespace",
	[BARCO_VERIFY_LAYER_ROOT] = "new root",
};

const char *barco_verify_layer_name(enum barco_verify_layer layer)
{
	return layer_names[layer];
}

bool barco_verify_has_cgroup(void)
{
	struct barco_cgroup_layout layout;
	struct barco_err ignored;

	return barco_cgroup_layout_detect(&layout, &ignored) == 0 &&
	       layout.mode != BARCO_CGROUP_NONE;
}

bool barco_verify_is_skipped(const struct barco_verify_row *row)
{
	return (row->needs && access(row->needs, F_OK) < 0) ||
	       (row->layer == BARCO_VERIFY_LAYER_CGROUP && !barco_verify_has_cgroup());
}

const struct barco_verify_row *barco_verify_row_by_id(const char *id)
{
	for (size_t i = 0; i < barco_verify_rows_len; i++)
		if (strcmp(barco_verify_rows[i].id, id) == 0)
			return &barco_verify_rows[i];
	return NULL;
}

size_t barco_verify_rows_of_layer(enum barco_verify_layer layer,
				  const struct barco_verify_row **sel)
{
	size_t n = 0;

	for (size_t i = 0; i < barco_verify_rows_len; i++)
		if (barco_verify_rows[i].layer == layer &&
		    !barco_verify_is_skipped(&barco_verify_rows[i]))
			sel[n++] = &barco_verify_rows[i];
	return n;
}
