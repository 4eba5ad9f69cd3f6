#include "stages/rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

const char barco_rootless_delegation_hint[] =
	"on cgroup v2, run barco in a cgroup delegated to you: `systemd-run --user --scope "
	"-p Delegate=yes barco ...` (systemd's user@UID.service delegates to each user), or "
	"have root chown a cgroup2 directory (and its cgroup.procs, cgroup.subtree_control) "
	"to you and start your shell in a child of it";

bool barco_rootless_is(void)
{
	return geteuid() != 0;
}

/* One "name:start:count" line; false when it is not one or not ours. */
static bool subid_line(const char *line, const char *name, unsigned id, struct barco_idmap *ret)
{
	char owner[LOGIN_NAME_MAX + 1];
	char num[16];
	unsigned long start, count;

	if (sscanf(line, "%256[^:\n]:%lu:%lu", owner, &start, &count) != 3 || count == 0 ||
	    start > UINT32_MAX || count > UINT32_MAX - start)
		return false;
	(void)snprintf(num, sizeof(num), "%u", id);
	if (!(name && strcmp(owner, name) == 0) && strcmp(owner, num) != 0)
		return false;
	ret->inside = 0;
	ret->outside = (uint32_t)start;
	ret->count = count > BARCO_ROOTLESS_IDS ? BARCO_ROOTLESS_IDS : (uint32_t)count;
	return true;
}

bool barco_rootless_subid_parse(const char *text, const char *name, unsigned id,
				struct barco_idmap *ret)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (line[0] != '#' && subid_line(line, name, id, ret))
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static bool subid_lookup(const char *path, const char *name, unsigned id, struct barco_idmap *ret)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *text = NULL;
	size_t cap = 0;

	if (!f || getdelim(&text, &cap, '\0', f) < 0)
		return false;
	return barco_rootless_subid_parse(text, name, id, ret);
}

/*
 * Our login name, from /etc/passwd read directly: barco is linked
 * statically, where getpwuid(3) would need glibc's NSS modules at run time.
 */
static bool user_name(uid_t uid, char *buf, size_t size)
{
	cleanup_fclose FILE *f = fopen("/etc/passwd", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char name[LOGIN_NAME_MAX + 1];
		unsigned id;

		if (sscanf(line, "%256[^:]:%*[^:]:%u:", name, &id) == 2 && id == uid) {
			(void)snprintf(buf, size, "%s", name);
			return true;
		}
	}
	return false;
}

int barco_rootless_default_maps(struct barco_config *cfg, bool *ret_is_subid, struct barco_err *err)
{
	char name[LOGIN_NAME_MAX + 1];
	const char *user = user_name(geteuid(), name, sizeof(name)) ? name : NULL;
	struct barco_idmap uid_range, gid_range;

	*ret_is_subid = false;
	if (cfg->uidmap_len || cfg->gidmap_len || cfg->is_userns_host)
		return 0;
	/* newuidmap(1) needs both: one file's range alone would leave half a map. */
	if (subid_lookup(BARCO_SUBUID_PATH, user, geteuid(), &uid_range) &&
	    subid_lookup(BARCO_SUBGID_PATH, user, geteuid(), &gid_range)) {
		cfg->uidmap[cfg->uidmap_len++] = uid_range;
		cfg->gidmap[cfg->gidmap_len++] = gid_range;
		*ret_is_subid = true;
		return 0;
	}
	cfg->uidmap[cfg->uidmap_len++] = (struct barco_idmap){0, geteuid(), 1};
	cfg->gidmap[cfg->gidmap_len++] = (struct barco_idmap){0, getegid(), 1};
	return 0;
}

bool barco_rootless_is_self_map(const struct barco_idmap *map, size_t len, unsigned id)
{
	return len == 1 && map[0].count == 1 && map[0].outside == id;
}

/* One number of newuidmap's argv, written into buf at *used. */
static char *idmap_arg(unsigned v, char *buf, size_t size, size_t *used)
{
	char *arg = buf + *used;
	int w = snprintf(arg, size - *used, "%u", v);

	if (w < 0 || (size_t)w >= size - *used)
		return NULL;
	*used += (size_t)w + 1;
	return arg;
}

/* argv for newuidmap PID IN OUT COUNT...; strings in buf. */
static int idmap_argv(const char *prog, pid_t pid, const struct barco_idmap *map, size_t len,
		      char *buf, size_t size, char **argv)
{
	size_t used = 0, n = 0;

	argv[n++] = (char *)prog;
	argv[n++] = idmap_arg((unsigned)pid, buf, size, &used);
	for (size_t i = 0; i < len; i++) {
		argv[n++] = idmap_arg(map[i].inside, buf, size, &used);
		argv[n++] = idmap_arg(map[i].outside, buf, size, &used);
		argv[n++] = idmap_arg(map[i].count, buf, size, &used);
	}
	argv[n] = NULL;
	for (size_t i = 1; i < n; i++)
		if (!argv[i])
			return -1;
	return 0;
}

/* The child: stderr into the pipe, signals as exec(2)'d programs expect them. */
static _Noreturn void exec_helper(char **argv, int err_fd)
{
	sigset_t none;

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	execv(argv[0], argv);
	(void)dprintf(STDERR_FILENO, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* What the helper said (its first line), and whether it succeeded. */
static int wait_helper(pid_t child, int read_fd, const char *prog, struct barco_err *err)
{
	char said[256] = "";
	ssize_t n = read(read_fd, said, sizeof(said) - 1);
	int ws = 0;

	if (n > 0)
		said[n] = '\0';
	said[strcspn(said, "\n")] = '\0';
	if (barco_waitpid(child, &ws) < 0)
		return barco_err_errno(err, "wait for %s", prog);
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	return barco_err_set(
		err, EPERM, "%s failed: %s (the ranges must be yours in %s; see subuid(5))", prog,
		said[0] ? said : "no message", strstr(prog, "gid") ? "/etc/subgid" : "/etc/subuid");
}

int barco_rootless_run_idmap_helper(const char *prog, pid_t pid, const struct barco_idmap *map,
				    size_t len, struct barco_err *err)
{
	char *argv[2 + 3 * BARCO_IDMAP_MAX + 1];
	char buf[3 * BARCO_IDMAP_MAX * 12 + 16];
	int pipe_fds[2];
	pid_t child;
	int r;

	if (idmap_argv(prog, pid, map, len, buf, sizeof(buf), argv) < 0)
		return barco_err_set(err, E2BIG, "%s: id maps too long", prog);
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return barco_err_errno(err, "pipe for %s", prog);
	child = fork();
	if (child < 0) {
		(void)close(pipe_fds[0]);
		(void)close(pipe_fds[1]);
		return barco_err_errno(err, "fork for %s", prog);
	}
	if (child == 0)
		exec_helper(argv, pipe_fds[1]);
	(void)close(pipe_fds[1]);
	r = wait_helper(child, pipe_fds[0], prog, err);
	(void)close(pipe_fds[0]);
	return r;
}

/* The "0::/path" line of /proc/self/cgroup (cgroup v2's own hierarchy). */
static bool unified_path(const char *text, char *buf, size_t size)
{
	const char *p = strstr(text, "0::/");

	if (!p || (p != text && p[-1] != '\n'))
		return false;
	p += 3;
	(void)snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

static bool is_writable_by_us(const char *dir, const char *file)
{
	char path[PATH_MAX];

	return snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path) &&
	       access(path, W_OK) == 0;
}

bool barco_rootless_find_delegated(const char *unified_mount, const char *proc_self_cgroup,
				   char *ret_dir, size_t size, char *why, size_t why_size)
{
	char own[PATH_MAX];
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (!unified_mount[0] || !unified_path(proc_self_cgroup, own, sizeof(own))) {
		(void)snprintf(why, why_size, "no cgroup2 hierarchy in /proc/self/cgroup");
		return false;
	}
	if (snprintf(dir, sizeof(dir), "%s%s", unified_mount, own) >= (int)sizeof(dir))
		return false;
	slash = strrchr(dir, '/');
	if (!slash || (size_t)(slash - dir) <= strlen(unified_mount)) {
		(void)snprintf(why, why_size, "our cgroup %s has no parent below the root", own);
		return false;
	}
	*slash = '\0';
	if (stat(dir, &st) < 0 || st.st_uid != geteuid() ||
	    !is_writable_by_us(dir, "cgroup.procs") ||
	    !is_writable_by_us(dir, "cgroup.subtree_control")) {
		(void)snprintf(why, why_size,
			       "%s (the parent of our cgroup) is not delegated to uid %u", dir,
			       (unsigned)geteuid());
		return false;
	}
	(void)snprintf(ret_dir, size, "%s", dir);
	return true;
}

void barco_rootless_cgroup_layout(struct barco_cgroup_layout *layout)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	cleanup_free char *text = NULL;
	char dir[PATH_MAX];
	char why[PATH_MAX + 128];
	size_t cap = 0;

	if (layout->mode == BARCO_CGROUP_V2 && f && getdelim(&text, &cap, '\0', f) >= 0 &&
	    barco_rootless_find_delegated(layout->unified_mount, text, dir, sizeof(dir), why,
					  sizeof(why))) {
		memset(layout, 0, sizeof(*layout));
		layout->mode = BARCO_CGROUP_V2;
		(void)snprintf(layout->unified_mount, sizeof(layout->unified_mount), "%s", dir);
		return;
	}
	memset(layout, 0, sizeof(*layout));
	layout->mode = BARCO_CGROUP_NONE;
}
