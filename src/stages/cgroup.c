/*
 * Control groups: where the hierarchies are (mountinfo), one directory per
 * container under a "barco" parent, limits written as plain files.
 *
 * Kernel references: Documentation/admin-guide/cgroup-v2.rst (cgroup2 files,
 * cgroup.subtree_control, cgroup.kill), Documentation/admin-guide/cgroup-v1/
 * (memory.limit_in_bytes, memory.memsw.limit_in_bytes, cpu.shares, pids.max),
 * proc(5) for the mountinfo format.
 */
#include "stages/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "stages/devices.h"
#include "stages/rootless.h"

#define CG_DIR_MODE	  0755
#define CG_PARENT	  "barco"
#define CG_VALUE_MAX	  32
#define CG_SMALL_FILE_MAX 512
/* rmdir of a cgroup whose killed tasks are still exiting returns EBUSY for a while. */
#define CG_RMDIR_TRIES	  500
#define CG_RMDIR_PAUSE_NS 1000000L

/* v1 controller names, indexed by enum barco_cgroup_v1_ctrl (mountinfo super options). */
static const char *const v1_ctrl_names[BARCO_CG_V1_COUNT] = {
	[BARCO_CG_V1_MEMORY] = "memory",
	[BARCO_CG_V1_CPU] = "cpu",
	[BARCO_CG_V1_PIDS] = "pids",
	[BARCO_CG_V1_DEVICES] = "devices",
};

/* The cgroup2 controllers barco delegates to its parent and containers. */
static const char *const v2_controllers[] = {"memory", "cpu", "pids"};

static const char *const mode_names[] = {
	[BARCO_CGROUP_UNKNOWN] = "unknown", [BARCO_CGROUP_V2] = "v2",
	[BARCO_CGROUP_HYBRID] = "hybrid",   [BARCO_CGROUP_V1] = "v1",
	[BARCO_CGROUP_NONE] = "none",
};

const char *barco_cgroup_v1_name(size_t ctrl)
{
	return ctrl < BARCO_CG_V1_COUNT ? v1_ctrl_names[ctrl] : "";
}

const char *barco_cgroup_mode_name(enum barco_cgroup_mode mode)
{
	if ((size_t)mode >= ARRAY_LEN(mode_names))
		return "unknown";
	return mode_names[mode];
}

/* ---- mountinfo ---------------------------------------------------------- */

/* True when `word` is one of the tokens of `list` (separated by any of `seps`). */
static bool has_token(const char *list, const char *seps, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while (*p) {
		size_t tok = strcspn(p, seps);

		if (tok == len && strncmp(p, word, len) == 0)
			return true;
		p += tok;
		p += strspn(p, seps);
	}
	return false;
}

/* proc(5): mountinfo escapes space, tab, newline and backslash as \ooo octal. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static void copy_mount(char dst[PATH_MAX], const char *mountpoint)
{
	/* First mount wins; a mount point that does not fit is ignored. */
	if (dst[0] == '\0' && strlen(mountpoint) < PATH_MAX)
		memcpy(dst, mountpoint, strlen(mountpoint) + 1);
}

static void record_mount(struct barco_cgroup_layout *l, char *mountpoint, const char *fstype,
			 const char *superopts)
{
	unescape_octal(mountpoint);
	if (strcmp(fstype, "cgroup2") == 0) {
		copy_mount(l->unified_mount, mountpoint);
		return;
	}
	if (strcmp(fstype, "cgroup") != 0)
		return;
	/* Exact tokens: "cpuacct" alone is not "cpu"; "name=systemd" is no controller. */
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (has_token(superopts, ",", v1_ctrl_names[c]))
			copy_mount(l->v1_mount[c], mountpoint);
	if (has_token(superopts, ",", "freezer"))
		copy_mount(l->freezer_mount, mountpoint);
}

/*
 * proc(5): "id parent major:minor root mountpoint options [optional...] -
 * fstype source superoptions". The optional fields vary in number, so the
 * fields after the mount options are found from the "-" separator.
 */
static void parse_line(char *line, struct barco_cgroup_layout *l)
{
	enum { MOUNTPOINT = 4, FIRST_OPTIONAL = 6, FIELDS_MAX = 64 };
	char *fields[FIELDS_MAX];
	char *save = NULL;
	size_t n = 0;

	for (char *tok = strtok_r(line, " ", &save); tok && n < FIELDS_MAX;
	     tok = strtok_r(NULL, " ", &save))
		fields[n++] = tok;
	for (size_t i = FIRST_OPTIONAL; i + 3 < n; i++) {
		if (strcmp(fields[i], "-") == 0) {
			record_mount(l, fields[MOUNTPOINT], fields[i + 1], fields[i + 3]);
			return;
		}
	}
}

static enum barco_cgroup_mode layout_mode(const struct barco_cgroup_layout *l)
{
	bool has_v1 = false;

	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		has_v1 = has_v1 || l->v1_mount[c][0] != '\0';
	if (has_v1)
		return l->unified_mount[0] ? BARCO_CGROUP_HYBRID : BARCO_CGROUP_V1;
	return l->unified_mount[0] ? BARCO_CGROUP_V2 : BARCO_CGROUP_UNKNOWN;
}

int barco_cgroup_layout_parse(const char *mountinfo, struct barco_cgroup_layout *ret,
			      struct barco_err *err)
{
	cleanup_free char *text = strdup(mountinfo);
	char *save = NULL;

	memset(ret, 0, sizeof(*ret));
	if (!text)
		return barco_err_errno(err, "copy mountinfo");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(line, ret);
	ret->mode = layout_mode(ret);
	if (ret->mode == BARCO_CGROUP_UNKNOWN) {
		memset(ret, 0, sizeof(*ret));
		return barco_err_set(err, 0,
				     "no cgroup hierarchy with memory, cpu or pids mounted "
				     "(no cgroup2 and no cgroup v1 controller in mountinfo)");
	}
	return 0;
}

/*
 * Read once per process: the hierarchies do not move while barco runs,
 * and a create read them up to four times (config.json's cgroupsPath, the
 * runner, the container's cgroup mounts). The container process inherits
 * the runner's copy with its memory: it reads before pivot_root, when
 * its mountinfo is still the host's anyway.
 */
int barco_cgroup_layout_read_host(struct barco_cgroup_layout *ret, struct barco_err *err)
{
	static const char path[] = "/proc/self/mountinfo";
	static struct barco_cgroup_layout host;
	static bool is_read;
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *text = NULL;
	size_t cap = 0;

	if (is_read) {
		*ret = host;
		return 0;
	}
	f = fopen(path, "re");
	if (!f)
		return barco_err_errno(err, "open %s", path);
	/* The file holds no NUL: reading up to one reads it whole. */
	if (getdelim(&text, &cap, '\0', f) < 0 && ferror(f))
		return barco_err_errno(err, "read %s", path);
	if (barco_cgroup_layout_parse(text ? text : "", ret, err) < 0)
		return barco_err_wrap(err, "%s", path);
	host = *ret;
	is_read = true;
	return 0;
}

int barco_cgroup_layout_detect(struct barco_cgroup_layout *ret, struct barco_err *err)
{
	if (barco_cgroup_layout_read_host(ret, err) < 0)
		return -1;
	/* An ordinary user's cgroups are the ones delegated to them, or none. */
	if (barco_rootless_is())
		barco_rootless_cgroup_layout(ret);
	return 0;
}

/* ---- conversions and paths --------------------------------------------- */

/*
 * The kernel and runtimes convert v1 shares to v2 weight as
 * weight = 1 + ((shares - 2) * 9999) / 262142 (runc, crun, systemd agree);
 * this is its inverse, over the v2 range 1..10000.
 */
uint64_t barco_cgroup_weight_to_shares(uint64_t weight)
{
	enum { WEIGHT_MIN = 1, WEIGHT_MAX = 10000, SHARES_MIN = 2, SHARES_MAX = 262144 };

	if (weight < WEIGHT_MIN)
		weight = WEIGHT_MIN;
	if (weight > WEIGHT_MAX)
		weight = WEIGHT_MAX;
	uint64_t shares = SHARES_MIN + ((weight - 1) * (SHARES_MAX - SHARES_MIN)) / 9999;

	return shares > SHARES_MAX ? SHARES_MAX : shares;
}

uint64_t barco_cgroup_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* snprintf into a PATH_MAX buffer; false when the path does not fit. */
static bool path_fmt(char out[PATH_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool path_fmt(char out[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX;
}

/* A name becomes one directory level that destroy() will rmdir: keep it to one. */
static bool is_valid_name(const char *name)
{
	return name && name[0] != '\0' && strlen(name) <= BARCO_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static void path_for(char out[PATH_MAX], const char *mount, const char *name)
{
	if (mount[0] == '\0' || !path_fmt(out, "%s/" CG_PARENT "/%s", mount, name))
		out[0] = '\0';
}

void barco_cgroup_paths_for(const struct barco_cgroup_layout *layout, const char *name,
			    struct barco_cgroup *ret_cg)
{
	memset(ret_cg, 0, sizeof(*ret_cg));
	ret_cg->layout = *layout;
	if (!is_valid_name(name))
		return;
	if (layout->mode == BARCO_CGROUP_V2 || layout->mode == BARCO_CGROUP_HYBRID)
		path_for(ret_cg->unified_path, layout->unified_mount, name);
	if (layout->mode == BARCO_CGROUP_V1 || layout->mode == BARCO_CGROUP_HYBRID) {
		for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
			path_for(ret_cg->v1_path[c], layout->v1_mount[c], name);
		path_for(ret_cg->freezer_path, layout->freezer_mount, name);
	}
}

uint64_t barco_cgroup_id(const struct barco_cgroup *cg)
{
	struct stat st;

	if (cg->unified_path[0] == '\0' || stat(cg->unified_path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/*
 * The distinct directories of cg, the cgroup2 one first (its cgroup.kill
 * empties everything at once); co-mounted v1 controllers share a directory.
 */
static size_t distinct_paths(const struct barco_cgroup *cg, const char *out[BARCO_CG_PATHS_MAX],
			     size_t ret_slots[BARCO_CG_PATHS_MAX])
{
	const char *all[BARCO_CG_PATHS_MAX] = {cg->unified_path, cg->freezer_path};
	size_t n = 0;

	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		all[BARCO_CG_SLOT_V1 + c] = cg->v1_path[c];
	for (size_t c = 0; c < BARCO_CG_PATHS_MAX; c++) {
		bool is_seen = all[c][0] == '\0';

		for (size_t i = 0; i < c && !is_seen; i++)
			is_seen = strcmp(all[i], all[c]) == 0;
		if (is_seen)
			continue;
		if (ret_slots)
			ret_slots[n] = c;
		out[n++] = all[c];
	}
	return n;
}

/* ---- cgroup files ------------------------------------------------------- */

/*
 * One write(2) per value: a cgroup file parses each write as a whole. No
 * O_CREAT: a missing file means a missing controller, not a file to make.
 */
static int write_file(const char *path, const char *value)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	if (n >= 0 && (size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Writes dir/file; an optional file that does not exist is skipped. */
static int cg_write(const char *dir, const char *file, const char *value, bool is_optional,
		    struct barco_report *rep, struct barco_err *err)
{
	char path[PATH_MAX];

	if (!path_fmt(path, "%s/%s", dir, file))
		return barco_err_set(err, ENAMETOOLONG, "write %s to %s/%s", value, dir, file);
	if (write_file(path, value) < 0) {
		if (is_optional && errno == ENOENT) {
			log_debug("%s absent, not written", path);
			return 0;
		}
		return barco_err_errno(err, "write %s to %s", value, path);
	}
	barco_report_add(rep, "write %s = %s", path, value);
	return 0;
}

static int cg_read(const char *path, char *buf, size_t size, struct barco_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return barco_err_errno(err, "read %s", path);
	n = read(fd, buf, size - 1);
	if (n < 0)
		return barco_err_errno(err, "read %s", path);
	buf[n] = '\0';
	return 0;
}

/*
 * rmdir(2) of the made deepest parents of leaf, deepest first; one still in
 * use (another container's cgroup in it) stops the climb, as it should.
 */
static void remove_parents(const char *leaf, unsigned made)
{
	char dir[PATH_MAX];

	(void)snprintf(dir, sizeof(dir), "%s", leaf);
	for (unsigned i = 0; i < made; i++) {
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir)
			return;
		*slash = '\0';
		if (rmdir(dir) < 0) {
			log_debug("rmdir %s: %s (left)", dir, strerror(errno));
			return;
		}
	}
}

/*
 * mkdir(2) of every missing directory between the hierarchy's root (mount)
 * and want's parent. With is_custom (cgroupsPath) *ret_made counts those
 * made, so that destroy removes them and nothing that was there before;
 * barco's own shared parent ("barco") is never counted.
 */
static int make_parents(const char *mount, const char *want, bool is_custom, uint8_t *ret_made,
			struct barco_report *rep, struct barco_err *err)
{
	size_t mlen = strlen(mount);
	char dir[PATH_MAX];

	*ret_made = 0;
	if (strncmp(want, mount, mlen) != 0 || want[mlen] != '/' || !path_fmt(dir, "%s", want))
		return barco_err_set(err, EINVAL, "cgroup %s is not under %s", want, mount);
	for (char *p = strchr(dir + mlen + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, CG_DIR_MODE) == 0) {
			barco_report_add(rep, "mkdir(\"%s\", 0755) = 0", dir);
			*ret_made += is_custom;
		} else if (errno != EEXIST) {
			barco_err_errno(err, "mkdir %s", dir);
			*p = '/';
			remove_parents(want, *ret_made);
			*ret_made = 0;
			return -1;
		} else {
			barco_report_add(rep, "mkdir(\"%s\", 0755) = -1 EEXIST (already there)",
					 dir);
		}
		*p = '/';
	}
	return 0;
}

static int make_leaf(const char *want, char ret_path[PATH_MAX], uint8_t *made,
		     struct barco_report *rep, struct barco_err *err);

/*
 * mkdir(2) of want, the container's own directory (its parents first). It
 * is recorded in ret_path only once made, so a rollback never removes a
 * cgroup that belongs to another container of the same name.
 */
static int make_cgroup_dir(const char *mount, const char *want, bool is_custom,
			   char ret_path[PATH_MAX], uint8_t *ret_made, struct barco_report *rep,
			   struct barco_err *err)
{
	if (want[0] == '\0')
		return barco_err_set(err, ENAMETOOLONG, "cgroup path under %s", mount);
	if (make_parents(mount, want, is_custom, ret_made, rep, err) < 0)
		return -1;
	return make_leaf(want, ret_path, ret_made, rep, err);
}

/* The container's directory itself; on failure the parents made for it go. */
static int make_leaf(const char *want, char ret_path[PATH_MAX], uint8_t *made,
		     struct barco_report *rep, struct barco_err *err)
{
	if (mkdir(want, CG_DIR_MODE) < 0) {
		barco_err_errno(err, errno == EEXIST ? "cgroup %s already exists" : "mkdir %s",
				want);
		remove_parents(want, *made);
		*made = 0;
		return -1;
	}
	barco_report_add(rep, "mkdir(\"%s\", 0755) = 0", want);
	(void)snprintf(ret_path, PATH_MAX, "%s", want);
	return 0;
}

/* ---- cgroup v2 ---------------------------------------------------------- */

/*
 * cgroup-v2.rst "Enabling and Disabling": a child gets a controller's files
 * only when its parent lists the controller in cgroup.subtree_control. Only
 * the controllers the root offers are asked for, and only those not already
 * on, so nothing is written when there is nothing to change.
 */
static int enable_controllers(const char *dir, const char *available, struct barco_report *rep,
			      struct barco_err *err)
{
	char path[PATH_MAX];
	char enabled[CG_SMALL_FILE_MAX] = "";
	char value[CG_SMALL_FILE_MAX] = "";
	size_t len = 0;

	if (!path_fmt(path, "%s/cgroup.subtree_control", dir))
		return barco_err_set(err, ENAMETOOLONG, "%s/cgroup.subtree_control", dir);
	if (cg_read(path, enabled, sizeof(enabled), err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(v2_controllers); i++) {
		const char *ctrl = v2_controllers[i];

		if (has_token(available, " \n", ctrl) && !has_token(enabled, " \n", ctrl))
			len += (size_t)snprintf(value + len, sizeof(value) - len, "%s+%s",
						len ? " " : "", ctrl);
	}
	if (len == 0)
		return 0;
	return cg_write(dir, "cgroup.subtree_control", value, false, rep, err);
}

/* In the root and every directory down to want's parent (made already). */
static int enable_v2_controllers(const char *unified, const char *want, struct barco_report *rep,
				 struct barco_err *err)
{
	char path[PATH_MAX];
	char available[CG_SMALL_FILE_MAX] = "";
	char dir[PATH_MAX];

	if (!path_fmt(path, "%s/cgroup.controllers", unified))
		return barco_err_set(err, ENAMETOOLONG, "%s/cgroup.controllers", unified);
	if (cg_read(path, available, sizeof(available), err) < 0)
		return -1;
	if (enable_controllers(unified, available, rep, err) < 0)
		return -1;
	(void)snprintf(dir, sizeof(dir), "%s", want);
	for (char *p = strchr(dir + strlen(unified) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (enable_controllers(dir, available, rep, err) < 0)
			return -1;
		*p = '/';
	}
	return 0;
}

/* "max" for -1 (no limit), else the number. */
static void limit_text(char v[CG_VALUE_MAX], int64_t value, const char *unlimited)
{
	if (value < 0)
		(void)snprintf(v, CG_VALUE_MAX, "%s", unlimited);
	else
		(void)snprintf(v, CG_VALUE_MAX, "%" PRId64, value);
}

static int write_v2_limits(const char *dir, const struct barco_cgroup_limits *l,
			   struct barco_report *rep, struct barco_err *err)
{
	char v[CG_VALUE_MAX];

	if (l->memory_bytes) {
		limit_text(v, l->memory_bytes, "max");
		/* No swap: over the limit means the OOM killer, not swapping. */
		if (cg_write(dir, "memory.max", v, false, rep, err) < 0 ||
		    cg_write(dir, "memory.swap.max", "0", true, rep, err) < 0)
			return -1;
	}
	if (l->cpu_weight || l->cpu_shares) {
		(void)snprintf(v, sizeof(v), "%" PRIu64,
			       l->cpu_shares ? barco_cgroup_shares_to_weight(l->cpu_shares)
					     : l->cpu_weight);
		if (cg_write(dir, "cpu.weight", v, false, rep, err) < 0)
			return -1;
	}
	if (l->pids_max) {
		limit_text(v, l->pids_max, "max");
		if (cg_write(dir, "pids.max", v, false, rep, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * cgroup v2 has no devices files: the rules become a device program
 * attached to the cgroup. An ordinary user may not load one (bpf(2) needs
 * CAP_BPF or CAP_SYS_ADMIN): rootless, it is left out, as runc does, and
 * the user namespace keeps the host's devices out of reach anyway.
 */
static int write_v2_devices(const char *dir, const struct barco_cgroup_limits *l,
			    struct barco_report *rep, struct barco_err *err)
{
	if (!l->device_rules)
		return 0;
	if (barco_devices_cgroup_v2(dir, l->device_rules, l->device_rules_len, rep, err) == 0)
		return 0;
	if (!barco_rootless_is() || err->errnum != EPERM)
		return barco_err_wrap(err, "linux.resources.devices");
	barco_report_add(rep, "no device program: rootless (%s)", err->msg);
	return 0;
}

/* What create writes: the limits of cfg, 0 (leave as is) where it sets none. */
static struct barco_cgroup_limits limits_of(const struct barco_config *cfg)
{
	return (struct barco_cgroup_limits){
		.memory_bytes = (int64_t)cfg->memory_max_bytes,
		.pids_max = cfg->pids_max > 0 ? cfg->pids_max : 0,
		.cpu_weight = cfg->cpu_weight,
		.cpu_shares = cfg->cpu_shares,
		.device_rules = cfg->device_rules,
		.device_rules_len = cfg->device_rules_len,
	};
}

static int create_v2(struct barco_cgroup *cg, const struct barco_cgroup *want,
		     const struct barco_config *cfg, struct barco_report *rep,
		     struct barco_err *err)
{
	const struct barco_cgroup_limits limits = limits_of(cfg);
	const char *unified = cg->layout.unified_mount;
	bool is_custom = cfg->cgroup_want != NULL;
	uint8_t *made = &cg->parents_made[BARCO_CG_SLOT_UNIFIED];

	if (make_parents(unified, want->unified_path, is_custom, made, rep, err) < 0)
		return -1;
	if (enable_v2_controllers(unified, want->unified_path, rep, err) < 0) {
		remove_parents(want->unified_path, *made);
		*made = 0;
		return -1;
	}
	if (make_leaf(want->unified_path, cg->unified_path, made, rep, err) < 0 ||
	    write_v2_limits(cg->unified_path, &limits, rep, err) < 0)
		return -1;
	return write_v2_devices(cg->unified_path, &limits, rep, err);
}

/* ---- cgroup v1 (and hybrid) --------------------------------------------- */

static bool wants_ctrl(const struct barco_cgroup_limits *l, size_t ctrl)
{
	switch (ctrl) {
	case BARCO_CG_V1_MEMORY:
		return l->memory_bytes != 0;
	case BARCO_CG_V1_CPU:
		return l->cpu_weight != 0 || l->cpu_shares != 0;
	case BARCO_CG_V1_DEVICES:
		return l->device_rules != NULL;
	default:
		return l->pids_max != 0;
	}
}

/*
 * memory.memsw.limit_in_bytes (memory+swap) must stay >= limit_in_bytes, and
 * barco keeps them equal (no swap). Lowering: the limit first; raising (the
 * kernel refuses a limit above memsw with EINVAL): memsw first.
 */
static int write_v1_memory(const char *dir, const char *v, struct barco_report *rep,
			   struct barco_err *err)
{
	struct barco_err first = {0};

	if (cg_write(dir, "memory.limit_in_bytes", v, false, rep, &first) == 0)
		return cg_write(dir, "memory.memsw.limit_in_bytes", v, true, rep, err);
	if (first.errnum != EINVAL) {
		*err = first;
		return -1;
	}
	if (cg_write(dir, "memory.memsw.limit_in_bytes", v, true, rep, err) < 0)
		return -1;
	return cg_write(dir, "memory.limit_in_bytes", v, false, rep, err);
}

static int write_v1_limits(const struct barco_cgroup *cg, const struct barco_cgroup_limits *l,
			   struct barco_report *rep, struct barco_err *err)
{
	char v[CG_VALUE_MAX];

	if (l->memory_bytes) {
		limit_text(v, l->memory_bytes, "-1");
		if (write_v1_memory(cg->v1_path[BARCO_CG_V1_MEMORY], v, rep, err) < 0)
			return -1;
	}
	if (l->cpu_weight || l->cpu_shares) {
		(void)snprintf(v, sizeof(v), "%" PRIu64,
			       l->cpu_shares ? l->cpu_shares
					     : barco_cgroup_weight_to_shares(l->cpu_weight));
		if (cg_write(cg->v1_path[BARCO_CG_V1_CPU], "cpu.shares", v, false, rep, err) < 0)
			return -1;
	}
	if (l->pids_max) {
		limit_text(v, l->pids_max, "max");
		if (cg_write(cg->v1_path[BARCO_CG_V1_PIDS], "pids.max", v, false, rep, err) < 0)
			return -1;
	}
	if (l->device_rules)
		return barco_devices_cgroup_v1(cg->v1_path[BARCO_CG_V1_DEVICES], l->device_rules,
					       l->device_rules_len, rep, err);
	return 0;
}

/* Controllers co-mounted in one hierarchy share one directory: make it once. */
static int make_v1_dir(struct barco_cgroup *cg, size_t ctrl, const struct barco_cgroup *want,
		       bool is_custom, struct barco_report *rep, struct barco_err *err)
{
	for (size_t d = 0; d < ctrl; d++) {
		if (cg->v1_path[d][0] &&
		    strcmp(cg->layout.v1_mount[d], cg->layout.v1_mount[ctrl]) == 0) {
			memcpy(cg->v1_path[ctrl], cg->v1_path[d], sizeof(cg->v1_path[d]));
			return 0;
		}
	}
	return make_cgroup_dir(cg->layout.v1_mount[ctrl], want->v1_path[ctrl], is_custom,
			       cg->v1_path[ctrl], &cg->parents_made[BARCO_CG_SLOT_V1 + ctrl], rep,
			       err);
}

/* The v1 freezer, for `pause`: its own hierarchy, or one it shares with a limit's. */
static int make_freezer_dir(struct barco_cgroup *cg, const struct barco_cgroup *want,
			    bool is_custom, struct barco_report *rep, struct barco_err *err)
{
	if (cg->layout.freezer_mount[0] == '\0')
		return 0;
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++) {
		if (cg->v1_path[c][0] &&
		    strcmp(cg->layout.v1_mount[c], cg->layout.freezer_mount) == 0) {
			memcpy(cg->freezer_path, cg->v1_path[c], sizeof(cg->v1_path[c]));
			return 0;
		}
	}
	return make_cgroup_dir(cg->layout.freezer_mount, want->freezer_path, is_custom,
			       cg->freezer_path, &cg->parents_made[BARCO_CG_SLOT_FREEZER], rep,
			       err);
}

static int create_v1(struct barco_cgroup *cg, const struct barco_cgroup *want,
		     const struct barco_config *cfg, struct barco_report *rep,
		     struct barco_err *err)
{
	const struct barco_cgroup_limits limits = limits_of(cfg);
	bool is_custom = cfg->cgroup_want != NULL;

	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++) {
		if (cg->layout.v1_mount[c][0] == '\0') {
			if (wants_ctrl(&limits, c))
				return barco_err_set(
					err, ENOENT,
					"a %s limit needs the cgroup v1 %s controller, "
					"which is not mounted",
					v1_ctrl_names[c], v1_ctrl_names[c]);
			continue;
		}
		if (make_v1_dir(cg, c, want, is_custom, rep, err) < 0)
			return -1;
	}
	if (make_freezer_dir(cg, want, is_custom, rep, err) < 0)
		return -1;
	/* Hybrid: a cgroup2 directory too, only as the container's identity for eBPF. */
	if (cg->layout.mode == BARCO_CGROUP_HYBRID &&
	    make_cgroup_dir(cg->layout.unified_mount, want->unified_path, is_custom,
			    cg->unified_path, &cg->parents_made[BARCO_CG_SLOT_UNIFIED], rep,
			    err) < 0)
		return -1;
	return write_v1_limits(cg, &limits, rep, err);
}

/* Rootless with no delegated cgroup: fine without limits, a clear refusal with them. */
static int refuse_limits_without_cgroup(const struct barco_config *cfg, struct barco_report *rep,
					struct barco_err *err)
{
	bool is_oci = cfg->bundle != NULL; /* a bundle's limits are named as in config.json */
	const char *asked = NULL;

	if (cfg->memory_max_bytes)
		asked = is_oci ? "linux.resources.memory" : "--memory";
	else if (cfg->cpu_weight)
		asked = is_oci ? "linux.resources.cpu" : "--cpu-weight";
	else if (cfg->pids_max > 0)
		asked = is_oci ? "linux.resources.pids" : "--pids";

	if (asked)
		return barco_err_set(err, 0,
				     "%s needs a cgroup, and no cgroup is delegated to uid %u: %s",
				     asked, (unsigned)geteuid(), barco_rootless_delegation_hint);
	barco_report_add(rep,
			 "no cgroup: rootless, and no cgroup2 directory is delegated to uid "
			 "%u (no limits were asked for)",
			 (unsigned)geteuid());
	return 0;
}

int barco_cgroup_create(const struct barco_cgroup_layout *layout, const char *name,
			const struct barco_config *cfg, struct barco_cgroup *ret_cg,
			struct barco_report *rep, struct barco_err *err)
{
	struct barco_cgroup *want = NULL;
	int r;

	memset(ret_cg, 0, sizeof(*ret_cg));
	if (!is_valid_name(name))
		return barco_err_set(err, EINVAL, "invalid cgroup name \"%s\"", name ? name : "");
	ret_cg->layout = *layout;
	if (layout->mode != BARCO_CGROUP_NONE) {
		want = malloc(sizeof(*want));
		if (!want)
			return barco_err_errno(err, "cgroup paths");
		/* linux.cgroupsPath, resolved when config.json was read; else barco/NAME. */
		if (cfg->cgroup_want)
			memcpy(want, cfg->cgroup_want, sizeof(*want));
		else
			barco_cgroup_paths_for(layout, name, want);
	}
	switch (layout->mode) {
	case BARCO_CGROUP_V2:
		r = create_v2(ret_cg, want, cfg, rep, err);
		break;
	case BARCO_CGROUP_HYBRID:
	case BARCO_CGROUP_V1:
		r = create_v1(ret_cg, want, cfg, rep, err);
		break;
	case BARCO_CGROUP_NONE:
		r = refuse_limits_without_cgroup(cfg, rep, err);
		break;
	default:
		r = barco_err_set(err, 0, "no usable cgroup hierarchy (layout %s)",
				  barco_cgroup_mode_name(layout->mode));
		break;
	}
	free(want);
	if (r < 0) {
		struct barco_err ignored;

		(void)barco_cgroup_destroy(ret_cg, &ignored);
	}
	return r;
}

int barco_cgroup_attach(const struct barco_cgroup *cg, pid_t pid, unsigned skip,
			struct barco_report *rep, struct barco_err *err)
{
	const char *paths[BARCO_CG_PATHS_MAX];
	size_t n = distinct_paths(cg, paths, NULL);
	char v[CG_VALUE_MAX];

	if (pid <= 0)
		return barco_err_set(err, EINVAL, "attach to cgroup: invalid pid %d", (int)pid);
	if (n == 0 && cg->layout.mode == BARCO_CGROUP_NONE)
		return 0;
	if (n == 0)
		return barco_err_set(err, ENOENT, "attach pid %d: no cgroup created", (int)pid);
	(void)snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		bool is_unified = paths[i] == cg->unified_path;

		if ((is_unified && (skip & BARCO_CG_SKIP_UNIFIED)) ||
		    (!is_unified && (skip & BARCO_CG_SKIP_V1)))
			continue;
		if (cg_write(paths[i], "cgroup.procs", v, false, rep, err) < 0)
			return -1;
	}
	return 0;
}

int barco_cgroup_join_open(const struct barco_cgroup *cg, struct barco_cgroup_join *ret,
			   struct barco_err *err)
{
	const char *paths[BARCO_CG_PATHS_MAX];
	size_t n = distinct_paths(cg, paths, NULL);
	char path[PATH_MAX];

	*ret = (struct barco_cgroup_join){.len = 0};
	for (size_t i = 0; i < n; i++) {
		int fd;

		if (paths[i] == cg->unified_path)
			continue;
		if (!path_fmt(path, "%s/tasks", paths[i])) {
			barco_cgroup_join_close(ret);
			return barco_err_set(err, ENAMETOOLONG, "open %s/tasks", paths[i]);
		}
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			barco_err_errno(err, "open %s", path);
			barco_cgroup_join_close(ret);
			return -1;
		}
		ret->dirs[ret->len] = paths[i];
		ret->fds[ret->len++] = fd;
	}
	return 0;
}

void barco_cgroup_join_self(struct barco_cgroup_join *j)
{
	for (size_t i = 0; i < j->len; i++)
		if (write(j->fds[i], "0", 1) != 1 && j->errnum == 0) {
			j->errnum = errno;
			j->failed = i;
		}
	barco_cgroup_join_close(j);
}

int barco_cgroup_join_report(const struct barco_cgroup_join *j, struct barco_report *rep,
			     struct barco_err *err)
{
	if (j->errnum)
		return barco_err_set(err, j->errnum, "write 0 to %s/tasks", j->dirs[j->failed]);
	for (size_t i = 0; i < j->len; i++)
		barco_report_add(rep,
				 "write %s/tasks = 0: this process, one thread, moves itself (no "
				 "wait for the lock a cgroup.procs write takes)",
				 j->dirs[i]);
	return 0;
}

void barco_cgroup_join_close(struct barco_cgroup_join *j)
{
	for (size_t i = 0; i < j->len; i++)
		barco_close_fd(&j->fds[i]);
}

/*
 * Starting the child inside its cgroup2 directory means that from its first
 * page on, what it allocates is charged there, and that there is no
 * migration to do (a cgroup.procs write takes the kernel's
 * cgroup_threadgroup_rwsem for writing, which waits for an RCU grace
 * period).
 */
pid_t barco_cgroup_clone_into(unsigned long ns_flags, int cgroup_fd)
{
	struct clone_args args = {
		.flags = ns_flags | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup_fd,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int barco_cgroup_update(const struct barco_cgroup *cg, const struct barco_cgroup_limits *limits,
			struct barco_report *rep, struct barco_err *err)
{
	if (cg->layout.mode == BARCO_CGROUP_V2)
		return write_v2_limits(cg->unified_path, limits, rep, err) < 0
			       ? -1
			       : write_v2_devices(cg->unified_path, limits, rep, err);
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (cg->v1_path[c][0] == '\0' && wants_ctrl(limits, c))
			return barco_err_set(err, ENOENT,
					     "a %s limit needs the cgroup v1 %s controller, "
					     "which is not mounted",
					     v1_ctrl_names[c], v1_ctrl_names[c]);
	return write_v1_limits(cg, limits, rep, err);
}

/* ---- freezer ------------------------------------------------------------ */

/*
 * The file that freezes cg and the values it takes: cgroup-v1/freezer-subsystem.rst
 * (freezer.state: FROZEN, THAWED; reads FREEZING until every task is
 * frozen) or cgroup-v2.rst (cgroup.freeze 1/0; cgroup.events says
 * "frozen 1" once done).
 */
struct freezer_files {
	char control[PATH_MAX];
	char done[PATH_MAX]; /* read until it holds want */
	const char *value;
	const char *want;
};

static int freezer_files(const struct barco_cgroup *cg, bool is_frozen, struct freezer_files *ret,
			 struct barco_err *err)
{
	const char *v1 = cg->freezer_path, *v2 = cg->unified_path;
	bool is_v1 = v1[0] != '\0';

	if (!is_v1 && (cg->layout.mode != BARCO_CGROUP_V2 || v2[0] == '\0'))
		return barco_err_set(err, ENOENT,
				     "no freezer: the v1 freezer is not mounted and cgroup.freeze "
				     "is cgroup v2's");
	if (!path_fmt(ret->control, "%s/%s", is_v1 ? v1 : v2,
		      is_v1 ? "freezer.state" : "cgroup.freeze") ||
	    !path_fmt(ret->done, "%s/%s", is_v1 ? v1 : v2,
		      is_v1 ? "freezer.state" : "cgroup.events"))
		return barco_err_set(err, ENAMETOOLONG, "freezer of %s", is_v1 ? v1 : v2);
	ret->value = is_v1 ? (is_frozen ? "FROZEN" : "THAWED") : (is_frozen ? "1" : "0");
	ret->want = is_v1 ? ret->value : (is_frozen ? "frozen 1" : "frozen 0");
	return 0;
}

int barco_cgroup_freeze(const struct barco_cgroup *cg, bool is_frozen, struct barco_err *err)
{
	enum { TRIES = 1000, PAUSE_NS = 2000000L }; /* 2 s */
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = PAUSE_NS};
	struct freezer_files f = {.value = "", .want = ""};
	char now[CG_SMALL_FILE_MAX] = "";

	if (freezer_files(cg, is_frozen, &f, err) < 0)
		return -1;
	for (int i = 0; i < TRIES; i++) {
		/* v1: writing FROZEN again makes the freezer retry tasks it could not freeze yet.
		 */
		if (write_file(f.control, f.value) < 0)
			return barco_err_errno(err, "write %s to %s", f.value, f.control);
		if (cg_read(f.done, now, sizeof(now), err) < 0)
			return -1;
		if (strstr(now, f.want))
			return 0;
		(void)nanosleep(&pause, NULL);
	}
	return barco_err_set(err, ETIMEDOUT, "%s: still not \"%s\"", f.done, f.want);
}

bool barco_cgroup_is_frozen(const struct barco_cgroup *cg)
{
	struct freezer_files f = {.value = "", .want = ""};
	struct barco_err ignored;
	char now[CG_SMALL_FILE_MAX] = "";

	if (freezer_files(cg, true, &f, &ignored) < 0 ||
	    cg_read(f.control, now, sizeof(now), &ignored) < 0)
		return false;
	return strncmp(now, "FR", 2) == 0 || now[0] == '1'; /* FROZEN, FREEZING; 1 */
}

/*
 * The "oom_kill N" line of v1's memory.oom_control or cgroup2's
 * memory.events (cgroup-v1/memory.rst, cgroup-v2.rst): how many processes
 * the OOM killer killed in this cgroup.
 */
long barco_cgroup_oom_kills(const struct barco_cgroup *cg)
{
	const char *v1 = cg->v1_path[BARCO_CG_V1_MEMORY];
	char path[PATH_MAX];
	char text[512];
	struct barco_err ignored;
	const char *line;

	if (!(v1[0] ? path_fmt(path, "%s/memory.oom_control", v1)
		    : cg->unified_path[0] &&
			      path_fmt(path, "%s/memory.events", cg->unified_path)) ||
	    cg_read(path, text, sizeof(text), &ignored) < 0)
		return -1;
	line = strstr(text, "oom_kill ");
	return line ? strtol(line + strlen("oom_kill "), NULL, 10) : -1;
}

/* ---- destroy ------------------------------------------------------------ */

/* Without cgroup.kill: SIGKILL every pid listed in cgroup.procs. */
static void kill_listed(const char *dir)
{
	char path[PATH_MAX];
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;

	if (!path_fmt(path, "%s/cgroup.procs", dir) || !(f = fopen(path, "re")))
		return; /* gone already, or never a cgroup: nothing to kill */
	while (getline(&line, &cap, f) > 0) {
		long pid = strtol(line, NULL, 10);

		/* Never pid <= 0 (kill(2) would reach groups), never barco itself. */
		if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, SIGKILL) < 0 &&
		    errno != ESRCH)
			log_debug("kill(%ld, SIGKILL) from %s: %s", pid, path, strerror(errno));
	}
}

/*
 * cgroup-v2.rst: writing "1" to cgroup.kill (5.14+) kills the whole subtree.
 * A paused container's tasks die only once thawed (v1 freezer): thaw after.
 */
static void kill_members(const char *dir)
{
	char path[PATH_MAX];

	if (!path_fmt(path, "%s/cgroup.kill", dir) || write_file(path, "1") < 0)
		kill_listed(dir);
	if (path_fmt(path, "%s/freezer.state", dir))
		(void)write_file(path, "THAWED");
	if (path_fmt(path, "%s/cgroup.freeze", dir))
		(void)write_file(path, "0");
}

static int remove_cgroup(const char *dir, struct barco_err *err)
{
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = CG_RMDIR_PAUSE_NS};

	for (int attempt = 1;; attempt++) {
		int rmdir_errno;

		kill_members(dir);
		if (rmdir(dir) == 0)
			return 0;
		rmdir_errno = errno;
		if (rmdir_errno == ENOENT)
			return 0;
		if (rmdir_errno != EBUSY || attempt >= CG_RMDIR_TRIES)
			return barco_err_set(err, rmdir_errno, "rmdir %s", dir);
		(void)nanosleep(&pause, NULL);
	}
}

int barco_cgroup_destroy(struct barco_cgroup *cg, struct barco_err *err)
{
	const char *paths[BARCO_CG_PATHS_MAX];
	size_t slots[BARCO_CG_PATHS_MAX];
	size_t n = distinct_paths(cg, paths, slots);
	struct barco_err later;
	int r = 0;

	/* Every directory is tried; the first failure is the one reported. */
	for (size_t i = 0; i < n; i++) {
		if (remove_cgroup(paths[i], r == 0 ? err : &later) < 0)
			r = -1;
		else
			remove_parents(paths[i], cg->parents_made[slots[i]]);
	}
	memset(cg, 0, sizeof(*cg));
	return r;
}
