#include "runtime/oci_lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/parse.h"
#include "base/sock.h"
#include "base/util.h"
#include "runtime/exe_guard.h"
#include "runtime/explain.h"
#include "runtime/oci_config.h"
#include "runtime/oci_hooks.h"
#include "runtime/runner.h"
#include "runtime/stage.h"
#include "runtime/state.h"
#include "stages/cgroup.h"
#include "stages/ns.h"

static const char *const status_names[] = {
	[BARCO_OCI_CREATED] = "created",
	[BARCO_OCI_RUNNING] = "running",
	[BARCO_OCI_STOPPED] = "stopped",
	[BARCO_OCI_PAUSED] = "paused",
};

const char *barco_oci_status_name(enum barco_oci_status s)
{
	return (unsigned)s < ARRAY_LEN(status_names) ? status_names[s] : "unknown";
}

/* Each stage's report, as `barco step` prints it, kept for `barco step ID --explain`. */
static void save_report(const struct barco_container *c, enum barco_stage stage,
			const struct barco_report *rep, uint64_t duration_ns, void *data)
{
	struct barco_stage_view v = {
		.name = c->cfg->name,
		.stage = stage,
		.pid = c->pid,
		.duration_ns = duration_ns,
		.what = rep->text,
		.cgroup = &c->cgroup,
	};

	barco_explain_print(data, &v, false);
}

/* Digits, no newline, renamed into place: what conmon and the shim read. */
int barco_oci_write_pid_file(const char *path, pid_t pid, struct barco_err *err)
{
	char tmp[PATH_MAX];
	char text[16];
	int len = snprintf(text, sizeof(text), "%d", (int)pid);
	cleanup_close int fd = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.barco-tmp", path) >= (int)sizeof(tmp))
		return barco_err_set(err, ENAMETOOLONG, "pid file %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return barco_err_errno(err, "pid file %s", tmp);
	if (write(fd, text, (size_t)len) != len || rename(tmp, path) < 0) {
		barco_err_errno(err, "pid file %s", path);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* oci.json: what state needs and barco's state.json does not hold. */
static int write_oci_json(int dir_fd, const char *bundle, pid_t pid,
			  const struct barco_oci_spec *spec, struct barco_err *err)
{
	struct json_object *annotations = spec->annotations;
	struct json_object *o = json_object_new_object();
	unsigned long long start = 0;
	cleanup_close int fd = -1;
	const char *text;
	char state;
	int r = 0;

	if (barco_proc_stat(pid, &state, &start) < 0) {
		json_object_put(o);
		return barco_err_errno(err, "/proc/%d/stat", (int)pid);
	}
	(void)json_object_object_add(o, "bundle", json_object_new_string(bundle));
	(void)json_object_object_add(o, "init_start", json_object_new_uint64(start));
	(void)json_object_object_add(o, "annotations",
				     annotations ? json_object_get(annotations)
						 : json_object_new_object());
	/* start runs poststart, delete poststop: config.json's hooks as create read them. */
	if (spec->hooks.json)
		(void)json_object_object_add(o, "hooks", json_object_get(spec->hooks.json));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	fd = openat(dir_fd, "oci.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    renameat(dir_fd, "oci.json.tmp", dir_fd, "oci.json") < 0)
		r = barco_err_errno(err, "write oci.json");
	json_object_put(o);
	return r;
}

/*
 * conmon and the shim wait on --console-socket for the pty master: one
 * message, a payload, exactly one SCM_RIGHTS descriptor.
 */
int barco_oci_send_console(const char *path, int master, struct barco_err *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (master < 0)
		return barco_err_set(err, EPROTO, "no console came back from the container");
	if (strlen(path) >= sizeof(addr.sun_path))
		return barco_err_set(err, ENAMETOOLONG, "--console-socket %s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return barco_err_errno(err, "--console-socket %s", path);
	if (barco_sock_send(fd, "console", 7, &master, 1, err) < 0)
		return barco_err_wrap(err, "--console-socket %s", path);
	return 0;
}

/* The stages through exec's wait, the files an engine reads, and the init let go. */
static int create_container(struct barco_config *cfg, struct barco_oci_spec *spec,
			    const char *bundle, const char *pid_file, struct barco_err *err)
{
	struct barco_container c;
	cleanup_fclose FILE *reports = NULL;
	int fd;

	if (barco_container_open(&c, cfg, barco_stage_table(), err) < 0)
		return -1;
	fd = openat(c.state_dir_fd, "reports", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	reports = fd < 0 ? NULL : fdopen(fd, "w");
	if (!reports) {
		barco_err_errno(err, "create %s/%s/reports", BARCO_RUN_DIR, cfg->name);
		if (fd >= 0)
			(void)close(fd);
		barco_container_close(&c);
		return -1;
	}
	if (barco_runner_advance(&c, BARCO_STAGE_EXEC, save_report, reports, err) < 0 ||
	    write_oci_json(c.state_dir_fd, bundle, c.pid, spec, err) < 0 ||
	    (cfg->is_terminal &&
	     barco_oci_send_console(cfg->console_socket, c.pty_master, err) < 0) ||
	    (pid_file && barco_oci_write_pid_file(pid_file, c.pid, err) < 0)) {
		barco_container_close(&c);
		/* As runc: a container destroyed during create gets its poststop hooks. */
		barco_oci_hooks_run_after(cfg->hooks, BARCO_OCI_HOOK_POSTSTOP, cfg->name, bundle,
					  "stopped", 0, NULL);
		return -1;
	}
	barco_container_detach(&c);
	return 0;
}

int barco_oci_create(const char *bundle, const char *id, const char *pid_file,
		     const char *console_socket, bool is_systemd_cgroup, struct barco_err *err)
{
	struct barco_oci_spec *spec = NULL;
	struct barco_config cfg;
	char abs_bundle[PATH_MAX];
	int r;

	barco_config_init(&cfg);
	if (barco_parse_name(id, err) < 0)
		return barco_err_wrap(err, "container id");
	(void)snprintf(cfg.name, sizeof(cfg.name), "%s", id);
	if (!realpath(bundle, abs_bundle))
		return barco_err_errno(err, "bundle '%s'", bundle);
	cfg.bundle = abs_bundle;
	cfg.is_oci_create = true;
	cfg.console_socket = console_socket;
	cfg.is_systemd_cgroup = is_systemd_cgroup;
	if (barco_oci_config_load(&cfg, &spec, err) < 0)
		return -1;
	r = barco_config_finish(&cfg, err);
	/* Before anything exists on the host: the guard may re-execute barco. */
	if (r == 0 && barco_exe_guard_is_needed(&cfg))
		r = barco_exe_guard(err);
	if (r == 0)
		barco_oci_config_warn(&cfg);
	if (r == 0)
		r = create_container(&cfg, spec, abs_bundle, pid_file, err);
	barco_oci_spec_free(spec);
	return r;
}

static int open_state_dir(const char *id, struct barco_err *err)
{
	char path[PATH_MAX];
	int fd;

	if (barco_parse_name(id, err) < 0)
		return barco_err_wrap(err, "container id");
	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, id);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return barco_err_set(err, 0, "container \"%s\" does not exist", id);
	if (fd < 0)
		return barco_err_errno(err, "open %s", path);
	return fd;
}

static int read_oci_json(int dir_fd, struct barco_oci_state *st, unsigned long long *ret_start,
			 struct barco_err *err)
{
	cleanup_close int fd = openat(dir_fd, "oci.json", O_RDONLY | O_CLOEXEC);
	struct json_object *o = fd < 0 ? NULL : json_object_from_fd(fd);
	struct json_object *v;

	if (!o)
		return barco_err_set(err, ENOENT,
				     "container \"%s\" was not made by barco create (no oci.json)",
				     st->id);
	if (json_object_object_get_ex(o, "bundle", &v))
		(void)snprintf(st->bundle, sizeof(st->bundle), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "init_start", &v))
		*ret_start = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "annotations", &v))
		(void)snprintf(st->annotations, sizeof(st->annotations), "%s",
			       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

int barco_oci_state(const char *id, struct barco_oci_state *ret, struct barco_err *err)
{
	cleanup_close int dir_fd = open_state_dir(id, err);
	unsigned long long want = 0, start = 0;
	struct barco_state bs;
	struct stat sb;
	char state;

	if (dir_fd < 0)
		return -1;
	memset(ret, 0, sizeof(*ret));
	(void)snprintf(ret->id, sizeof(ret->id), "%s", id);
	(void)snprintf(ret->annotations, sizeof(ret->annotations), "{}");
	if (read_oci_json(dir_fd, ret, &want, err) < 0 || barco_state_read(id, &bs, err) < 0)
		return -1;
	(void)snprintf(ret->stage, sizeof(ret->stage), "%s", bs.stage);
	ret->created = bs.created;
	ret->pid = bs.pid;
	/* Gone, a zombie, or another process with its pid: stopped (as runc decides). */
	if (bs.pid <= 0 || barco_proc_stat(bs.pid, &state, &start) < 0 || start != want ||
	    state == 'Z' || state == 'X') {
		ret->status = BARCO_OCI_STOPPED;
		ret->pid = 0;
	} else {
		ret->status = fstatat(dir_fd, "exec.fifo", &sb, 0) == 0 ? BARCO_OCI_CREATED
									: BARCO_OCI_RUNNING;
		if (barco_oci_is_frozen(id))
			ret->status = BARCO_OCI_PAUSED;
	}
	return 0;
}

void barco_oci_state_print(FILE *out, const struct barco_oci_state *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ann = json_tokener_parse(st->annotations);
	char created[64];
	struct tm tm;
	time_t t = (time_t)st->created;

	(void)gmtime_r(&t, &tm);
	(void)strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	(void)json_object_object_add(o, "ociVersion", json_object_new_string("1.1.0"));
	(void)json_object_object_add(o, "id", json_object_new_string(st->id));
	(void)json_object_object_add(o, "status",
				     json_object_new_string(barco_oci_status_name(st->status)));
	(void)json_object_object_add(o, "pid", json_object_new_int(st->pid));
	(void)json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	(void)json_object_object_add(o, "created", json_object_new_string(created));
	(void)json_object_object_add(o, "annotations", ann ? ann : json_object_new_object());
	(void)json_object_object_add(o, "barco.stage", json_object_new_string(st->stage));
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * The copy of config.json's hooks create kept in oci.json, for poststart
 * and poststop; *ret_doc holds what their strings point into (json_object_put).
 * Nothing to run when it cannot be read: delete must still delete.
 */
static void read_oci_hooks(int dir_fd, struct barco_oci_hooks *ret, struct json_object **ret_doc)
{
	cleanup_close int fd = openat(dir_fd, "oci.json", O_RDONLY | O_CLOEXEC);
	struct json_object *doc = fd < 0 ? NULL : json_object_from_fd(fd);
	struct json_object *hooks = NULL;
	struct barco_err err;

	memset(ret, 0, sizeof(*ret));
	*ret_doc = doc;
	if (!doc || !json_object_object_get_ex(doc, "hooks", &hooks))
		return;
	if (barco_oci_hooks_parse(hooks, ret, &err) < 0) {
		log_warn("oci.json: %s: no poststart or poststop hooks run", err.msg);
		return;
	}
	if (json_object_object_get_ex(doc, "annotations", &hooks))
		ret->annotations = hooks;
}

/* poststart: run (warnings only), and their report lines appended to STATE/reports. */
static void append_hook_report(int dir_fd, const struct barco_oci_hooks *hooks,
			       enum barco_oci_hook_kind kind, const struct barco_oci_state *st,
			       const char *status)
{
	struct barco_report rep = {0};
	cleanup_close int fd = -1;

	if (!barco_oci_hooks_has(hooks, kind))
		return;
	barco_oci_hooks_run_after(hooks, kind, st->id, st->bundle, status, st->pid, &rep);
	fd = openat(dir_fd, "reports", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0)
		dprintf(fd, "start: %s hooks, on the host\n%s\n", barco_oci_hook_name(kind),
			rep.text);
}

/*
 * Waits up to 10 s for the init's byte: "0", it has passed the fifo and
 * goes on to execve; "h", it runs the startContainer hooks first (as long
 * as they take), then "0", or "E" and why they failed (oci_hooks.h).
 */
static int release_init(int dir_fd, const char *id, struct barco_err *err)
{
	cleanup_close int fd = openat(dir_fd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct pollfd pfd = {.events = POLLIN};
	char msg[BARCO_ERR_MSG_MAX] = "";
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return barco_err_errno(err, "open %s/%s/exec.fifo", BARCO_RUN_DIR, id);
	pfd.fd = fd;
	if (poll(&pfd, 1, 10000) <= 0 || read(fd, msg, 1) != 1)
		return barco_err_set(err, ETIMEDOUT, "container \"%s\": the init did not start",
				     id);
	(void)unlinkat(dir_fd, "exec.fifo", 0);
	if (msg[0] != 'h')
		return 0;
	/* The init closes its end before execve, or exits: read to the end. */
	while (len < sizeof(msg) - 1 && poll(&pfd, 1, -1) > 0 &&
	       (n = read(fd, msg + len, sizeof(msg) - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = '\0';
	if (msg[0] == '0')
		return 0;
	return barco_err_set(err, 0, "container \"%s\": %s", id,
			     msg[0] == 'E' ? msg + 1 : "the init exited before its command ran");
}

int barco_oci_start(const char *id, struct barco_err *err)
{
	struct barco_oci_state st;
	struct barco_oci_hooks hooks;
	struct json_object *doc = NULL;
	cleanup_close int dir_fd = -1;
	int r;

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	if (st.status != BARCO_OCI_CREATED)
		return barco_err_set(err, 0,
				     "cannot start a container that is %s (only a "
				     "created one)",
				     barco_oci_status_name(st.status));
	dir_fd = open_state_dir(id, err);
	if (dir_fd < 0)
		return -1;
	read_oci_hooks(dir_fd, &hooks, &doc);
	r = release_init(dir_fd, id, err);
	if (r == 0)
		append_hook_report(dir_fd, &hooks, BARCO_OCI_HOOK_POSTSTART, &st, "running");
	barco_oci_hooks_free(&hooks);
	json_object_put(doc);
	return r;
}

/*
 * The host pids in the container's cgroup: the cgroup2 directory, else a
 * v1 hierarchy; rootless without a cgroup, those in the init's pid namespace.
 */
static int read_procs(const char *id, pid_t init, pid_t *pids, size_t max, size_t *ret_len,
		      struct barco_err *err)
{
	struct barco_cgroup cg;
	cleanup_fclose FILE *f = NULL;
	char path[PATH_MAX + 16];
	int pid;

	if (barco_oci_container_cgroup(id, &cg, err) < 0)
		return -1;
	if (cg.layout.mode == BARCO_CGROUP_NONE)
		return barco_ns_pid_members(init, pids, max, ret_len, err);
	for (int i = -1; !f && i < BARCO_CG_V1_COUNT; i++) {
		const char *dir = i < 0 ? cg.unified_path : cg.v1_path[i];

		(void)snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		f = dir[0] ? fopen(path, "re") : NULL;
	}
	if (!f)
		return barco_err_set(err, ENOENT, "container \"%s\": no cgroup", id);
	*ret_len = 0;
	while (*ret_len < max && fscanf(f, "%d", &pid) == 1)
		pids[(*ret_len)++] = pid;
	return 0;
}

int barco_oci_kill(const char *id, int sig, bool all, struct barco_err *err)
{
	struct barco_oci_state st;
	pid_t pids[4096];
	size_t n = 0;

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	if (st.status == BARCO_OCI_STOPPED)
		return barco_err_set(err, 0, "container \"%s\": container not running", id);
	if (!all) {
		if (kill(st.pid, sig) < 0)
			return barco_err_errno(err, "kill(%d, %d)", (int)st.pid, sig);
		return 0;
	}
	if (read_procs(id, st.pid, pids, ARRAY_LEN(pids), &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		(void)kill(pids[i], sig);
	return 0;
}

/* The init is not our child: watch /proc until it has exited (a zombie has). */
static void wait_gone(pid_t pid, unsigned long long want)
{
	unsigned long long start;
	char state;

	for (int i = 0; i < 500; i++) {
		if (barco_proc_stat(pid, &state, &start) < 0 || start != want || state == 'Z' ||
		    state == 'X')
			return;
		(void)usleep(10000);
	}
}

int barco_oci_delete(const char *id, bool force, struct barco_err *err)
{
	struct barco_oci_state st;
	struct barco_cgroup_layout layout;
	struct barco_oci_hooks hooks;
	struct json_object *doc = NULL;
	unsigned long long start = 0;

	cleanup_close int dir_fd = open_state_dir(id, err);

	if (dir_fd < 0)
		return -1;
	/* With --force even a state no longer readable is removed (its processes with its cgroups).
	 */
	if (barco_oci_state(id, &st, err) < 0) {
		if (!force)
			return -1;
		st = (struct barco_oci_state){.status = BARCO_OCI_STOPPED};
	}
	if ((st.status == BARCO_OCI_RUNNING || st.status == BARCO_OCI_PAUSED) && !force)
		return barco_err_set(err, 0,
				     "cannot delete container \"%s\" that is not stopped: %s "
				     "(use --force)",
				     id, barco_oci_status_name(st.status));
	if (st.pid > 0) {
		char state;

		(void)barco_proc_stat(st.pid, &state, &start);
		(void)kill(st.pid, SIGKILL);
		if (st.status == BARCO_OCI_PAUSED)
			barco_oci_thaw(id); /* a frozen task dies only once thawed */
		wait_gone(st.pid, start);
	}
	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	read_oci_hooks(dir_fd, &hooks, &doc);
	if (barco_state_reclaim(id, &layout, true) != 1) {
		barco_oci_hooks_free(&hooks);
		json_object_put(doc);
		return barco_err_set(err, EBUSY, "container \"%s\" is still in use", id);
	}
	/* runtime.md: poststop once the container is deleted, before delete returns. */
	barco_oci_hooks_run_after(&hooks, BARCO_OCI_HOOK_POSTSTOP, id, st.bundle, "stopped", 0,
				  NULL);
	barco_oci_hooks_free(&hooks);
	json_object_put(doc);
	return 0;
}

int barco_oci_ps(FILE *out, const char *id, struct barco_err *err)
{
	struct barco_oci_state st;
	pid_t pids[4096];
	size_t n = 0;

	if (barco_oci_state(id, &st, err) < 0 ||
	    read_procs(id, st.pid, pids, ARRAY_LEN(pids), &n, err) < 0)
		return -1;
	fputc('[', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%d", i ? "," : "", (int)pids[i]);
	fputs("]\n", out);
	return 0;
}

int barco_oci_explain(FILE *out, const char *id, struct barco_err *err)
{
	cleanup_close int dir_fd = open_state_dir(id, err);
	cleanup_close int fd = -1;
	char buf[4096];
	ssize_t n;

	if (dir_fd < 0)
		return -1;
	fd = openat(dir_fd, "reports", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return barco_err_errno(err, "container \"%s\": no stage reports", id);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)fwrite(buf, 1, (size_t)n, out);
	return 0;
}

int barco_oci_parse_signal(const char *s, int *ret, struct barco_err *err)
{
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	uint64_t n;
	struct barco_err ignored;

	if (barco_parse_uint(s, 1, NSIG - 1, "signal", &n, &ignored) == 0) {
		*ret = (int)n;
		return 0;
	}
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, name) == 0) {
			*ret = sig;
			return 0;
		}
	}
	return barco_err_set(err, EINVAL,
			     "unknown signal \"%s\" (a number, or a name: TERM, "
			     "SIGKILL, USR1…)",
			     s);
}

static bool is_other_root(const char *root)
{
	size_t len = strlen(BARCO_RUN_DIR);

	return root && (strncmp(root, BARCO_RUN_DIR, len) != 0 ||
			strspn(root + len, "/") != strlen(root + len));
}

int barco_oci_root_link(const char *root, const char *id, struct barco_err *err)
{
	char target[PATH_MAX];
	char link[PATH_MAX];

	if (!is_other_root(root))
		return 0;
	/* As runc: the engine names a directory per namespace (containerd: ROOT/NS), made here. */
	if (barco_mkdir_p(root, 0700) < 0)
		return barco_err_errno(err, "--root %s", root);
	(void)snprintf(target, sizeof(target), "%s/%s", BARCO_RUN_DIR, id);
	if (snprintf(link, sizeof(link), "%s/%s", root, id) >= (int)sizeof(link))
		return barco_err_set(err, ENAMETOOLONG, "--root %s", root);
	if (symlink(target, link) < 0)
		return barco_err_errno(err, "symlink %s -> %s", link, target);
	return 0;
}

void barco_oci_root_unlink(const char *root, const char *id)
{
	char link[PATH_MAX];
	struct stat st;

	if (!is_other_root(root) ||
	    snprintf(link, sizeof(link), "%s/%s", root, id) >= (int)sizeof(link))
		return;
	if (lstat(link, &st) == 0 && S_ISLNK(st.st_mode))
		(void)unlink(link);
}

/* ---- the freezer: pause and resume are in oci_pause.c ---- */

int barco_oci_container_cgroup(const char *id, struct barco_cgroup *ret, struct barco_err *err)
{
	return barco_state_cgroup(id, ret, err);
}

bool barco_oci_is_frozen(const char *id)
{
	struct barco_cgroup cg;
	struct barco_err ignored;

	return barco_oci_container_cgroup(id, &cg, &ignored) == 0 && barco_cgroup_is_frozen(&cg);
}

void barco_oci_thaw(const char *id)
{
	struct barco_cgroup cg;
	struct barco_err ignored;

	if (barco_oci_container_cgroup(id, &cg, &ignored) == 0 &&
	    barco_cgroup_freeze(&cg, false, &ignored) < 0)
		log_debug("thaw %s: %s", id, ignored.msg);
}
