/*
 * OCI hooks: reading config.json's "hooks" and running them (oci_hooks.h).
 *
 * A hook is fork(2) + execve(2) of its path with its args and env, the
 * state JSON written to a pipe on its stdin, its stdout and stderr to a
 * second pipe (so a hook prints nothing on create's stdout, which engines
 * read), kept for the error message. The runtime waits for it with
 * waitpid(2) and a deadline: past its timeout it gets SIGKILL.
 */
#include "runtime/oci_hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "runtime/oci_json.h"
#include "runtime/oci_spec.h"

/* What a hook printed that an error message quotes, at most. */
#define HOOK_OUTPUT_MAX 512
/* How often a running hook is looked at. */
#define HOOK_POLL_NS 5000000L

static const char *const hook_names[BARCO_OCI_HOOK_COUNT] = {
	[BARCO_OCI_HOOK_PRESTART] = "prestart",
	[BARCO_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[BARCO_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[BARCO_OCI_HOOK_START_CONTAINER] = "startContainer",
	[BARCO_OCI_HOOK_POSTSTART] = "poststart",
	[BARCO_OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *const no_strings[1] = {NULL};

const char *barco_oci_hook_name(enum barco_oci_hook_kind kind)
{
	return (unsigned)kind < BARCO_OCI_HOOK_COUNT ? hook_names[kind] : "unknown";
}

/* ---- reading ------------------------------------------------------------ */

static int parse_timeout(struct json_object *v, const char *path, struct barco_oci_hook *h,
			 struct barco_err *err)
{
	int64_t timeout = 0;
	int found = barco_oci_get_int64(v, path, "timeout", &timeout, err);

	if (found < 0)
		return -1;
	if (found == 0)
		return 0;
	/* config.md: "timeout ... MUST be greater than zero". */
	if (timeout <= 0 || timeout > 86400)
		return barco_err_set(err, 0,
				     "%s.timeout: %lld seconds; give a number of seconds from 1 to "
				     "86400",
				     path, (long long)timeout);
	h->timeout_s = (unsigned)timeout;
	return 0;
}

static int parse_hook(struct json_object *v, const char *path, struct barco_oci_hook *h,
		      struct barco_err *err)
{
	size_t n = 0;

	if (!json_object_is_type(v, json_type_object))
		return barco_err_set(err, 0, "%s: expected an object", path);
	if (barco_oci_require(barco_oci_get_string(v, path, "path", &h->path, err), path, "path",
			      err) < 0)
		return -1;
	if (h->path[0] != '/')
		return barco_err_set(err, 0,
				     "%s.path: \"%.64s\" is not an absolute path (config.md: "
				     "hooks name their program by absolute path)",
				     path, h->path);
	if (barco_oci_get_strings(v, path, "args", false, &h->args, &n, err) < 0 ||
	    barco_oci_get_strings(v, path, "env", false, &h->env, &n, err) < 0 ||
	    parse_timeout(v, path, h, err) < 0)
		return -1;
	return 0;
}

static int parse_kind(struct json_object *obj, enum barco_oci_hook_kind kind,
		      struct barco_oci_hooks *ret, struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	size_t len = 0;
	int found = barco_oci_get_array(obj, "hooks", hook_names[kind], BARCO_OCI_ARRAY_MAX, &arr,
					&len, err);

	if (found <= 0 || len == 0)
		return found < 0 ? -1 : 0;
	ret->list[kind] = calloc(len, sizeof(*ret->list[kind]));
	if (!ret->list[kind])
		return barco_err_errno(err, "hooks.%s", hook_names[kind]);
	ret->len[kind] = len;
	barco_oci_path_key(base, "hooks", hook_names[kind]);
	for (size_t i = 0; i < len; i++)
		if (parse_hook(json_object_array_get_idx(arr, i), barco_oci_path_index(p, base, i),
			       &ret->list[kind][i], err) < 0)
			return -1;
	return 0;
}

void barco_oci_hooks_free(struct barco_oci_hooks *hooks)
{
	for (size_t k = 0; k < BARCO_OCI_HOOK_COUNT; k++) {
		for (size_t i = 0; i < hooks->len[k]; i++) {
			free(hooks->list[k][i].args);
			free(hooks->list[k][i].env);
		}
		free(hooks->list[k]);
	}
	json_object_put(hooks->json);
	memset(hooks, 0, sizeof(*hooks));
}

int barco_oci_hooks_parse(struct json_object *hooks_json, struct barco_oci_hooks *ret,
			  struct barco_err *err)
{
	struct barco_oci_hooks h = {0};

	if (!hooks_json)
		goto done;
	if (!json_object_is_type(hooks_json, json_type_object))
		return barco_err_set(err, 0, "hooks: expected an object");
	for (size_t k = 0; k < BARCO_OCI_HOOK_COUNT; k++)
		if (parse_kind(hooks_json, (enum barco_oci_hook_kind)k, &h, err) < 0) {
			barco_oci_hooks_free(&h);
			return -1;
		}
	h.json = json_object_get(hooks_json);
done:
	*ret = h;
	return 0;
}

bool barco_oci_hooks_has(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind)
{
	return hooks && (unsigned)kind < BARCO_OCI_HOOK_COUNT && hooks->len[kind] > 0;
}

char *barco_oci_hooks_state(const struct barco_oci_hooks *hooks, const char *id, const char *bundle,
			    const char *status, pid_t pid)
{
	struct json_object *o = json_object_new_object();
	char *text;

	(void)json_object_object_add(o, "ociVersion", json_object_new_string("1.1.0"));
	(void)json_object_object_add(o, "id", json_object_new_string(id));
	(void)json_object_object_add(o, "status", json_object_new_string(status));
	if (pid > 0)
		(void)json_object_object_add(o, "pid", json_object_new_int(pid));
	(void)json_object_object_add(o, "bundle", json_object_new_string(bundle ? bundle : ""));
	(void)json_object_object_add(o, "annotations",
				     hooks->annotations ? json_object_get(hooks->annotations)
							: json_object_new_object());
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* ---- running ------------------------------------------------------------ */

/* In the forked child: stdin from in_fd, stdout and stderr to out_fd, then execve. */
static _Noreturn void exec_hook(const struct barco_oci_hook *h, int in_fd, int out_fd)
{
	const char *argv0[2] = {h->path, NULL};
	const char *const *argv = h->args && h->args[0] ? h->args : argv0;
	sigset_t none;

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(127);
	execve(h->path, (char *const *)argv, (char *const *)(h->env ? h->env : no_strings));
	dprintf(STDERR_FILENO, "execve %s: %s", h->path, strerror(errno));
	_exit(127);
}

struct hook_run {
	pid_t pid;
	int out_fd; /* the read end of its stdout and stderr, non-blocking */
	char output[HOOK_OUTPUT_MAX];
	size_t output_len;
	int wstatus;
	bool is_timed_out;
};

static void drain(struct hook_run *r)
{
	char buf[256];
	ssize_t n;

	while ((n = read(r->out_fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(r->output) - 1 - r->output_len;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy(r->output + r->output_len, buf, take);
		r->output_len += take;
	}
	r->output[r->output_len] = '\0';
}

/* Waits for the hook, reading what it prints; SIGKILL once its timeout has passed. */
static int wait_hook(struct hook_run *r, unsigned timeout_s, struct barco_err *err)
{
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = HOOK_POLL_NS};
	uint64_t deadline = barco_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		pid_t got = waitpid(r->pid, &r->wstatus, WNOHANG);

		drain(r);
		if (got == r->pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return barco_err_errno(err, "waitpid(%d)", (int)r->pid);
		if (timeout_s && !r->is_timed_out && barco_now_ns() > deadline) {
			r->is_timed_out = true;
			(void)kill(r->pid, SIGKILL);
		}
		(void)nanosleep(&pause, NULL);
	}
}

/* Starts the hook with state on its stdin (a pipe holds it: state JSON is small). */
static int spawn_hook(const struct barco_oci_hook *h, const char *state, struct hook_run *r,
		      struct barco_err *err)
{
	int in[2], out[2];
	size_t len = strlen(state);

	/* A socket, not a pipe: send(MSG_NOSIGNAL) to a hook that never reads is no SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return barco_err_errno(err, "socketpair");
	if (pipe2(out, O_CLOEXEC) < 0) {
		barco_err_errno(err, "pipe");
		goto close_in;
	}
	r->pid = fork();
	if (r->pid < 0) {
		barco_err_errno(err, "fork");
		(void)close(out[0]);
		(void)close(out[1]);
		goto close_in;
	}
	if (r->pid == 0)
		exec_hook(h, in[1], out[1]);
	(void)close(out[1]);
	r->out_fd = out[0];
	(void)fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
	/* A hook that does not read its stdin is fine: EPIPE is ignored, as runc does. */
	if (send(in[0], state, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("state to hook %s: %s", h->path, strerror(errno));
	(void)close(in[0]);
	(void)close(in[1]);
	return 0;
close_in:
	(void)close(in[0]);
	(void)close(in[1]);
	return -1;
}

/* "exit status 3", "killed by SIGKILL after its timeout of 2 s"… */
static void describe_end(const struct hook_run *r, unsigned timeout_s, char *buf, size_t size)
{
	if (r->is_timed_out)
		(void)snprintf(buf, size, "killed by SIGKILL after its timeout of %u s", timeout_s);
	else if (WIFSIGNALED(r->wstatus))
		(void)snprintf(buf, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(r->wstatus)));
	else
		(void)snprintf(buf, size, "exit status %d", WEXITSTATUS(r->wstatus));
}

static int run_one(const struct barco_oci_hook *h, const char *name, const char *state,
		   struct barco_report *rep, struct barco_err *err)
{
	struct hook_run r = {.out_fd = -1};
	uint64_t start = barco_now_ns();
	char how[96];
	int rc;

	if (spawn_hook(h, state, &r, err) < 0)
		return barco_err_wrap(err, "%s %s", name, h->path);
	rc = wait_hook(&r, h->timeout_s, err);
	(void)close(r.out_fd);
	if (rc < 0)
		return barco_err_wrap(err, "%s %s", name, h->path);
	describe_end(&r, h->timeout_s, how, sizeof(how));
	barco_report_add(rep, "%s: fork, execve(\"%s\", state JSON on stdin) = %s (%llu ms)", name,
			 h->path, how, (unsigned long long)((barco_now_ns() - start) / 1000000));
	if (!r.is_timed_out && WIFEXITED(r.wstatus) && WEXITSTATUS(r.wstatus) == 0)
		return 0;
	/* One line: what the hook printed, newlines folded. */
	for (char *c = r.output; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return barco_err_set(err, 0, "%s %s: %s%s%.*s", name, h->path, how,
			     r.output_len ? ", output: " : "", (int)r.output_len, r.output);
}

int barco_oci_hooks_run(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind,
			const char *state, bool is_warn_only, struct barco_report *rep,
			struct barco_err *err)
{
	char name[BARCO_OCI_PATH_MAX];
	char base[BARCO_OCI_PATH_MAX];

	if (!barco_oci_hooks_has(hooks, kind))
		return 0;
	barco_oci_path_key(base, "hooks", hook_names[kind]);
	for (size_t i = 0; i < hooks->len[kind]; i++) {
		struct barco_err one = {0};

		barco_oci_path_index(name, base, i);
		if (run_one(&hooks->list[kind][i], name, state, rep, &one) == 0)
			continue;
		if (!is_warn_only) {
			*err = one;
			return -1;
		}
		/* runtime.md: a poststart or poststop failure is a warning; the rest go on. */
		log_warn("%s", one.msg);
		barco_report_add(rep, "warning: %s", one.msg);
	}
	return 0;
}

void barco_oci_hooks_run_after(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind,
			       const char *id, const char *bundle, const char *status, pid_t pid,
			       struct barco_report *rep)
{
	struct barco_report own = {0};
	struct barco_err ignored = {0};
	char *state;

	if (!barco_oci_hooks_has(hooks, kind))
		return;
	state = barco_oci_hooks_state(hooks, id, bundle, status, pid);
	if (!state) {
		log_warn("hooks.%s: no memory for the state JSON; not run", hook_names[kind]);
		return;
	}
	(void)barco_oci_hooks_run(hooks, kind, state, true, rep ? rep : &own, &ignored);
	free(state);
	if (!rep && own.len)
		log_info("%s", own.text);
}
