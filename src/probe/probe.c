/*
 * The probe runner: the section table, one loop over the selected checks,
 * and the helpers every check uses (evidence lines, small files, attempts
 * in a child process with a timer).
 */
#include "probe/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"

static const struct barco_probe_section_def section_defs[BARCO_PROBE_SECTION_COUNT] = {
	[BARCO_PROBE_KERNEL] = {"kernel", "kernel", barco_probe_kernel_checks,
				&barco_probe_kernel_checks_len, NULL},
	[BARCO_PROBE_USERNS] = {"userns", "user namespaces", barco_probe_userns_checks,
				&barco_probe_userns_checks_len, barco_probe_userns_conclude},
	[BARCO_PROBE_NS] = {"ns", "namespaces", barco_probe_ns_checks, &barco_probe_ns_checks_len,
			    NULL},
	[BARCO_PROBE_CGROUP] = {"cgroup", "cgroups", barco_probe_cgroup_checks,
				&barco_probe_cgroup_checks_len, barco_probe_cgroup_conclude},
	[BARCO_PROBE_CAPS] = {"caps", "capabilities", barco_probe_caps_checks,
			      &barco_probe_caps_checks_len, NULL},
	[BARCO_PROBE_SECCOMP] = {"seccomp", "seccomp", barco_probe_seccomp_checks,
				 &barco_probe_seccomp_checks_len, NULL},
	[BARCO_PROBE_BPF] = {"bpf", "eBPF", barco_probe_bpf_checks, &barco_probe_bpf_checks_len,
			     barco_probe_bpf_conclude},
};

static const char *const status_names[BARCO_PROBE_STATUS_COUNT] = {
	[BARCO_PROBE_PASS] = "PASS",
	[BARCO_PROBE_WARN] = "WARN",
	[BARCO_PROBE_FAIL] = "FAIL",
	[BARCO_PROBE_UNKNOWN] = "UNKNOWN",
};

const struct barco_probe_section_def *barco_probe_section_get(enum barco_probe_section s)
{
	if ((unsigned int)s >= BARCO_PROBE_SECTION_COUNT)
		return NULL;
	return &section_defs[s];
}

int barco_probe_section_from_name(const char *name, enum barco_probe_section *ret,
				  struct barco_err *err)
{
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		if (strcmp(name, section_defs[s].name) == 0) {
			*ret = (enum barco_probe_section)s;
			return 0;
		}
	}
	return barco_err_set(
		err, 0, "unknown section '%s' (kernel, userns, ns, cgroup, caps, seccomp, bpf)",
		name);
}

const char *barco_probe_status_name(enum barco_probe_status status)
{
	if ((unsigned int)status >= BARCO_PROBE_STATUS_COUNT)
		return "UNKNOWN";
	return status_names[status];
}

/* ---- evidence helpers ------------------------------------------------------- */

void barco_probe_set(struct barco_probe_result *ret, enum barco_probe_status status,
		     const char *hint, const char *fmt, ...)
{
	va_list ap;

	ret->status = status;
	(void)snprintf(ret->hint, sizeof(ret->hint), "%s", hint ? hint : "");
	va_start(ap, fmt);
	(void)vsnprintf(ret->summary, sizeof(ret->summary), fmt, ap);
	va_end(ap);
}

const char *barco_probe_errno_name(int errnum)
{
	const char *name = strerrorname_np(errnum);

	return name ? name : "E?";
}

static void add_failed(struct barco_report *ev, int errnum, const char *call)
{
	barco_report_add(ev, "%s = -1 %s (%s)", call, barco_probe_errno_name(errnum),
			 strerror(errnum));
}

long barco_probe_ev_call(struct barco_report *ev, long r, const char *fmt, ...)
{
	int errnum = errno;
	char call[BARCO_REPORT_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	if (r < 0)
		add_failed(ev, errnum, call);
	else
		barco_report_add(ev, "%s = %ld", call, r);
	errno = errnum;
	return r;
}

int barco_probe_ev_fail(struct barco_report *ev, int errnum, const char *fmt, ...)
{
	char call[BARCO_REPORT_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	add_failed(ev, errnum, call);
	errno = errnum;
	return -1;
}

int barco_probe_read_file(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		len += (size_t)n;
	}
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	return (int)len;
}

int barco_probe_read_long(const char *path, long *ret)
{
	char buf[64];
	char *end;

	if (barco_probe_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	*ret = strtol(buf, &end, 10);
	if (errno || end == buf) {
		errno = ENODATA;
		return -1;
	}
	return 0;
}

int barco_probe_private_mounts(struct barco_report *ev)
{
	if (barco_probe_ev_call(ev, unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)") < 0)
		return errno;
	/* mount_namespaces(7): shared propagation would carry our mounts back to the host. */
	if (barco_probe_ev_call(ev, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
				"mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)") < 0)
		return errno;
	return 0;
}

/* ---- attempts in a child ------------------------------------------------------ */

/*
 * The child shares our memory and we sleep until it has exited: clone(2)
 * with CLONE_VM|CLONE_VFORK, as posix_spawn(3) does. Nothing is copied, so
 * an attempt costs a tenth of a millisecond instead of a fork's several (on
 * a paravirtualised host every copy-on-write fault is a hypercall). The
 * child has its own stack and writes its answer into our memory. What it
 * changes is its own: credentials, capabilities, seccomp filters,
 * namespaces, the current directory and its file descriptors are per task;
 * only memory is shared, and we do not run while it does. Its own timer
 * (setitimer(2), SIGALRM) ends it if it hangs, since we cannot watch.
 */
#define CHILD_STACK_SIZE ((size_t)512 * 1024)
#define GUARD_SIZE	 4096

typedef int (*child_fn)(const void *arg, struct barco_report *ev, long *ret_value);

struct child_job {
	child_fn fn;
	const void *arg;
	unsigned int timeout_ms;
	/* Written by the child, read once it is gone. */
	bool is_done;
	int code;
	long value;
	struct barco_report ev;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int child_main(void *p)
{
	struct child_job *job = p;
	struct itimerval timer = {
		.it_value = {.tv_sec = job->timeout_ms / 1000,
			     .tv_usec = (suseconds_t)(job->timeout_ms % 1000) * 1000}};

	(void)setitimer(ITIMER_REAL, &timer, NULL);
	job->code = job->fn(job->arg, &job->ev, &job->value);
	job->is_done = true;
	/* What it created or attached is released by this exit, which we do not wait for. */
	_exit(job->code ? 1 : 0);
}

/*
 * Where children run and answer, made once per run: a stack below a guard
 * page (an overflow is SIGSEGV, not corruption), and the job in a shared
 * mapping, so the answer also arrives where clone(2) is emulated by a fork
 * (valgrind does that).
 */
static struct child_job *child_area(struct barco_probe_ctx *ctx, char **ret_stack_top,
				    struct barco_err *err)
{
	if (!ctx->child_stack) {
		void *stack = mmap(NULL, CHILD_STACK_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		void *job = mmap(NULL, sizeof(struct child_job), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (stack == MAP_FAILED || job == MAP_FAILED) {
			(void)barco_err_errno(err, "mmap the children's stack and answer");
			if (stack != MAP_FAILED)
				(void)munmap(stack, CHILD_STACK_SIZE + GUARD_SIZE);
			if (job != MAP_FAILED)
				(void)munmap(job, sizeof(struct child_job));
			return NULL;
		}
		(void)mprotect(stack, GUARD_SIZE, PROT_NONE);
		ctx->child_stack = stack;
		ctx->child_job = job;
	}
	*ret_stack_top = (char *)ctx->child_stack + CHILD_STACK_SIZE + GUARD_SIZE;
	return ctx->child_job;
}

static int wait_status(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void reap_all(struct barco_probe_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_pending; i++)
		(void)wait_status(ctx->pending[i]);
	ctx->n_pending = 0;
}

void barco_probe_ctx_finish(struct barco_probe_ctx *ctx)
{
	reap_all(ctx);
	if (ctx->child_stack) {
		(void)munmap(ctx->child_stack, CHILD_STACK_SIZE + GUARD_SIZE);
		(void)munmap(ctx->child_job, sizeof(struct child_job));
	}
	ctx->child_stack = NULL;
	ctx->child_job = NULL;
}

/* A child that answered only has to exit: reap it later, unless too many wait already. */
static void defer_reap(struct barco_probe_ctx *ctx, pid_t pid)
{
	if (ctx->n_pending == BARCO_PROBE_PENDING_MAX)
		reap_all(ctx);
	ctx->pending[ctx->n_pending++] = pid;
}

/* A child that did not answer: how it ended (its timer's SIGALRM is the timeout). */
static void died(pid_t pid, struct barco_probe_child *ret)
{
	int status = wait_status(pid);

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		ret->is_timeout = true;
	else if (WIFSIGNALED(status))
		ret->signal = WTERMSIG(status);
	else
		ret->code = WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EIO;
}

int barco_probe_in_child(struct barco_probe_ctx *ctx, child_fn fn, const void *arg,
			 struct barco_report *ev, struct barco_probe_child *ret,
			 struct barco_err *err)
{
	char *stack = NULL;
	struct child_job *job = child_area(ctx, &stack, err);
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	if (!job)
		return -1;
	memset(job, 0, offsetof(struct child_job, ev));
	job->fn = fn;
	job->arg = arg;
	job->timeout_ms =
		ctx->child_timeout_ms ? ctx->child_timeout_ms : BARCO_PROBE_CHILD_TIMEOUT_MS;
	barco_report_clear(&job->ev);
	pid = clone(child_main, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, job);
	if (pid < 0)
		return barco_err_errno(err, "clone(CLONE_VM|CLONE_VFORK|SIGCHLD)");
	/* Whatever it said before it died is evidence too. */
	barco_report_append(ev, &job->ev);
	if (!job->is_done) {
		died(pid, ret);
		return 0;
	}
	defer_reap(ctx, pid);
	ret->code = job->code;
	ret->value = job->value;
	return 0;
}

bool barco_probe_child_ok(const struct barco_probe_child *child, struct barco_report *ev)
{
	if (child->is_timeout) {
		barco_report_add(
			ev, "the attempt did not finish in time: its timer killed it (SIGALRM)");
		return false;
	}
	if (child->signal == SIGSYS) {
		barco_report_add(ev, "child killed by SIGSYS: a seccomp filter refused a syscall");
		return false;
	}
	if (child->signal) {
		barco_report_add(ev, "child killed by signal %d (SIG%s)", child->signal,
				 sigabbrev_np(child->signal) ? sigabbrev_np(child->signal) : "?");
		return false;
	}
	return child->code == 0;
}

/* ---- the run ------------------------------------------------------------------ */

static size_t count_checks(const bool sections[BARCO_PROBE_SECTION_COUNT])
{
	size_t n = 0;

	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++)
		if (sections[s])
			n += *section_defs[s].len;
	return n;
}

static void run_one(struct barco_probe_ctx *ctx, const struct barco_probe_check *check,
		    struct barco_probe_result *ret)
{
	struct barco_err err = {0};
	uint64_t start = now_ns();
	char msg[BARCO_ERR_MSG_MAX + 64];

	barco_report_clear(&ret->evidence);
	if (check->fn(ctx, check->arg, ret, &err) < 0) {
		barco_err_str(&err, msg, sizeof(msg));
		barco_report_add(&ret->evidence, "probing failed: %s", msg);
		barco_probe_set(ret, BARCO_PROBE_UNKNOWN,
				"the probe could not run its attempt (see the evidence): "
				"check the system's process and file limits",
				"probing failed: %s", msg);
		ret->is_broken = true;
	}
	/* Every non-PASS result names a fix; a check that forgot one points to the docs. */
	if (ret->status != BARCO_PROBE_PASS && ret->hint[0] == '\0')
		(void)snprintf(ret->hint, sizeof(ret->hint), "see docs/probes.md, check %s",
			       check->name);
	ret->duration_ns = now_ns() - start;
}

static void conclude(struct barco_probe_run *run)
{
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++)
		if (run->sections[s] && section_defs[s].conclude)
			section_defs[s].conclude(run, run->conclusions[s]);
}

/*
 * The bpf checks run first (the report keeps table order): the exits that
 * detach their programs wait for RCU grace periods, the longest teardown of
 * all, and meanwhile the other checks run.
 */
static void run_checks(struct barco_probe_ctx *ctx, struct barco_probe_run *run)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < run->n; i++)
			if ((run->checks[i]->section == BARCO_PROBE_BPF) == (pass == 0))
				run_one(ctx, run->checks[i], &run->results[i]);
}

int barco_probe_run(const bool sections[BARCO_PROBE_SECTION_COUNT], struct barco_probe_run *ret,
		    struct barco_err *err)
{
	struct barco_probe_ctx ctx = {0};
	struct utsname uts;
	uint64_t start = now_ns();
	size_t n = count_checks(sections);

	memset(ret, 0, sizeof(*ret));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	ret->checks = calloc(n ? n : 1, sizeof(*ret->checks));
	ret->results = calloc(n ? n : 1, sizeof(*ret->results));
	if (!ret->checks || !ret->results) {
		barco_probe_run_free(ret);
		return barco_err_errno(err, "allocating %zu probe results", n);
	}
	memcpy(ret->sections, sections, sizeof(ret->sections));
	if (uname(&uts) == 0)
		(void)snprintf(ret->kernel_release, sizeof(ret->kernel_release), "%s", uts.release);
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++)
		for (size_t i = 0; sections[s] && i < *section_defs[s].len; i++)
			ret->checks[ret->n++] = &section_defs[s].checks[i];
	/* Read once here, shared by every check process. */
	barco_kconfig_load(&ctx.kconfig);
	(void)snprintf(ret->config_source, sizeof(ret->config_source), "%s",
		       ctx.kconfig.text ? ctx.kconfig.source : "");
	if (sections[BARCO_PROBE_BPF])
		barco_probe_btf_load(&ctx.btf, barco_probe_bpf_btf_queries,
				     barco_probe_bpf_btf_queries_len);
	run_checks(&ctx, ret);
	barco_probe_ctx_finish(&ctx);
	barco_kconfig_free(&ctx.kconfig);
	conclude(ret);
	ret->duration_ns = now_ns() - start;
	return 0;
}

void barco_probe_run_free(struct barco_probe_run *run)
{
	free(run->checks);
	free(run->results);
	run->checks = NULL;
	run->results = NULL;
	run->n = 0;
}

const struct barco_probe_result *barco_probe_run_find(const struct barco_probe_run *run,
						      const char *name)
{
	for (size_t i = 0; i < run->n; i++)
		if (strcmp(run->checks[i]->name, name) == 0)
			return &run->results[i];
	return NULL;
}

int barco_probe_exit_status(const struct barco_probe_run *run)
{
	int status = BARCO_PROBE_EXIT_OK;

	for (size_t i = 0; i < run->n; i++) {
		const struct barco_probe_result *r = &run->results[i];

		if (r->is_broken)
			return BARCO_PROBE_EXIT_BROKEN;
		/* A required check passes with PASS or WARN (works, with a caveat). */
		if (run->checks[i]->is_required && r->status != BARCO_PROBE_PASS &&
		    r->status != BARCO_PROBE_WARN)
			status = BARCO_PROBE_EXIT_REQUIRED;
	}
	return status;
}
