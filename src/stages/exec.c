#include "stages/exec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BARCO_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *barco_exec_path(const char *const *env)
{
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return BARCO_DEFAULT_PATH;
}

/* Which failure tells the user most: "permission denied" beats "not found". */
static int worse_errno(int seen, int now)
{
	if (now == ENOENT || now == ENOTDIR)
		return seen ? seen : ENOENT;
	return now;
}

/*
 * Calls try(path, data) on name itself when it holds a '/', else on each
 * PATH candidate in turn, until one returns 0. Returns 0, or the errno
 * that tells most of why none would do.
 */
static int search_path(const char *name, const char *dirs, int (*try)(const char *, void *),
		       void *data)
{
	int seen = 0;

	if (strchr(name, '/'))
		return try(name, data);
	/* execvpe() would search barco's own PATH, not the container's. */
	for (const char *p = dirs;; p++) {
		size_t dir_len = strcspn(p, ":");
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%.*s%s%s", (int)dir_len, p, dir_len ? "/" : "",
			     name) < (int)sizeof(path)) {
			int r = try(path, data);

			if (r == 0)
				return 0;
			seen = worse_errno(seen, r);
		}
		p += dir_len;
		if (*p == '\0')
			break;
	}
	return seen ? seen : ENOENT;
}

struct exec_args {
	char *const *argv;
	const char *const *env;
};

static int try_execve(const char *path, void *data)
{
	const struct exec_args *a = data;

	(void)execve(path, a->argv, (char *const *)a->env);
	return errno;
}

int barco_exec_command(char *const *argv, const char *const *env, struct barco_err *err)
{
	struct exec_args a = {argv, env};
	const char *dirs = barco_exec_path(env);
	int e = search_path(argv[0], dirs, try_execve, &a);

	if (strchr(argv[0], '/'))
		return barco_err_set(err, e, "exec %s", argv[0]);
	return barco_err_set(err, e, "exec %s (searched PATH=%s)", argv[0], dirs);
}

/* What execve(2) would say first: a regular file we may execute. */
static int try_access(const char *path, void *data)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) < 0 ? errno : 0;
}

int barco_exec_check(char *const *argv, const char *const *env, struct barco_err *err)
{
	const char *name = argv[0];
	int e = search_path(name, barco_exec_path(env), try_access, NULL);

	if (e == 0)
		return 0;
	/* The words engines match (podman: 127 for the first two, 126 for the last). */
	if ((e == ENOENT || e == ENOTDIR) && !strchr(name, '/'))
		return barco_err_set(err, ENOENT,
				     "exec: \"%s\": executable file not found in $PATH", name);
	if (e == ENOENT || e == ENOTDIR)
		return barco_err_set(err, ENOENT, "exec: \"%s\": no such file or directory", name);
	return barco_err_set(err, e, "exec: \"%s\": permission denied", name);
}

int barco_exec_status_for_errno(int errnum)
{
	return errnum == ENOENT || errnum == ENOTDIR ? BARCO_EXIT_NOTFOUND : BARCO_EXIT_NOEXEC;
}

int barco_exit_status_from_wait(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return BARCO_EXIT_BARCO;
}

int barco_exec_set_rlimits(const struct barco_config *cfg, struct barco_report *rep,
			   struct barco_err *err)
{
	if (cfg->has_umask) {
		(void)umask(cfg->umask);
		barco_report_add(rep, "umask(0%03o)", (unsigned)cfg->umask);
	}
	for (size_t i = 0; i < cfg->rlimits_len; i++) {
		const struct barco_rlimit *rl = &cfg->rlimits[i];
		struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};

		if (setrlimit(rl->resource, &lim) < 0)
			return barco_err_errno(err,
					       "setrlimit(%d, {%llu, %llu}) (raising a hard limit "
					       "needs CAP_SYS_RESOURCE)",
					       rl->resource, (unsigned long long)rl->soft,
					       (unsigned long long)rl->hard);
		barco_report_add(rep, "setrlimit(%d, {%llu, %llu}) = 0", rl->resource,
				 (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	}
	return 0;
}
