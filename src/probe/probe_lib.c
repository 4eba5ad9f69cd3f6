/*
 * What every probe section uses: results and evidence lines, small files,
 * attempts in a child process with a timer, a run's results by name. The
 * sections (probe_SECTION.c) call only these; the runner (probe.c) calls
 * the sections through their table (probe_sections.c).
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
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

/* clang-format off */
static const char *const status_names[BARCO_PROBE_STATUS_COUNT] = {
	[BARCO_PROBE_PASS] = "PASS",
	[BARCO_PROBE_WARN] = "WARN",
	[BARCO_PROBE_FAIL] = "FAIL",
	[BARCO_PROBE_UNKNOWN] = "UNKNOWN",
	[BARCO_PROBE_SKIP] = "SKIP",
};
/* clang-format on */

const char *barco_probe_status_name(enum barco_probe_status status)
{
	if ((unsigned int)status >= BARCO_PROBE_STATUS_COUNT)
		return "UNKNOWN";
	return status_names[status];
}

bool barco_probe_status_is_ok(enum barco_probe_status status)
{
	return status == BARCO_PROBE_PASS || status == BARCO_PROBE_WARN ||
	       status == BARCO_PROBE_SKIP;
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

	if (fd < 0 || barco_read_full(fd, buf, size - 1, &len) < 0)
		return -1;
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

int barco_probe_write_text(const char *path, const char *text, struct barco_report *ev)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return barco_probe_ev_fail(ev, errno, "open(\"%s\", O_WRONLY)", path);
	n = write(fd, text, strlen(text));
	if (n < 0)
		return barco_probe_ev_fail(ev, errno, "write %s = \"%s\"", path, text);
	barco_report_add(ev, "write %s = \"%s\"", path, text);
	return 0;
}

int barco_probe_as_rootless(struct barco_report *ev)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[32];

	if (uid == 0)
		return 0;
	if (barco_probe_ev_call(ev, unshare(CLONE_NEWUSER),
				"unshare(CLONE_NEWUSER) as uid %d, as rootless barco does first",
				(int)uid) < 0)
		return errno;
	/* user_namespaces(7): without CAP_SETGID outside, setgroups must be denied first. */
	if (barco_probe_write_text("/proc/self/setgroups", "deny", ev) < 0)
		return errno;
	(void)snprintf(map, sizeof(map), "0 %d 1", (int)uid);
	if (barco_probe_write_text("/proc/self/uid_map", map, ev) < 0)
		return errno;
	(void)snprintf(map, sizeof(map), "0 %d 1", (int)gid);
	if (barco_probe_write_text("/proc/self/gid_map", map, ev) < 0)
		return errno;
	return 0;
}

int barco_probe_private_mounts(struct barco_report *ev)
{
	int r = barco_probe_as_rootless(ev);

	if (r)
		return r;
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

/*
 * The timer's SIGALRM must kill: a disposition of SIG_IGN survives
 * execve(2) (barco started by `git rebase -x`, say), and so does a blocked
 * mask, and either would leave a hung attempt hanging. The child has its
 * own copy of both (no CLONE_SIGHAND, and the mask is per task), so the
 * caller keeps what it was given.
 */
static void arm_timer(unsigned int timeout_ms)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	struct itimerval timer = {.it_value = {.tv_sec = timeout_ms / 1000,
					       .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000}};
	sigset_t alrm;

	(void)sigaction(SIGALRM, &dfl, NULL);
	(void)sigemptyset(&alrm);
	(void)sigaddset(&alrm, SIGALRM);
	(void)sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	(void)setitimer(ITIMER_REAL, &timer, NULL);
}

static int child_main(void *p)
{
	struct child_job *job = p;

	arm_timer(job->timeout_ms);
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

	(void)barco_waitpid(pid, &status);
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

/* ---- a check made of layers ------------------------------------------------------ */

int barco_probe_check_layers(struct barco_probe_ctx *ctx, const void *arg,
			     struct barco_probe_result *ret, struct barco_err *err)
{
	const struct barco_probe_layers *l = arg;
	struct barco_probe_facts facts = {
		.built = BARCO_PROBE_PASS, .enabled = -1, .target = l->arg};

	if (l->options)
		facts.built = barco_probe_kconfig_layer(&ctx->kconfig, l->options, &ret->evidence,
							&facts.missing);
	if (l->enabled && l->enabled(ctx, l->arg, &facts, ret))
		return 0;
	if (barco_probe_in_child(ctx, l->attempt, facts.target, &ret->evidence, &facts.child, err) <
	    0)
		return -1;
	facts.is_ok = barco_probe_child_ok(&facts.child, &ret->evidence);
	if (facts.is_ok && l->pass)
		barco_probe_set(ret, BARCO_PROBE_PASS, NULL, "%s", l->pass);
	else if (l->verdict)
		l->verdict(l->arg, &facts, ret);
	else
		barco_probe_set(ret, l->fail.status, l->fail.hint, "%s", l->fail.summary);
	return 0;
}

const struct barco_probe_result *barco_probe_run_find(const struct barco_probe_run *run,
						      const char *name)
{
	for (size_t i = 0; i < run->n; i++)
		if (strcmp(run->checks[i]->name, name) == 0)
			return &run->results[i];
	return NULL;
}
