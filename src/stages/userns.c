#include "stages/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "stages/rootless.h"

int barco_userns_format_map(const struct barco_idmap *map, size_t len, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		int n = snprintf(buf + used, size - used, "%u %u %u\n", map[i].inside,
				 map[i].outside, map[i].count);

		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

/* /proc/PID/{uid_map,gid_map} accept exactly one write (user_namespaces(7)). */
static int write_proc_file(pid_t pid, const char *file, const char *text, struct barco_err *err)
{
	char path[64];
	cleanup_close int fd = -1;
	size_t len = strlen(text);

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return barco_err_errno(err, "open %s", path);
	if (write(fd, text, len) != (ssize_t)len)
		return barco_err_errno(err, "write '%.*s' to %s", (int)strcspn(text, "\n"), text,
				       path);
	return 0;
}

static void report_map(struct barco_report *rep, pid_t pid, const char *file, const char *text)
{
	char oneline[256];
	size_t j = 0;

	/* Show the map as written, with its newlines visible. */
	for (size_t i = 0; text[i] && j + 3 < sizeof(oneline); i++) {
		if (text[i] == '\n') {
			oneline[j++] = '\\';
			oneline[j++] = 'n';
		} else {
			oneline[j++] = text[i];
		}
	}
	oneline[j] = '\0';
	barco_report_add(rep, "write /proc/%d/%s = \"%s\"", (int)pid, file, oneline);
}

/*
 * An ordinary user may write one map line itself, its own id to one id
 * inside, and for gid_map only after setgroups is "deny" (user_namespaces(7),
 * "Interaction with system calls that change process UIDs or GIDs": else
 * dropping a group with setgroups(2) could open files that group is denied).
 * Anything wider needs newuidmap(1)/newgidmap(1), setuid root, which check
 * /etc/subuid and /etc/subgid.
 */
static int write_one_map(pid_t pid, const char *file, const struct barco_idmap *map, size_t len,
			 unsigned self, const char *helper, struct barco_report *rep,
			 struct barco_err *err)
{
	char text[512];

	if (barco_userns_format_map(map, len, text, sizeof(text)) < 0)
		return barco_err_set(err, E2BIG, "id maps too long");
	if (barco_rootless_is() && !barco_rootless_is_self_map(map, len, self)) {
		if (barco_rootless_run_idmap_helper(helper, pid, map, len, err) < 0)
			return -1;
		barco_report_add(rep, "%s %d %u %u %u%s = 0 (setuid root: checks %s)", helper,
				 (int)pid, map[0].inside, map[0].outside, map[0].count,
				 len > 1 ? " ..." : "",
				 strstr(helper, "gid") ? BARCO_SUBGID_PATH : BARCO_SUBUID_PATH);
		return 0;
	}
	if (write_proc_file(pid, file, text, err) < 0)
		return -1;
	report_map(rep, pid, file, text);
	return 0;
}

int barco_userns_write_maps(pid_t pid, const struct barco_config *cfg, struct barco_report *rep,
			    struct barco_err *err)
{
	bool is_self_gid = barco_rootless_is() &&
			   barco_rootless_is_self_map(cfg->gidmap, cfg->gidmap_len, getegid());
	/*
	 * The runner is root on the host, so the kernel would let it leave
	 * setgroups allowed; barco says so explicitly, because the container's
	 * root needs setgroups(2) (su, package managers) and the ranges are
	 * chosen by the host's root, not by an unprivileged user. A rootless
	 * single-id map must deny it (see write_one_map); newgidmap decides
	 * for itself.
	 */
	const char *setgroups = is_self_gid ? "deny" : "allow";

	if (!barco_rootless_is() || is_self_gid) {
		if (write_proc_file(pid, "setgroups", setgroups, err) < 0)
			return -1;
		report_map(rep, pid, "setgroups", setgroups);
	}
	if (write_one_map(pid, "uid_map", cfg->uidmap, cfg->uidmap_len, geteuid(), BARCO_NEWUIDMAP,
			  rep, err) < 0 ||
	    write_one_map(pid, "gid_map", cfg->gidmap, cfg->gidmap_len, getegid(), BARCO_NEWGIDMAP,
			  rep, err) < 0)
		return -1;
	if (is_self_gid)
		barco_report_add(rep,
				 "single-id map (no range in %s): only uid %u is root inside; "
				 "files of other owners show as nobody, chown to another id "
				 "fails, setgroups(2) is denied",
				 BARCO_SUBUID_PATH, (unsigned)geteuid());
	return 0;
}

/* "deny" in /proc/self/setgroups: setgroups(2) fails with EPERM, and there is nothing to drop. */
static bool is_setgroups_denied(void)
{
	char buf[16] = "";
	cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

	return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "deny", 4) == 0;
}

int barco_userns_become_root(struct barco_report *rep, struct barco_err *err)
{
	/*
	 * Until now the host's ids are unmapped here and show as the overflow
	 * id (65534). Switching to 0 keeps the full capability set the new
	 * namespace gave us: euid becomes the namespace's root (capabilities(7),
	 * "Effect of user ID changes on capabilities").
	 */
	if (is_setgroups_denied()) {
		barco_report_add(rep,
				 "setgroups: denied in this namespace (single-id map), skipped");
	} else {
		if (setgroups(0, NULL) < 0)
			return barco_err_errno(err, "setgroups(0, NULL)");
		barco_report_add(rep, "setgroups(0, NULL) = 0");
	}
	if (setresgid(0, 0, 0) < 0)
		return barco_err_errno(err, "setresgid(0, 0, 0)");
	barco_report_add(rep, "setresgid(0, 0, 0) = 0");
	if (setresuid(0, 0, 0) < 0)
		return barco_err_errno(err, "setresuid(0, 0, 0)");
	barco_report_add(rep, "setresuid(0, 0, 0) = 0");
	return 0;
}
