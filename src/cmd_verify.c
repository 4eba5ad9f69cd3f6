/*
 * barco verify: forbidden actions inside a default container, each with the
 * kernel's evidence (from the --trace programs) of the layer that stopped
 * it, then positive controls proving the evidence is not vacuous.
 *
 * The actions run through the static test helper (probes/barco-testhelper.c)
 * in a private rootfs, $BARCO_HOME/verify-rootfs: a busybox rootfs like the
 * default one, plus the helper, made on first use (the helper is refreshed
 * when it changed). The helper is reached through symlinks named v-ROW, so
 * each row's processes carry their own comm and the events sort themselves
 * into rows. The container is the default one with --memory 64M and
 * --pids 32 added, so that the cgroup rows have a limit to hit.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "cmd.h"
#include "exec.h"
#include "log.h"
#include "rootfs.h"
#include "state.h"
#include "trace.h"
#include "util.h"

#define MAPPED_ROOT	100000 /* container root with the default map (0:100000:65536) */
#define VERIFY_MEMORY	(64ull << 20)
#define VERIFY_PIDS	32
#define HELPER_IN_ROOT	"bin/barco-testhelper"
#define OUTPUT_MAX	((size_t)256 << 10)
#define EVIDENCE_MAX	640
#define FOUND_MAX	16
#define VERIFY_EXIT_BAD 1 /* an action was not stopped, or not by its layer */
#define VERIFY_HELP	1

static const char verify_usage[] =
	"Usage: barco verify [--json] [--helper PATH] [-v] [-q]\n"
	"\n"
	"Runs forbidden actions inside a default container (plus --memory 64M and\n"
	"--pids 32) and shows, for each, what it returned and the kernel's eBPF\n"
	"evidence of the layer that stopped it: seccomp, capability, namespace,\n"
	"cgroup or masked mount. Then two positive controls: with --seccomp=unconfined\n"
	"the seccomp rows must move to another layer or succeed, and with --cap-add\n"
	"NET_ADMIN the network row must succeed.\n"
	"\n"
	"  --json          one JSON object\n"
	"  --helper PATH   the static test helper (default: barco-testhelper next to barco)\n"
	"\n"
	"The actions run in $BARCO_HOME/verify-rootfs (default /var/lib/barco/verify-rootfs),\n"
	"a busybox rootfs with the helper, made on first use.\n"
	"Exit status: 0 when every action was stopped by its expected layer and both\n"
	"controls passed; 1 otherwise; 125 for barco's own errors.\n";

enum layer { LAYER_SECCOMP, LAYER_CAPABILITY, LAYER_NAMESPACE, LAYER_CGROUP, LAYER_MASK };

static const char *const layer_names[] = {"seccomp", "capability", "namespace", "cgroup",
					  "masked mount"};

/* How a row's result is read from what the helper printed. */
enum outcome {
	OUTCOME_KEY,	/* "KEY=ok" or "KEY=E…" */
	OUTCOME_STATUS, /* the exit status: 0 ok, 137 SIGKILL */
	OUTCOME_BYTES,	/* a byte count (wc -c): 0 means nothing leaked */
};

struct row {
	const char *id;
	const char *action;
	enum layer layer;
	const char *comm;  /* the process name its events carry */
	const char *shell; /* the row's command line in the container */
	bool takes_pid;	   /* barco's own pid (a host pid) is appended */
	enum outcome outcome;
	const char *key;
	const char *syscalls[2]; /* where its evidence is; NULL-padded */
	int cap;		 /* capability rows: the capability expected */
	int expect;		 /* failure rows: the errno expected */
	const char *needs;	 /* a host path without which the row is skipped */
};

/* clang-format off */
#define TRY(id_, action_, key_, sys_) \
	{id_, action_, LAYER_SECCOMP, "v-" id_, "v-" id_ " try " key_, false, OUTCOME_KEY, key_, sys_, -1, 0, NULL}
#define SYS(...) {__VA_ARGS__}

static const struct row rows[] = {
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
	{"sched_fifo", "sched_setscheduler(0, SCHED_FIFO)", LAYER_CAPABILITY, "v-sched_fifo",
	 "v-sched_fifo try sched_fifo", false, OUTCOME_KEY, "sched_fifo", SYS("sched_setscheduler"),
	 CAP_SYS_NICE, EPERM, NULL},
	{"rlimit", "setrlimit(RLIMIT_NOFILE, hard limit + 1)", LAYER_CAPABILITY, "v-rlimit",
	 "v-rlimit try rlimit_raise", false, OUTCOME_KEY, "rlimit_raise",
	 SYS("prlimit64", "setrlimit"), CAP_SYS_RESOURCE, EPERM, NULL},
	{"mknod", "mknod(\"/tmp/...\", S_IFBLK, 8:0)", LAYER_CAPABILITY, "v-mknod",
	 "v-mknod try mknod_block", false, OUTCOME_KEY, "mknod_block", SYS("mknodat", "mknod"),
	 CAP_MKNOD, EPERM, NULL},
	{"net_admin", "ifconfig lo up (ioctl SIOCSIFFLAGS)", LAYER_CAPABILITY, "ifconfig",
	 "ifconfig lo up 2>&1", false, OUTCOME_STATUS, NULL, SYS("ioctl"), CAP_NET_ADMIN, EPERM,
	 NULL},
	{"kill_host", "kill(barco's host pid, 0)", LAYER_NAMESPACE, "v-kill_host",
	 "v-kill_host try kill_host", true, OUTCOME_KEY, "kill_host", SYS("kill"), -1, ESRCH, NULL},
	{"sysrq", "write /proc/sysrq-trigger", LAYER_MASK, "v-sysrq",
	 "v-sysrq write /proc/sysrq-trigger", false, OUTCOME_KEY, "write", SYS("openat", "open"), -1,
	 EROFS, "/proc/sysrq-trigger"},
	{"proc_sys", "write /proc/sys/kernel/hostname", LAYER_MASK, "v-proc_sys",
	 "v-proc_sys write /proc/sys/kernel/hostname x", false, OUTCOME_KEY, "write",
	 SYS("openat", "open"), -1, EROFS, NULL},
	{"keys", "read /proc/keys (the host's keys)", LAYER_MASK, "v-keys",
	 "v-keys read /proc/keys | wc -c; grep ' /proc/keys ' /proc/self/mountinfo", false,
	 OUTCOME_BYTES, NULL, SYS(NULL), -1, 0, "/proc/keys"},
	{"memory", "allocate 256 MiB under --memory 64M", LAYER_CGROUP, "v-memory",
	 "v-memory memhog 256 >/dev/null", false, OUTCOME_STATUS, NULL, SYS(NULL), -1, 0, NULL},
	{"pids", "fork 64 processes under --pids 32", LAYER_CGROUP, "v-pids",
	 "v-pids forkbomb 64", false, OUTCOME_KEY, "fork_error", SYS("clone", "fork"), -1, EAGAIN,
	 NULL},
};
/* clang-format on */

struct verify_opts {
	bool is_json;
	int verbosity;
	char helper[PATH_MAX];
	char rootfs[PATH_MAX];
};

/* One row's outcome in one container. */
struct row_result {
	bool is_skipped;
	bool is_stopped;
	char returned[64];
	char evidence[EVIDENCE_MAX];
	const char *verdict; /* "pass", "FAIL", "skip", "unproven" */
};

/* One container: its output and the tracer's result. */
struct run {
	struct barco_trace_result *trace;
	char *output;
	int status;
};

static void run_free(struct run *r)
{
	free(r->trace);
	free(r->output);
	memset(r, 0, sizeof(*r));
}

/* ---- the rootfs and the helper -------------------------------------------------------- */

static int read_file(const char *path, char **ret, size_t *ret_len, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0)
		return barco_err_errno(err, "open %s", path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return barco_err_errno(err, "reading %s", path);
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		return barco_err_set(err, EIO, "short read of %s", path);
	}
	*ret = buf;
	*ret_len = (size_t)st.st_size;
	return 0;
}

static bool same_content(const char *path, const char *data, size_t len)
{
	cleanup_free char *old = NULL;
	struct barco_err ignored;
	size_t old_len = 0;

	return read_file(path, &old, &old_len, &ignored) == 0 && old && data && old_len == len &&
	       memcmp(old, data, len) == 0;
}

/* Copies the helper into the rootfs (only when it changed), owned by container root. */
static int install_helper(const char *rootfs, const char *helper, struct barco_err *err)
{
	cleanup_free char *data = NULL;
	char dest[PATH_MAX + 32], tmp[PATH_MAX + 48];
	cleanup_close int fd = -1;
	size_t len = 0;

	(void)snprintf(dest, sizeof(dest), "%s/" HELPER_IN_ROOT, rootfs);
	if (read_file(helper, &data, &len, err) < 0)
		return barco_err_wrap(err, "the test helper (build it: make bin/barco-testhelper)");
	if (same_content(dest, data, len))
		return 0;
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dest, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return barco_err_errno(err, "open %s", tmp);
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, MAPPED_ROOT, MAPPED_ROOT) < 0 ||
	    fchmod(fd, 0755) < 0 || rename(tmp, dest) < 0) {
		barco_err_errno(err, "installing %s", dest);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* /bin/v-ROW -> barco-testhelper: each row's processes get their own comm. */
static int link_rows(const char *rootfs, struct barco_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char path[PATH_MAX + 32];

		if (strncmp(rows[i].comm, "v-", 2) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/bin/%s", rootfs, rows[i].comm);
		if (symlink("barco-testhelper", path) < 0 && errno != EEXIST)
			return barco_err_errno(err, "symlink %s", path);
		if (lchown(path, MAPPED_ROOT, MAPPED_ROOT) < 0)
			return barco_err_errno(err, "lchown %s", path);
	}
	return 0;
}

static int prepare_rootfs(struct verify_opts *o, struct barco_err *err)
{
	char def[PATH_MAX], busybox[PATH_MAX + 16];

	if (barco_rootfs_ensure_default(def, sizeof(def), MAPPED_ROOT, MAPPED_ROOT, err) < 0)
		return barco_err_wrap(err, "default rootfs");
	(void)snprintf(o->rootfs, sizeof(o->rootfs), "%s/verify-rootfs", dirname(def));
	(void)snprintf(busybox, sizeof(busybox), "%s/bin/busybox", o->rootfs);
	if (access(busybox, X_OK) < 0 &&
	    barco_rootfs_create(o->rootfs, MAPPED_ROOT, MAPPED_ROOT, err) < 0)
		return -1;
	if (install_helper(o->rootfs, o->helper, err) < 0 || link_rows(o->rootfs, err) < 0)
		return barco_err_wrap(err, "verify rootfs %s", o->rootfs);
	return 0;
}

/* ---- one container --------------------------------------------------------------------- */

static bool is_skipped(const struct row *row)
{
	return row->needs && access(row->needs, F_OK) < 0;
}

/* "@row ID", the row's command, "@status ID $?" for each row. */
static char *build_script(const struct row *const *sel, size_t n)
{
	size_t size = 256;
	char *script, *p;

	for (size_t i = 0; i < n; i++)
		size += strlen(sel[i]->shell) + 2 * strlen(sel[i]->id) + 64;
	script = calloc(1, size);
	p = script;
	for (size_t i = 0; script && i < n; i++) {
		int len = snprintf(p, size - (size_t)(p - script), "echo '@row %s'\n%s", sel[i]->id,
				   sel[i]->shell);

		p += len;
		if (sel[i]->takes_pid)
			p += snprintf(p, size - (size_t)(p - script), " %d", (int)getpid());
		p += snprintf(p, size - (size_t)(p - script), "\necho \"@status %s $?\"\n",
			      sel[i]->id);
	}
	return script;
}

static char *read_memfd(int fd)
{
	char *buf = calloc(1, OUTPUT_MAX + 1);
	ssize_t n;

	if (!buf)
		return NULL;
	n = pread(fd, buf, OUTPUT_MAX, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* stdin /dev/null; stdout and stderr into a memfd read after the container exited. */
static int run_script(struct barco_config *cfg, struct run *ret, struct barco_err *err)
{
	cleanup_close int out = memfd_create("barco-verify", MFD_CLOEXEC);
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int stdio[BARCO_STDIO_FDS];

	if (out < 0 || null < 0)
		return barco_err_errno(err, "memfd_create or /dev/null");
	stdio[0] = null;
	stdio[1] = stdio[2] = out;
	ret->trace = calloc(1, sizeof(*ret->trace));
	if (!ret->trace)
		return barco_err_errno(err, "allocating the trace result");
	ret->status = barco_cmd_run_container(cfg, stdio, ret->trace);
	ret->output = read_memfd(out);
	if (!ret->output)
		return barco_err_errno(err, "reading the container's output");
	return 0;
}

/* Runs the rows sel in a default container changed by mode and caps_add. */
static int run_rows(const struct verify_opts *o, const struct row *const *sel, size_t n,
		    enum barco_seccomp_mode mode, uint64_t caps_add, struct run *ret)
{
	cleanup_free struct barco_config *cfg = calloc(1, sizeof(*cfg));
	cleanup_free char *script = build_script(sel, n);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct barco_err err = {0};
	int status;

	if (!cfg || !script) {
		barco_err_set(&err, ENOMEM, "allocating a container");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	barco_config_init(cfg);
	(void)snprintf(cfg->rootfs, sizeof(cfg->rootfs), "%s", o->rootfs);
	cfg->memory_max_bytes = VERIFY_MEMORY;
	cfg->pids_max = VERIFY_PIDS;
	cfg->seccomp = mode;
	cfg->caps_add = caps_add;
	cfg->is_trace = true;
	cfg->argv = argv;
	if (!barco_cmd_prepare(cfg, 0, &err, o->verbosity, verify_usage, &status))
		return status ? status : BARCO_EXIT_BARCO;
	if (run_script(cfg, ret, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	if (ret->status == BARCO_EXIT_BARCO)
		return BARCO_EXIT_BARCO;
	if (!ret->trace->is_available)
		log_warn("verify: no kernel evidence: %s", ret->trace->unavailable);
	return 0;
}

/* ---- what each row returned ------------------------------------------------------------ */

/* The output between "@row ID" and "@status ID N"; false when the row never ran. */
static bool row_section(const char *output, const char *id, const char **ret_start, size_t *ret_len,
			int *ret_status)
{
	char begin[64], end[64];
	const char *start, *stop;

	if (!output)
		return false;
	(void)snprintf(begin, sizeof(begin), "@row %s\n", id);
	(void)snprintf(end, sizeof(end), "@status %s ", id);
	start = strstr(output, begin);
	stop = start ? strstr(start, end) : NULL;
	if (!stop)
		return false;
	*ret_start = start + strlen(begin);
	*ret_len = (size_t)(stop - *ret_start);
	*ret_status = atoi(stop + strlen(end));
	return true;
}

/* The value of "KEY=VALUE" in a section, into buf; false when absent. */
static bool find_key(const char *sec, size_t len, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = sec; p && p < sec + len; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			(void)snprintf(buf, size, "%.*s", (int)strcspn(p + klen + 1, "\n"),
				       p + klen + 1);
			return true;
		}
	}
	return false;
}

/* "EPERM" for "Operation not permitted" (what perror printed), or NULL. */
static const char *errno_named(const char *text, size_t len)
{
	for (int e = 1; e < 134; e++)
		if (strlen(strerror(e)) == len && strncmp(strerror(e), text, len) == 0)
			return strerrorname_np(e);
	return NULL;
}

/* The exit status, with the reason from "prog: what: REASON" when the command printed one. */
static void read_status(int status, const char *sec, size_t len, struct row_result *res)
{
	size_t line = strcspn(sec, "\n");
	const char *reason = NULL;

	for (size_t i = 0; i + 2 < line && i + 2 < len; i++)
		if (sec[i] == ':' && sec[i + 1] == ' ')
			reason = sec + i + 2;
	res->is_stopped = status != 0;
	if (status == 0)
		(void)snprintf(res->returned, sizeof(res->returned), "ok");
	else if (status == 128 + SIGKILL)
		(void)snprintf(res->returned, sizeof(res->returned), "SIGKILL");
	else if (reason && errno_named(reason, (size_t)(sec + line - reason)))
		(void)snprintf(res->returned, sizeof(res->returned), "exit %d: %s", status,
			       errno_named(reason, (size_t)(sec + line - reason)));
	else
		(void)snprintf(res->returned, sizeof(res->returned), "exit %d", status);
}

static void read_outcome(const struct row *row, const char *output, struct row_result *res)
{
	const char *sec;
	size_t len;
	int status;

	if (!row_section(output, row->id, &sec, &len, &status)) {
		(void)snprintf(res->returned, sizeof(res->returned), "did not run");
		return;
	}
	if (row->outcome == OUTCOME_STATUS) {
		read_status(status, sec, len, res);
	} else if (row->outcome == OUTCOME_BYTES) {
		long bytes = strtol(sec, NULL, 10);

		res->is_stopped = bytes == 0;
		(void)snprintf(res->returned, sizeof(res->returned), "%ld bytes", bytes);
	} else if (!find_key(sec, len, row->key, res->returned, sizeof(res->returned))) {
		(void)snprintf(res->returned, sizeof(res->returned), "no result (exit %d)", status);
	} else {
		res->is_stopped =
			strcmp(res->returned, "ok") != 0 && strcmp(res->returned, "none") != 0;
	}
}

/* ---- the kernel's evidence ------------------------------------------------------------- */

static bool syscall_matches(const struct row *row, int nr)
{
	char name[64];

	if (!row->syscalls[0])
		return true;
	barco_trace_syscall_name(nr, name, sizeof(name));
	for (size_t i = 0; i < ARRAY_LEN(row->syscalls) && row->syscalls[i]; i++)
		if (strcmp(name, row->syscalls[i]) == 0)
			return true;
	return false;
}

/* The first event of kind from the row's processes (cap, ret: -1 / 0 for any). */
static const struct barco_trace_entry *find(const struct barco_trace_result *t,
					    enum barco_trace_kind kind, const struct row *row,
					    int cap, int ret)
{
	const struct barco_trace_entry *found[FOUND_MAX];
	size_t n = barco_trace_result_find(t, kind, row->comm, found, FOUND_MAX);

	for (size_t i = 0; i < n; i++)
		if (syscall_matches(row, found[i]->nr) && (cap < 0 || found[i]->cap == cap) &&
		    (ret == 0 || found[i]->ret == ret))
			return found[i];
	return NULL;
}

static const struct barco_trace_entry *seccomp_event(const struct barco_trace_result *t,
						     const struct row *row)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_SECCOMP, row, -1, 0);

	return e ? e : find(t, BARCO_TRACE_SIGSYS, row, -1, 0);
}

static bool evidence_seccomp(const struct row *row, const struct barco_trace_result *t, char *buf,
			     size_t size)
{
	const struct barco_trace_entry *e = seccomp_event(t, row);
	char name[64], err[16];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	if (e->kind == BARCO_TRACE_SIGSYS)
		(void)snprintf(buf, size, "%s: SIGSYS from seccomp", name);
	else
		(void)snprintf(buf, size, "%s = -%s at sys_exit with no sys_enter: seccomp (%s)",
			       name, barco_trace_errno_name(e->ret, err, sizeof(err)),
			       barco_trace_seccomp_rule(name, BARCO_SECCOMP_DEFAULT));
	return true;
}

static bool evidence_cap(const struct row *row, const struct barco_trace_result *t, char *buf,
			 size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_CAP_FAILED, row, row->cap, 0);
	char name[64];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	(void)snprintf(buf, size,
		       "cap_capable(%s) denied in the %s user namespace, then %s = -EPERM",
		       barco_cap_name(e->cap), e->cap_ns_level ? "container's" : "host's", name);
	return true;
}

static bool evidence_failure(const struct row *row, const struct barco_trace_result *t, char *buf,
			     size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_FAILED, row, -1, -row->expect);
	char name[64], err[16];

	if (!e)
		return false;
	barco_trace_syscall_name(e->nr, name, sizeof(name));
	(void)snprintf(buf, size, "%s = -%s after sys_enter: no seccomp, no capability denied",
		       name, barco_trace_errno_name(e->ret, err, sizeof(err)));
	return true;
}

static bool evidence_kill(const struct row *row, const struct barco_trace_result *t, char *buf,
			  size_t size)
{
	const struct barco_trace_entry *e = find(t, BARCO_TRACE_KERNEL_KILL, row, -1, 0);

	if (!e)
		return false;
	(void)snprintf(buf, size, "SIGKILL sent by the kernel to pid %u (%s): the OOM killer",
		       e->ns_pid, e->comm);
	return true;
}

/* The masked /proc/keys: its line in the container's mountinfo (printed by the row). */
static bool evidence_mount(const struct row *row, const char *output, char *buf, size_t size)
{
	const char *sec, *line;
	size_t len;
	int status;

	if (!row_section(output, row->id, &sec, &len, &status))
		return false;
	line = strchr(sec, '\n');
	if (!line || line + 1 >= sec + len)
		return false;
	(void)snprintf(buf, size, "mountinfo: %.*s", (int)strcspn(line + 1, "\n"), line + 1);
	return true;
}

static bool evidence_for(const struct row *row, const struct run *run, char *buf, size_t size)
{
	const struct barco_trace_result *t = run->trace;

	switch (row->layer) {
	case LAYER_SECCOMP:
		return evidence_seccomp(row, t, buf, size);
	case LAYER_CAPABILITY:
		return evidence_cap(row, t, buf, size);
	case LAYER_CGROUP:
		if (row->outcome == OUTCOME_STATUS)
			return evidence_kill(row, t, buf, size);
		return evidence_failure(row, t, buf, size);
	case LAYER_MASK:
		if (row->outcome == OUTCOME_BYTES)
			return evidence_mount(row, run->output, buf, size);
		return evidence_failure(row, t, buf, size);
	default:
		return evidence_failure(row, t, buf, size);
	}
}

/* Evidence needs the tracer, and for capability rows its capability part. */
static bool can_prove(const struct row *row, const struct barco_trace_result *t)
{
	if (row->outcome == OUTCOME_BYTES)
		return true;
	if (!t->is_available)
		return false;
	return row->layer != LAYER_CAPABILITY ||
	       t->strategy.attach[BARCO_TRACE_GROUP_CAPS] != BARCO_TRACE_ATTACH_NONE;
}

static void judge(const struct row *row, const struct run *run, struct row_result *res)
{
	if (is_skipped(row)) {
		res->is_skipped = true;
		res->verdict = "skip";
		(void)snprintf(res->returned, sizeof(res->returned), "-");
		(void)snprintf(res->evidence, sizeof(res->evidence),
			       "%s does not exist on this host", row->needs);
		return;
	}
	read_outcome(row, run->output, res);
	res->verdict = "FAIL";
	if (!res->is_stopped)
		(void)snprintf(res->evidence, sizeof(res->evidence), "the action was not stopped");
	else if (!can_prove(row, run->trace))
		res->verdict = "unproven";
	else if (row->layer != LAYER_SECCOMP && seccomp_event(run->trace, row))
		(void)snprintf(res->evidence, sizeof(res->evidence), "seccomp stopped it, not %s",
			       layer_names[row->layer]);
	else if (evidence_for(row, run, res->evidence, sizeof(res->evidence)))
		res->verdict = "pass";
	else
		(void)snprintf(res->evidence, sizeof(res->evidence), "no kernel evidence of %s",
			       layer_names[row->layer]);
	if (strcmp(res->verdict, "unproven") == 0)
		(void)snprintf(res->evidence, sizeof(res->evidence), "no tracing: %s",
			       run->trace->is_available ? "capability checks are not traced here"
							: run->trace->unavailable);
}

/* ---- positive controls ------------------------------------------------------------------ */

#define CONTROL_ROWS ARRAY_LEN(rows)

struct control {
	const char *name; /* the option that changes the container */
	bool is_pass;
	const char *why; /* when it fails */
	size_t n;
	const struct row *rows[CONTROL_ROWS];
	char returned[CONTROL_ROWS][64];
	char now[CONTROL_ROWS][96]; /* the layer that stops it now, or "succeeded" */
};

/* Which layer, if any, stopped a row in a control run. */
static void describe_now(const struct row *row, const struct run *run, const char *returned,
			 char *buf, size_t size)
{
	const struct barco_trace_entry *cap = find(run->trace, BARCO_TRACE_CAP_FAILED, row, -1, 0);

	if (seccomp_event(run->trace, row))
		(void)snprintf(buf, size, "still seccomp");
	else if (cap)
		(void)snprintf(buf, size, "capability %s", barco_cap_name(cap->cap));
	else if (strcmp(returned, "ok") == 0)
		(void)snprintf(buf, size, "succeeded");
	else
		(void)snprintf(buf, size, "failed with %s, not by seccomp", returned);
}

static size_t rows_of_layer(enum layer layer, const struct row **sel)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		if (rows[i].layer == layer && !is_skipped(&rows[i]))
			sel[n++] = &rows[i];
	return n;
}

static const struct row *row_by_id(const char *id)
{
	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		if (strcmp(rows[i].id, id) == 0)
			return &rows[i];
	return NULL;
}

/* Runs the control's rows and records what became of each. */
static int run_control(const struct verify_opts *o, struct control *ctl,
		       enum barco_seccomp_mode mode, uint64_t caps_add, struct run *run)
{
	int rc = run_rows(o, ctl->rows, ctl->n, mode, caps_add, run);

	for (size_t i = 0; rc == 0 && i < ctl->n; i++) {
		struct row_result res = {0};

		read_outcome(ctl->rows[i], run->output, &res);
		(void)snprintf(ctl->returned[i], sizeof(ctl->returned[i]), "%s", res.returned);
		describe_now(ctl->rows[i], run, res.returned, ctl->now[i], sizeof(ctl->now[i]));
	}
	return rc;
}

/* Without the filter, no row may still be stopped by seccomp, and no event may say seccomp. */
static int control_unconfined(const struct verify_opts *o, struct control *ctl)
{
	const struct barco_trace_entry *any[1];
	struct run run = {0};
	int rc;

	ctl->name = "--seccomp=unconfined";
	ctl->n = rows_of_layer(LAYER_SECCOMP, ctl->rows);
	rc = run_control(o, ctl, BARCO_SECCOMP_UNCONFINED, 0, &run);
	if (rc == 0 && run.trace) {
		ctl->is_pass =
			run.trace->is_available &&
			!barco_trace_result_find(run.trace, BARCO_TRACE_SECCOMP, NULL, any, 1) &&
			!barco_trace_result_find(run.trace, BARCO_TRACE_SIGSYS, NULL, any, 1);
		ctl->why = run.trace->is_available ? "seccomp denials without a filter"
						   : "no kernel evidence";
	}
	run_free(&run);
	return rc;
}

/* With CAP_NET_ADMIN back, configuring the container's own network must work. */
static int control_cap_add(const struct verify_opts *o, struct control *ctl)
{
	struct run run = {0};
	int rc;

	ctl->name = "--cap-add NET_ADMIN";
	ctl->rows[0] = row_by_id("net_admin");
	ctl->n = 1;
	rc = run_control(o, ctl, BARCO_SECCOMP_DEFAULT, 1ull << CAP_NET_ADMIN, &run);
	if (rc == 0 && run.trace) {
		ctl->is_pass = run.trace->is_available && strcmp(ctl->now[0], "succeeded") == 0;
		ctl->why = "the row did not change";
	}
	run_free(&run);
	return rc;
}

static void check_control_rows(struct control *ctl)
{
	for (size_t i = 0; i < ctl->n; i++)
		if (strcmp(ctl->now[i], "still seccomp") == 0) {
			ctl->is_pass = false;
			ctl->why = "a row is still stopped by seccomp";
		}
}

/* ---- output ----------------------------------------------------------------------------- */

struct verdicts {
	struct row_result rows[ARRAY_LEN(rows)];
	struct control controls[2];
	const struct barco_trace_result *trace;
	size_t passed, failed, skipped;
	bool is_ok;
};

static void print_text(const struct verdicts *v)
{
	printf("barco verify: forbidden actions in a default container (with --memory 64M --pids "
	       "32)\ntracing: ");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		printf("%s%s by %s", g ? ", " : "",
		       barco_trace_group_name((enum barco_trace_group)g),
		       barco_trace_attach_name(v->trace->strategy.attach[g]));
	printf("\n\n%-44s %-13s %-14s %-8s %s\n", "ACTION", "LAYER", "RETURNED", "VERDICT",
	       "EVIDENCE");
	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		printf("%-44s %-13s %-14s %-8s %s\n", rows[i].action, layer_names[rows[i].layer],
		       v->rows[i].returned, v->rows[i].verdict, v->rows[i].evidence);
	printf("\npositive controls:\n");
	for (size_t c = 0; c < ARRAY_LEN(v->controls); c++) {
		const struct control *ctl = &v->controls[c];

		printf("  %s: %s%s%s\n", ctl->name, ctl->is_pass ? "pass" : "FAIL (",
		       ctl->is_pass ? "" : ctl->why, ctl->is_pass ? "" : ")");
		for (size_t i = 0; i < ctl->n; i++)
			printf("    %-44s %-28s now: %s\n", ctl->rows[i]->action, ctl->returned[i],
			       ctl->now[i]);
	}
	printf("\nverify: %zu passed, %zu failed or unproven, %zu skipped; controls %s: %s\n",
	       v->passed, v->failed, v->skipped,
	       v->controls[0].is_pass && v->controls[1].is_pass ? "pass" : "FAIL",
	       v->is_ok ? "every action was stopped by its expected layer" : "NOT VERIFIED");
}

static void json_str(const char *key, const char *value, bool comma)
{
	char esc[2 * EVIDENCE_MAX + 8];

	printf("%s\"%s\":\"%s\"", comma ? "," : "", key,
	       barco_json_escape(value, esc, sizeof(esc)));
}

static void json_rows(const struct verdicts *v)
{
	printf(",\"rows\":[");
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		printf("%s{", i ? "," : "");
		json_str("id", rows[i].id, false);
		json_str("action", rows[i].action, true);
		json_str("layer", layer_names[rows[i].layer], true);
		json_str("returned", v->rows[i].returned, true);
		json_str("evidence", v->rows[i].evidence, true);
		json_str("verdict", v->rows[i].verdict, true);
		printf("}");
	}
	printf("]");
}

static void json_controls(const struct verdicts *v)
{
	printf(",\"controls\":[");
	for (size_t c = 0; c < ARRAY_LEN(v->controls); c++) {
		const struct control *ctl = &v->controls[c];

		printf("%s{", c ? "," : "");
		json_str("name", ctl->name, false);
		json_str("verdict", ctl->is_pass ? "pass" : "FAIL", true);
		printf(",\"rows\":[");
		for (size_t i = 0; i < ctl->n; i++) {
			printf("%s{", i ? "," : "");
			json_str("id", ctl->rows[i]->id, false);
			json_str("returned", ctl->returned[i], true);
			json_str("now", ctl->now[i], true);
			printf("}");
		}
		printf("]}");
	}
	printf("]");
}

static void print_json(const struct verdicts *v)
{
	printf("{\"type\":\"verify\",\"ok\":%s,\"passed\":%zu,\"failed\":%zu,\"skipped\":%zu",
	       v->is_ok ? "true" : "false", v->passed, v->failed, v->skipped);
	printf(",\"strategy\":{");
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++)
		json_str(barco_trace_group_name((enum barco_trace_group)g),
			 barco_trace_attach_name(v->trace->strategy.attach[g]), g > 0);
	printf("}");
	json_rows(v);
	json_controls(v);
	printf("}\n");
}

/* ---- the verb ---------------------------------------------------------------------------- */

static void default_helper(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	(void)snprintf(buf, size, "%s/barco-testhelper", n > 0 ? dirname(exe) : ".");
}

static int parse_args(int argc, char **argv, struct verify_opts *o, struct barco_err *err)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},    {"helper", required_argument, NULL, 'H'},
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
	};
	int opt;

	default_helper(o->helper, sizeof(o->helper));
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vqh", options, NULL)) != -1) {
		if (opt == 'j')
			o->is_json = true;
		else if (opt == 'H')
			(void)snprintf(o->helper, sizeof(o->helper), "%s", optarg);
		else if (opt == 'v')
			o->verbosity++;
		else if (opt == 'q')
			o->verbosity = -1;
		else if (opt == 'h')
			return VERIFY_HELP;
		else
			return barco_err_set(err, 0,
					     "unknown option or missing value: '%s' (see "
					     "'barco verify --help')",
					     argv[optind - 1]);
	}
	if (optind < argc)
		return barco_err_set(err, 0, "unexpected argument '%s' (see 'barco verify --help')",
				     argv[optind]);
	return 0;
}

static int run_matrix(const struct verify_opts *o, struct verdicts *v, struct run *run)
{
	const struct row *all[ARRAY_LEN(rows)];
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		if (!is_skipped(&rows[i]))
			all[n++] = &rows[i];
	rc = run_rows(o, all, n, BARCO_SECCOMP_DEFAULT, 0, run);
	if (rc != 0)
		return rc;
	v->trace = run->trace;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct row_result *res = &v->rows[i];

		judge(&rows[i], run, res);
		if (res->is_skipped)
			v->skipped++;
		else if (strcmp(res->verdict, "pass") == 0)
			v->passed++;
		else
			v->failed++;
	}
	return 0;
}

/* The matrix, the two controls, the report; the exit status. */
static int verify(const struct verify_opts *o, struct verdicts *v)
{
	struct run run = {0};
	int rc = run_matrix(o, v, &run);

	if (rc == 0)
		rc = control_unconfined(o, &v->controls[0]);
	if (rc == 0)
		rc = control_cap_add(o, &v->controls[1]);
	if (rc == 0) {
		for (size_t c = 0; c < ARRAY_LEN(v->controls); c++)
			check_control_rows(&v->controls[c]);
		v->is_ok = v->failed == 0 && v->controls[0].is_pass && v->controls[1].is_pass;
		if (o->is_json)
			print_json(v);
		else
			print_text(v);
		rc = v->is_ok ? 0 : VERIFY_EXIT_BAD;
	}
	run_free(&run);
	return rc;
}

int barco_cmd_verify(int argc, char **argv)
{
	struct verify_opts o = {0};
	struct barco_err err = {0};
	struct verdicts *v;
	int rc = parse_args(argc, argv, &o, &err);

	if (rc == VERIFY_HELP) {
		fputs(verify_usage, stdout);
		return 0;
	}
	if (rc < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	if (geteuid() != 0) {
		barco_err_set(
			&err, EPERM,
			"barco verify needs root (it runs containers and loads eBPF programs)");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	if (prepare_rootfs(&o, &err) < 0)
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	v = calloc(1, sizeof(*v));
	if (!v) {
		barco_err_errno(&err, "allocating the verdicts");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	rc = verify(&o, v);
	free(v);
	return rc;
}
