/*
 * cgroups: the mode (v2, hybrid, v1) from the filesystem types of
 * /sys/fs/cgroup and /sys/fs/cgroup/unified (statfs(2) f_type), cross-checked
 * with the mount table barco itself reads (barco_cgroup_layout_parse);
 * then, per controller barco limits (memory, cpu, pids): built in, enabled
 * (/proc/cgroups, mounted on v1, offered and delegated on v2) and a real
 * cgroup made where barco makes them, a limit written, and removed again.
 * Also the cgroup2 tree that gives a container its identity for eBPF,
 * clone3(CLONE_INTO_CGROUP), which starts a container inside it, and PSI
 * (Documentation/accounting/psi.rst).
 */
#include "probe/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#define CGROUP_ROOT    "/sys/fs/cgroup"
#define CGROUP_UNIFIED "/sys/fs/cgroup/unified"

struct fs_magic {
	unsigned long magic;
	const char *name;
};

static const struct fs_magic fs_magics[] = {
	{CGROUP2_SUPER_MAGIC, "cgroup2"},
	{CGROUP_SUPER_MAGIC, "cgroup"},
	{TMPFS_MAGIC, "tmpfs"},
	{SYSFS_MAGIC, "sysfs"},
};

static const char *fs_name(unsigned long magic)
{
	for (size_t i = 0; i < ARRAY_LEN(fs_magics); i++)
		if (fs_magics[i].magic == magic)
			return fs_magics[i].name;
	return magic ? "other" : "absent";
}

/*
 * cgroup v2 mounts cgroup2 on /sys/fs/cgroup itself; v1 and hybrid layouts
 * put a tmpfs there with one directory per hierarchy (systemd's
 * "legacy" and "hybrid" modes). Anything else is no cgroup setup barco
 * knows, e.g. a container's fresh sysfs hiding the host's mounts.
 */
enum barco_cgroup_mode barco_probe_cgroup_mode(unsigned long root_fstype,
					       unsigned long unified_fstype, bool has_v1)
{
	if (root_fstype == CGROUP2_SUPER_MAGIC)
		return BARCO_CGROUP_V2;
	if (root_fstype != TMPFS_MAGIC)
		return BARCO_CGROUP_UNKNOWN;
	if (unified_fstype == CGROUP2_SUPER_MAGIC)
		return has_v1 ? BARCO_CGROUP_HYBRID : BARCO_CGROUP_V2;
	return has_v1 ? BARCO_CGROUP_V1 : BARCO_CGROUP_UNKNOWN;
}

static unsigned long fs_type(const char *path, struct barco_report *ev)
{
	struct statfs sfs;

	if (barco_probe_ev_call(ev, statfs(path, &sfs), "statfs(\"%s\")", path) < 0)
		return 0;
	barco_report_add(ev, "  f_type = 0x%lx (%s)", (unsigned long)sfs.f_type,
			 fs_name((unsigned long)sfs.f_type));
	return (unsigned long)sfs.f_type;
}

static bool has_v1_mount(const struct barco_cgroup_layout *l)
{
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (l->v1_mount[c][0])
			return true;
	return false;
}

/* The layout from mountinfo; all of it in the evidence when is_full, else only errors. */
static void read_layout(struct barco_cgroup_layout *ret, bool is_full, struct barco_report *ev)
{
	static const char *const names[BARCO_CG_V1_COUNT] = {"memory", "cpu", "pids", "devices"};
	struct barco_err err = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];

	if (barco_cgroup_layout_read_host(ret, &err) < 0) {
		barco_report_add(ev, "mountinfo: %s", barco_err_str(&err, msg, sizeof(msg)));
		memset(ret, 0, sizeof(*ret));
		return;
	}
	if (!is_full)
		return;
	barco_report_add(ev, "mountinfo: cgroup2 at %s",
			 ret->unified_mount[0] ? ret->unified_mount : "(none)");
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		barco_report_add(ev, "mountinfo: v1 %s at %s", names[c],
				 ret->v1_mount[c][0] ? ret->v1_mount[c] : "(not mounted)");
}

static int check_mode(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		      struct barco_err *err)
{
	static const char *const options[] = {"CONFIG_CGROUPS", NULL};
	struct barco_cgroup_layout layout;
	unsigned long root_fs, unified_fs;
	enum barco_cgroup_mode mode;

	(void)barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, NULL);
	root_fs = fs_type(CGROUP_ROOT, &ret->evidence);
	unified_fs = root_fs == CGROUP2_SUPER_MAGIC ? 0 : fs_type(CGROUP_UNIFIED, &ret->evidence);
	read_layout(&layout, true, &ret->evidence);
	mode = barco_probe_cgroup_mode(root_fs, unified_fs, has_v1_mount(&layout));
	if (mode == BARCO_CGROUP_UNKNOWN || layout.mode == BARCO_CGROUP_UNKNOWN) {
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none "
				"/sys/fs/cgroup), or boot with systemd's default cgroup setup",
				"no usable cgroup hierarchy");
		return 0;
	}
	if (mode != layout.mode) {
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"unusual mounts: barco follows mountinfo; check 'findmnt -t "
				"cgroup,cgroup2'",
				"filesystem types say %s, mountinfo says %s",
				barco_cgroup_mode_name(mode), barco_cgroup_mode_name(layout.mode));
		return 0;
	}
	barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s%s", barco_cgroup_mode_name(mode),
			mode == BARCO_CGROUP_HYBRID ? ": v1 controllers under " CGROUP_ROOT
						      "/<controller>, cgroup2 at "
						      "the unified mount"
						    : "");
	return 0;
}

/* ---- controllers ------------------------------------------------------------------ */

struct ctrl_def {
	enum barco_cgroup_v1_ctrl ctrl;
	const char *name;
	const char *option;
	const char *v1_file, *v1_value; /* the limit barco writes on v1 */
	const char *v2_file, *v2_value; /* and on v2 */
};

static const struct ctrl_def ctrl_memory = {
	BARCO_CG_V1_MEMORY, "memory",	  "CONFIG_MEMCG", "memory.limit_in_bytes",
	"67108864",	    "memory.max", "67108864"};
static const struct ctrl_def ctrl_cpu = {
	BARCO_CG_V1_CPU, "cpu", "CONFIG_CGROUP_SCHED", "cpu.shares", "1024", "cpu.weight", "100"};
static const struct ctrl_def ctrl_pids = {
	BARCO_CG_V1_PIDS, "pids", "CONFIG_CGROUP_PIDS", "pids.max", "64", "pids.max", "64"};

/* /proc/cgroups: "NAME HIERARCHY NUM_CGROUPS ENABLED" (cgroups(7)); cgroup_disable= clears ENABLED.
 */
static bool proc_cgroups_enabled(const char *name, struct barco_report *ev)
{
	char text[4096];
	char *save = NULL;

	if (barco_probe_read_file("/proc/cgroups", text, sizeof(text)) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read /proc/cgroups");
		return true;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char n[64];
		int hier, num, enabled;

		if (sscanf(line, "%63s %d %d %d", n, &hier, &num, &enabled) == 4 &&
		    strcmp(n, name) == 0) {
			barco_report_add(ev, "/proc/cgroups: %s hierarchy=%d cgroups=%d enabled=%d",
					 n, hier, num, enabled);
			return enabled != 0;
		}
	}
	barco_report_add(ev, "/proc/cgroups: no %s line", name);
	return false;
}

static bool file_has_word(const char *path, const char *word, struct barco_report *ev)
{
	char text[512];
	size_t len = strlen(word);

	if (barco_probe_read_file(path, text, sizeof(text)) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read %s", path);
		return false;
	}
	barco_report_add(ev, "read %s = \"%s\"", path, text);
	for (const char *p = text; (p = strstr(p, word)); p += len)
		if ((p == text || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
			return true;
	return false;
}

/* What a child needs to make one cgroup: where, and the limit file. */
struct cg_attempt {
	char dir[PATH_MAX];
	const char *file; /* NULL: only mkdir and rmdir */
	const char *value;
};
_Static_assert(sizeof(struct cg_attempt) <= BARCO_PROBE_SCRATCH_MAX,
	       "an attempt's cgroup fits in the facts' scratch");

/* The probe cgroup under mount (its name says whose: barco-probe-PID) as the attempt's target. */
static void target_dir(struct barco_probe_facts *facts, const char *mount)
{
	struct cg_attempt *a = (struct cg_attempt *)facts->scratch;

	memset(a, 0, sizeof(*a));
	(void)snprintf(a->dir, sizeof(a->dir), "%.4000s/barco-probe-%d", mount, (int)getpid());
	facts->target = a;
}

/* The mount the target directory is made under, for a summary: its length in dir. */
static int mount_len(const struct barco_probe_facts *facts)
{
	const struct cg_attempt *a = facts->target;

	return (int)(strrchr(a->dir, '/') - a->dir);
}

static int write_value(const char *path, const char *value)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return write(fd, value, strlen(value)) < 0 ? -1 : 0;
}

static int try_cgroup(const void *arg, struct barco_report *ev, long *ret_value)
{
	const struct cg_attempt *a = arg;
	char path[PATH_MAX + 64];
	int r = 0;

	if (barco_probe_ev_call(ev, mkdir(a->dir, 0755), "mkdir(\"%s\", 0755)", a->dir) < 0)
		return errno;
	if (a->file) {
		(void)snprintf(path, sizeof(path), "%s/%s", a->dir, a->file);
		if (barco_probe_ev_call(ev, write_value(path, a->value), "write(\"%s\", \"%s\")",
					path, a->value) < 0)
			r = errno;
	} else {
		struct stat st;

		if (barco_probe_ev_call(ev, stat(a->dir, &st), "stat(\"%s\")", a->dir) == 0)
			barco_report_add(ev, "  st_ino = %llu (the cgroup id eBPF filters on)",
					 (unsigned long long)st.st_ino);
	}
	if (barco_probe_ev_call(ev, rmdir(a->dir), "rmdir(\"%s\")", a->dir) < 0 && r == 0)
		r = errno;
	return r;
}

static const char *delegation_note(const struct barco_cgroup_layout *l, const char *name,
				   struct barco_report *ev)
{
	char path[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "%s/cgroup.controllers", l->unified_mount);
	if (!file_has_word(path, name, ev))
		return "not offered";
	(void)snprintf(path, sizeof(path), "%s/cgroup.subtree_control", l->unified_mount);
	return file_has_word(path, name, ev) ? "delegated" : "offered, not delegated";
}

static void set_ctrl_failed(const struct ctrl_def *d, enum barco_probe_status built,
			    const char *why, struct barco_probe_result *ret)
{
	char hint[BARCO_PROBE_HINT_MAX];

	if (built == BARCO_PROBE_FAIL)
		(void)snprintf(hint, sizeof(hint), "rebuild the kernel with %s=y", d->option);
	else
		(void)snprintf(hint, sizeof(hint),
			       "check cgroup_disable= on the kernel command line and that the %s "
			       "controller is mounted (v1) or listed in cgroup.controllers (v2); "
			       "writing needs root on the host, not a container's read-only /sys",
			       d->name);
	barco_probe_set(ret, BARCO_PROBE_FAIL, hint, "%s controller: %s", d->name, why);
}

/* Where a controller is enabled, in facts->enabled: how its probe cgroup is made. */
enum ctrl_where {
	CTRL_V1,	   /* its v1 hierarchy: a cgroup there, its v1 limit written */
	CTRL_V2_DELEGATED, /* cgroup2, in subtree_control: a cgroup, its v2 limit written */
	CTRL_V2_OFFERED,   /* cgroup2, not delegated yet: a cgroup, no limit file (barco enables
			    * it itself) */
};

/* v2: offered by the root, and delegated or not; false (ret set) when not offered. */
static bool ctrl_v2(const struct ctrl_def *d, const struct barco_cgroup_layout *l,
		    struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	const char *note = delegation_note(l, d->name, &ret->evidence);
	struct cg_attempt *a = (struct cg_attempt *)facts->scratch;
	bool is_delegated = strcmp(note, "delegated") == 0;

	if (strcmp(note, "not offered") == 0) {
		set_ctrl_failed(d, facts->built, "not offered by the cgroup2 root", ret);
		return false;
	}
	target_dir(facts, l->unified_mount);
	a->file = is_delegated ? d->v2_file : NULL;
	a->value = d->v2_value;
	facts->enabled = is_delegated ? CTRL_V2_DELEGATED : CTRL_V2_OFFERED;
	return true;
}

/* v1: its own hierarchy mounted; false (ret set) when it is not. */
static bool ctrl_v1(const struct ctrl_def *d, const struct barco_cgroup_layout *l,
		    struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	const char *mount = l->v1_mount[d->ctrl];
	struct cg_attempt *a = (struct cg_attempt *)facts->scratch;

	barco_report_add(&ret->evidence, "mountinfo: v1 %s at %s", d->name,
			 mount[0] ? mount : "(not mounted)");
	if (mount[0] == '\0') {
		set_ctrl_failed(d, facts->built, "no v1 hierarchy mounted", ret);
		return false;
	}
	target_dir(facts, mount);
	a->file = d->v1_file;
	a->value = d->v1_value;
	facts->enabled = CTRL_V1;
	return true;
}

/* Built in (the controller's option), enabled (/proc/cgroups, then v1 mounts or v2 delegation). */
static bool ctrl_enabled(struct barco_probe_ctx *ctx, const void *arg,
			 struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	const struct ctrl_def *d = arg;
	const char *options[] = {d->option, NULL};
	struct barco_cgroup_layout layout;

	facts->built = barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, NULL);
	if (!proc_cgroups_enabled(d->name, &ret->evidence) && facts->built != BARCO_PROBE_FAIL) {
		set_ctrl_failed(d, facts->built, "disabled (/proc/cgroups)", ret);
		return true;
	}
	read_layout(&layout, false, &ret->evidence);
	if (layout.mode == BARCO_CGROUP_V2)
		return !ctrl_v2(d, &layout, facts, ret);
	if (layout.mode == BARCO_CGROUP_UNKNOWN) {
		set_ctrl_failed(d, facts->built, "no cgroup hierarchy", ret);
		return true;
	}
	return !ctrl_v1(d, &layout, facts, ret);
}

static void ctrl_verdict(const void *arg, const struct barco_probe_facts *f,
			 struct barco_probe_result *ret)
{
	const struct ctrl_def *d = arg;
	const struct cg_attempt *a = f->target;

	if (!f->is_ok)
		set_ctrl_failed(d, f->built, "cannot create a cgroup and write its limit", ret);
	else if (f->enabled == CTRL_V2_OFFERED)
		barco_probe_set(ret, BARCO_PROBE_WARN,
				"none needed if barco runs as root: it writes +CONTROLLER to "
				"cgroup.subtree_control itself",
				"%s: offered, not delegated (barco enables it)", d->name);
	else if (f->enabled == CTRL_V2_DELEGATED)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "v2 %s delegated; %s written", d->name,
				d->v2_file);
	else
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "v1 %s at %.*s; %s written", d->name,
				mount_len(f), a->dir, d->v1_file);
}

/* A controller's row: its layers, tried with its definition. */
#define CTRL(def)                                                                                  \
	&(const struct barco_probe_layers)                                                         \
	{                                                                                          \
		.enabled = ctrl_enabled, .attempt = try_cgroup, .verdict = ctrl_verdict,           \
		.arg = &(def)                                                                      \
	}

/* The cgroup2 tree as the attempt's target; true (ret: WARN, hint, summary) when there is none. */
static bool target_unified(const struct barco_cgroup_layout *layout,
			   struct barco_probe_facts *facts, struct barco_probe_result *ret,
			   const char *hint, const char *summary)
{
	if (layout->unified_mount[0] == '\0') {
		barco_probe_set(ret, BARCO_PROBE_WARN, hint, "%s", summary);
		return true;
	}
	target_dir(facts, layout->unified_mount);
	return false;
}

/* The enabled layer: a cgroup2 tree, which gives a container an id eBPF can filter on. */
static bool unified_mounted(struct barco_probe_ctx *ctx, const void *arg,
			    struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	struct barco_cgroup_layout layout;

	read_layout(&layout, false, &ret->evidence);
	barco_report_add(&ret->evidence, "mountinfo: cgroup2 at %s",
			 layout.unified_mount[0] ? layout.unified_mount : "(none)");
	return target_unified(&layout, facts, ret,
			      "mount -t cgroup2 none /sys/fs/cgroup/unified (a hybrid setup) to "
			      "give containers a cgroup id",
			      "no cgroup2 tree: eBPF cannot filter a container by cgroup id");
}

static void unified_verdict(const void *arg, const struct barco_probe_facts *f,
			    struct barco_probe_result *ret)
{
	const struct cg_attempt *a = f->target;

	if (f->is_ok)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL,
				"cgroup2 at %.*s: a container gets an id", mount_len(f), a->dir);
	else
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"needs root on the host and a writable cgroup2 mount",
				"cannot create a cgroup in %.*s", mount_len(f), a->dir);
}

static const struct barco_probe_layers unified = {
	.enabled = unified_mounted,
	.attempt = try_cgroup,
	.verdict = unified_verdict,
};

/*
 * A grandchild cloned with clone3(CLONE_INTO_CGROUP) into a fresh cgroup2
 * directory, seen in its cgroup.procs from outside; it waits on a pipe so
 * that it is still there to be seen, then goes, and the directory with it.
 */
static int try_clone_into(const void *arg, struct barco_report *ev, long *ret_value)
{
	const struct cg_attempt *a = arg;
	char path[PATH_MAX + 32];
	char procs[64] = "";
	cleanup_close int dir_fd = -1;
	int gate[2];
	int r = 0;
	pid_t pid;

	if (barco_probe_ev_call(ev, mkdir(a->dir, 0755), "mkdir(\"%s\", 0755)", a->dir) < 0)
		return errno;
	dir_fd = open(a->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 || pipe2(gate, O_CLOEXEC) < 0) {
		r = errno;
		(void)rmdir(a->dir);
		return r;
	}
	pid = barco_cgroup_clone_into(0, dir_fd);
	if (pid == 0) {
		char byte;

		(void)close(gate[1]);
		_exit(read(gate[0], &byte, 1) < 0 ? 1 : 0); /* end of file: go */
	}
	if (barco_probe_ev_call(ev, pid, "clone3(CLONE_INTO_CGROUP, cgroup \"%s\")", a->dir) < 0) {
		r = errno;
	} else {
		(void)snprintf(path, sizeof(path), "%s/cgroup.procs", a->dir);
		if (barco_probe_read_file(path, procs, sizeof(procs)) < 0 ||
		    atoi(procs) != (int)pid)
			r = ESRCH;
		barco_report_add(ev, "  %s: %.*s", path, (int)strcspn(procs, "\n"),
				 procs[0] ? procs : "(empty)");
	}
	(void)close(gate[0]);
	(void)close(gate[1]);
	if (pid > 0)
		(void)barco_waitpid(pid, NULL);
	if (barco_probe_ev_call(ev, rmdir(a->dir), "rmdir(\"%s\")", a->dir) < 0 && r == 0)
		r = errno;
	return r;
}

static bool clone_into_target(struct barco_probe_ctx *ctx, const void *arg,
			      struct barco_probe_facts *facts, struct barco_probe_result *ret)
{
	struct barco_cgroup_layout layout;

	read_layout(&layout, false, &ret->evidence);
	return target_unified(&layout, facts, ret, NULL,
			      "no cgroup2 tree: barco writes cgroup.procs for every cgroup");
}

static void clone_into_verdict(const void *arg, const struct barco_probe_facts *f,
			       struct barco_probe_result *ret)
{
	const struct cg_attempt *a = f->target;

	if (f->child.code == ENOSYS || f->child.code == E2BIG || f->child.code == EINVAL)
		barco_probe_set(ret, BARCO_PROBE_WARN, "Linux 5.7 or later has it",
				"no clone3(CLONE_INTO_CGROUP): barco clones, then writes "
				"cgroup.procs");
	else
		barco_probe_set(ret, BARCO_PROBE_FAIL,
				"needs root on the host and a writable cgroup2 mount",
				"cannot clone into a cgroup in %.*s", mount_len(f), a->dir);
}

static const struct barco_probe_layers clone_into = {
	.enabled = clone_into_target,
	.attempt = try_clone_into,
	.pass = "a container starts in its cgroup2 directory: no migration",
	.verdict = clone_into_verdict,
};

static bool read_pressure(const char *path, struct barco_report *ev)
{
	char text[256];

	if (barco_probe_read_file(path, text, sizeof(text)) < 0) {
		(void)barco_probe_ev_fail(ev, errno, "read %s", path);
		return false;
	}
	barco_report_add(ev, "read %s: %.*s", path, (int)strcspn(text, "\n"), text);
	return true;
}

static int check_psi(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		     struct barco_err *err)
{
	static const char *const options[] = {"CONFIG_PSI", NULL};
	struct barco_cgroup_layout layout;
	char path[PATH_MAX + 32];
	const char *missing;
	enum barco_probe_status built =
		barco_probe_kconfig_layer(&ctx->kconfig, options, &ret->evidence, &missing);
	bool is_default_off = barco_kconfig_lookup(ctx->kconfig.text, "CONFIG_PSI_DEFAULT_DISABLED",
						   NULL, 0) == BARCO_KCONFIG_YES;
	bool has_proc;

	if (is_default_off)
		barco_report_add(&ret->evidence,
				 "CONFIG_PSI_DEFAULT_DISABLED=y: needs psi=1 on the command line");
	has_proc = read_pressure("/proc/pressure/cpu", &ret->evidence);
	read_layout(&layout, false, &ret->evidence);
	if (layout.unified_mount[0]) {
		(void)snprintf(path, sizeof(path), "%s/cpu.pressure", layout.unified_mount);
		(void)read_pressure(path, &ret->evidence);
	}
	if (has_proc)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "pressure stall information readable");
	else
		barco_probe_set(ret, BARCO_PROBE_WARN,
				built == BARCO_PROBE_FAIL ? "rebuild the kernel with CONFIG_PSI=y"
							  : "boot with psi=1",
				"PSI not available");
	return 0;
}

void barco_probe_cgroup_conclude(const struct barco_probe_run *run,
				 struct barco_probe_conclusion ret[BARCO_PROBE_CONCLUSIONS_MAX])
{
	struct barco_cgroup_layout l;
	struct barco_err err = {0};

	const struct barco_probe_result *mode = barco_probe_run_find(run, "cgroup.mode");

	ret[0].key = "mode";
	ret[1].key = "use";
	/* The mode check decides: mountinfo alone can list mounts a container's /sys hides. */
	if (!mode || mode->status != BARCO_PROBE_PASS ||
	    barco_cgroup_layout_read_host(&l, &err) < 0) {
		(void)snprintf(ret[0].value, sizeof(ret[0].value), "unknown");
		(void)snprintf(ret[1].value, sizeof(ret[1].value), "none: no cgroup hierarchy");
		return;
	}
	(void)snprintf(ret[0].value, sizeof(ret[0].value), "%s", barco_cgroup_mode_name(l.mode));
	/* What barco uses: for an ordinary user only a delegated directory (=> rootless cgroup). */
	if (barco_cgroup_layout_detect(&l, &err) < 0 || l.mode == BARCO_CGROUP_NONE)
		(void)snprintf(ret[1].value, sizeof(ret[1].value),
			       "none: rootless, and no cgroup is delegated to this user");
	else if (l.mode == BARCO_CGROUP_V2)
		(void)snprintf(ret[1].value, sizeof(ret[1].value),
			       "cgroup2 %.300s/barco/NAME: memory.max, cpu.weight, pids.max",
			       l.unified_mount);
	else
		(void)snprintf(ret[1].value, sizeof(ret[1].value),
			       "v1 memory %.100s, cpu %.100s, pids %.100s; identity: %.100s",
			       l.v1_mount[BARCO_CG_V1_MEMORY][0] ? l.v1_mount[BARCO_CG_V1_MEMORY]
								 : "-",
			       l.v1_mount[BARCO_CG_V1_CPU][0] ? l.v1_mount[BARCO_CG_V1_CPU] : "-",
			       l.v1_mount[BARCO_CG_V1_PIDS][0] ? l.v1_mount[BARCO_CG_V1_PIDS] : "-",
			       l.unified_mount[0] ? l.unified_mount : "none");
}

const struct barco_probe_check barco_probe_cgroup_checks[] = {
	{"cgroup.mode", "cgroup mode from filesystem types and mountinfo", BARCO_PROBE_CGROUP, true,
	 check_mode, NULL, false},
	{"cgroup.memory", "memory controller: a cgroup made and limited", BARCO_PROBE_CGROUP, true,
	 barco_probe_check_layers, CTRL(ctrl_memory), true},
	{"cgroup.cpu", "cpu controller: a cgroup made and weighted", BARCO_PROBE_CGROUP, true,
	 barco_probe_check_layers, CTRL(ctrl_cpu), true},
	{"cgroup.pids", "pids controller: a cgroup made and limited", BARCO_PROBE_CGROUP, true,
	 barco_probe_check_layers, CTRL(ctrl_pids), true},
	{"cgroup.unified", "a cgroup2 directory for the container's identity (eBPF)",
	 BARCO_PROBE_CGROUP, false, barco_probe_check_layers, &unified, true},
	{"cgroup.clone_into", "clone3(CLONE_INTO_CGROUP): a child started in its cgroup2 directory",
	 BARCO_PROBE_CGROUP, false, barco_probe_check_layers, &clone_into, true},
	{"cgroup.psi", "pressure stall information (PSI)", BARCO_PROBE_CGROUP, false, check_psi,
	 NULL, false},
};
const size_t barco_probe_cgroup_checks_len = ARRAY_LEN(barco_probe_cgroup_checks);
