/*
 * One container of barco verify: the rows become one shell script (each
 * row's command between "@row ID" and "@status ID $?" lines), run in the
 * default container with --memory 64M and --pids 32 added, so that the
 * cgroup rows have a limit to hit, and traced; its output is then read
 * back, row by row, into what each returned.
 */
#include "verify/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/exit_status.h"
#include "base/util.h"
#include "runtime/lesson_skip.h"
#include "runtime/run.h"
#include "runtime/runner.h"
#include "stages/rootless.h"

#define VERIFY_MEMORY (64ull << 20)
#define VERIFY_PIDS   32
#define OUTPUT_MAX    ((size_t)256 << 10)

void barco_verify_run_free(struct barco_verify_run *r)
{
	free(r->trace);
	free(r->output);
	memset(r, 0, sizeof(*r));
}

/* What a row's {pid}, {rootid} and {hostname} stand for. */
struct script_vars {
	char pid[16];
	char rootid[48];
	char hostname[256];
	const char *rootfs;
};

/* Appends the row's command with its {NAME}s replaced; returns the bytes written. */
static size_t expand(char *p, size_t size, const char *shell, const struct script_vars *v)
{
	static const char *const names[] = {"{pid}", "{rootid}", "{hostname}"};
	const char *values[] = {v->pid, v->rootid, v->hostname};
	size_t n = 0;

	while (*shell && n + 1 < size) {
		size_t i = 0;

		while (i < ARRAY_LEN(names) && strncmp(shell, names[i], strlen(names[i])) != 0)
			i++;
		if (i == ARRAY_LEN(names)) {
			p[n++] = *shell++;
			continue;
		}
		n += (size_t)snprintf(p + n, size - n, "%s", values[i]);
		n = n < size ? n : size - 1;
		shell += strlen(names[i]);
	}
	p[n] = '\0';
	return n;
}

/*
 * "@row ID", the row's command, "@status ID $?" for each row. Without the
 * mounts stage, / is the host's: the row links are found in the rootfs.
 */
static char *build_script(const struct barco_verify_row *const *sel, size_t n,
			  const struct script_vars *v, bool is_host_root)
{
	size_t size = 512 + strlen(v->rootfs);
	char *script, *p;

	for (size_t i = 0; i < n; i++)
		size += strlen(sel[i]->shell) + 2 * strlen(sel[i]->id) +
			4 * sizeof(struct script_vars) + 64;
	script = calloc(1, size);
	p = script;
	if (script && is_host_root)
		p += snprintf(p, size, "PATH=\"$PATH:%s/bin\"\n", v->rootfs);
	for (size_t i = 0; script && i < n; i++) {
		p += snprintf(p, size - (size_t)(p - script), "echo '@row %s'\n", sel[i]->id);
		p += expand(p, size - (size_t)(p - script), sel[i]->shell, v);
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
static int run_script(struct barco_config *cfg, struct barco_verify_run *ret, struct barco_err *err)
{
	cleanup_close int out = memfd_create("barco-verify", MFD_CLOEXEC);
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int stdio[BARCO_STDIO_FDS];
	int r;

	if (out < 0 || null < 0)
		return barco_err_errno(err, "memfd_create or /dev/null");
	stdio[0] = null;
	stdio[1] = stdio[2] = out;
	ret->trace = calloc(1, sizeof(*ret->trace));
	if (!ret->trace)
		return barco_err_errno(err, "allocating the trace result");
	r = barco_run_container(cfg, stdio, ret->trace, &ret->status, err);
	ret->output = read_memfd(out);
	if (r < 0)
		return -1;
	if (!ret->output)
		return barco_err_errno(err, "reading the container's output");
	return 0;
}

int barco_verify_run_rows(const struct barco_verify_opts *o,
			  const struct barco_verify_row *const *sel, size_t n,
			  const struct barco_verify_change *change, struct barco_verify_run *ret,
			  struct barco_err *err)
{
	cleanup_free struct barco_config *cfg = calloc(1, sizeof(*cfg));
	struct script_vars vars = {.rootfs = o->rootfs};
	struct stat root;
	cleanup_free char *script = NULL;
	char *argv[] = {"/bin/sh", "-c", NULL, NULL};
	bool is_subid = false;

	ret->status = BARCO_EXIT_BARCO;
	(void)snprintf(vars.pid, sizeof(vars.pid), "%d", (int)getpid());
	(void)gethostname(vars.hostname, sizeof(vars.hostname) - 1);
	if (stat("/", &root) == 0)
		(void)snprintf(vars.rootid, sizeof(vars.rootid), "%llu:%llu",
			       (unsigned long long)root.st_dev, (unsigned long long)root.st_ino);
	script = build_script(sel, n, &vars, change->lesson_skip == BARCO_LESSON_SKIP_MOUNTS);
	if (!cfg || !script)
		return barco_err_set(err, ENOMEM, "allocating a container");
	argv[2] = script;
	barco_config_init(cfg);
	(void)snprintf(cfg->rootfs, sizeof(cfg->rootfs), "%s", o->rootfs);
	if (barco_verify_has_cgroup()) {
		cfg->memory_max_bytes = VERIFY_MEMORY;
		cfg->pids_max = VERIFY_PIDS;
	}
	cfg->seccomp = change->seccomp;
	cfg->caps_add = change->caps_add;
	cfg->lesson_skip = change->lesson_skip;
	barco_lesson_skip_apply(cfg);
	cfg->is_trace = true;
	cfg->argv = argv;
	if ((barco_rootless_is() && barco_rootless_default_maps(cfg, &is_subid, err) < 0) ||
	    barco_config_finish(cfg, err) < 0 || run_script(cfg, ret, err) < 0)
		return -1;
	if (ret->status == BARCO_EXIT_BARCO)
		return barco_err_set(err, 0, "the container of the rows exited with status %d",
				     BARCO_EXIT_BARCO);
	return 0;
}

/* ---- what each row returned ------------------------------------------------------------ */

bool barco_verify_row_output(const char *output, const char *id, const char **ret_start,
			     size_t *ret_len, int *ret_status)
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
static void read_status(int status, const char *sec, size_t len, struct barco_verify_result *res)
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

void barco_verify_read_outcome(const struct barco_verify_row *row, const char *output,
			       struct barco_verify_result *res)
{
	const char *sec;
	size_t len;
	int status;

	if (!barco_verify_row_output(output, row->id, &sec, &len, &status)) {
		(void)snprintf(res->returned, sizeof(res->returned), "did not run");
		return;
	}
	if (row->outcome == BARCO_VERIFY_OUTCOME_STATUS) {
		read_status(status, sec, len, res);
	} else if (row->outcome == BARCO_VERIFY_OUTCOME_BYTES) {
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
