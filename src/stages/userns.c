#include "stages/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"

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

int barco_userns_write_maps(pid_t pid, const struct barco_config *cfg, struct barco_report *rep,
			    struct barco_err *err)
{
	char uid_map[512];
	char gid_map[512];

	if (barco_userns_format_map(cfg->uidmap, cfg->uidmap_len, uid_map, sizeof(uid_map)) < 0 ||
	    barco_userns_format_map(cfg->gidmap, cfg->gidmap_len, gid_map, sizeof(gid_map)) < 0)
		return barco_err_set(err, E2BIG, "id maps too long");
	/*
	 * The runner is root on the host, so the kernel would let it leave
	 * setgroups allowed; barco says so explicitly, because the container's
	 * root needs setgroups(2) (su, package managers) and the ranges are
	 * chosen by the host's root, not by an unprivileged user.
	 */
	if (write_proc_file(pid, "setgroups", "allow", err) < 0)
		return -1;
	report_map(rep, pid, "setgroups", "allow");
	if (write_proc_file(pid, "uid_map", uid_map, err) < 0)
		return -1;
	report_map(rep, pid, "uid_map", uid_map);
	if (write_proc_file(pid, "gid_map", gid_map, err) < 0)
		return -1;
	report_map(rep, pid, "gid_map", gid_map);
	return 0;
}

int barco_userns_become_root(struct barco_report *rep, struct barco_err *err)
{
	/*
	 * Until now the host's ids are unmapped here and show as the overflow
	 * id (65534). Switching to 0 keeps the full capability set the new
	 * namespace gave us: euid becomes the namespace's root (capabilities(7),
	 * "Effect of user ID changes on capabilities").
	 */
	if (setgroups(0, NULL) < 0)
		return barco_err_errno(err, "setgroups(0, NULL)");
	barco_report_add(rep, "setgroups(0, NULL) = 0");
	if (setresgid(0, 0, 0) < 0)
		return barco_err_errno(err, "setresgid(0, 0, 0)");
	barco_report_add(rep, "setresgid(0, 0, 0) = 0");
	if (setresuid(0, 0, 0) < 0)
		return barco_err_errno(err, "setresuid(0, 0, 0)");
	barco_report_add(rep, "setresuid(0, 0, 0) = 0");
	return 0;
}
