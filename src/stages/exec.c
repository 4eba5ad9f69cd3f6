#include "stages/exec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
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

int barco_exec_command(char *const *argv, const char *const *env, struct barco_err *err)
{
	const char *name = argv[0];
	const char *dirs = barco_exec_path(env);
	int seen = 0;

	if (strchr(name, '/')) {
		(void)execve(name, argv, (char *const *)env);
		return barco_err_errno(err, "exec %s", name);
	}
	/* execvpe() would search barco's own PATH, not the container's. */
	for (const char *p = dirs;; p++) {
		size_t dir_len = strcspn(p, ":");
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%.*s%s%s", (int)dir_len, p, dir_len ? "/" : "",
			     name) < (int)sizeof(path)) {
			(void)execve(path, argv, (char *const *)env);
			seen = worse_errno(seen, errno);
		}
		p += dir_len;
		if (*p == '\0')
			break;
	}
	return barco_err_set(err, seen ? seen : ENOENT, "exec %s (searched PATH=%s)", name, dirs);
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
