/* Device nodes and the devices cgroup (v1 files, v2 program): see devices.h. */
#include "stages/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/devices_bpf.h"

/*
 * runc's list (libcontainer/specconv AllowedDevices): mknod of any node
 * (using one still needs its own rule), then null, zero, full, random,
 * urandom, tty, the console, ptmx, the devpts ptys and tun (devices.txt).
 */
const struct barco_device_rule barco_devices_default_rules[] = {
	{true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
	{true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 1, 8, "rwm"},
	{true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},    {true, 'c', 5, 1, "rwm"},
	{true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"}, {true, 'c', 10, 200, "rwm"},
};
const size_t barco_devices_default_rules_len = ARRAY_LEN(barco_devices_default_rules);

const char *barco_devices_rule_text(const struct barco_device_rule *rule, char *buf, size_t size)
{
	char major[24] = "*", minor[24] = "*";

	if (rule->major >= 0)
		(void)snprintf(major, sizeof(major), "%lld", (long long)rule->major);
	if (rule->minor >= 0)
		(void)snprintf(minor, sizeof(minor), "%lld", (long long)rule->minor);
	(void)snprintf(buf, size, "%c %s:%s %s", rule->type, major, minor, rule->access);
	return buf;
}

static int write_rule(const char *dir, const struct barco_device_rule *rule,
		      struct barco_report *rep, struct barco_err *err)
{
	const char *file = rule->is_allow ? "devices.allow" : "devices.deny";
	char path[PATH_MAX];
	char text[64];
	cleanup_close int fd = -1;
	size_t len;

	barco_devices_rule_text(rule, text, sizeof(text));
	len = strlen(text);
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return barco_err_set(err, ENAMETOOLONG, "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return barco_err_errno(err, "write \"%s\" to %s", text, path);
	barco_report_add(rep, "echo '%s' > %s", text, path);
	return 0;
}

/* What the list starts from: runc's emulator and crun's program both deny what no rule allows. */
static const struct barco_device_rule deny_all = {false, 'a', -1, -1, "rwm"};

int barco_devices_cgroup_v1(const char *dir, const struct barco_device_rule *rules, size_t n,
			    struct barco_report *rep, struct barco_err *err)
{
	if (write_rule(dir, &deny_all, rep, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (write_rule(dir, &rules[i], rep, err) < 0)
			return -1;
	for (size_t i = 0; i < barco_devices_default_rules_len; i++)
		if (write_rule(dir, &barco_devices_default_rules[i], rep, err) < 0)
			return -1;
	return 0;
}

int barco_devices_cgroup_v2(const char *dir, const struct barco_device_rule *rules, size_t n,
			    struct barco_report *rep, struct barco_err *err)
{
	size_t len = n + barco_devices_default_rules_len;
	cleanup_free struct barco_device_rule *all = calloc(len, sizeof(*all));

	if (!all)
		return barco_err_errno(err, "device rules");
	if (n)
		memcpy(all, rules, n * sizeof(*rules));
	memcpy(all + n, barco_devices_default_rules, sizeof(barco_devices_default_rules));
	/* The program starts from "deny all" too: no rule is needed for it. */
	return barco_devices_bpf_attach(dir, all, len, rep, err);
}

/*
 * The directory of path under root, made as needed, without following a
 * symbolic link on the way (a link in /dev could lead out of the root).
 */
static int open_parent(const char *root, const char *path, const char **ret_name,
		       struct barco_err *err)
{
	char buf[PATH_MAX];
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *word, *next, *save = NULL;

	if (dfd < 0)
		return barco_err_errno(err, "open %s", root);
	(void)snprintf(buf, sizeof(buf), "%s", path + 1);
	word = strtok_r(buf, "/", &save);
	while (word && (next = strtok_r(NULL, "/", &save))) {
		int sub;

		if (mkdirat(dfd, word, 0755) < 0 && errno != EEXIST)
			sub = -1;
		else
			sub = openat(dfd, word, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		(void)close(dfd);
		if (sub < 0)
			return barco_err_errno(err, "directory %s of %s", word, path);
		dfd = sub;
		word = next;
	}
	*ret_name = path + strlen(path) - strlen(word ? word : "");
	return dfd;
}

/* In a user namespace: an empty file at the path, the host's node bound on it. */
static int bind_node(int dfd, const char *name, const char *root, const struct barco_device *d,
		     struct barco_err *err)
{
	char target[PATH_MAX];
	cleanup_close int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return barco_err_errno(err, "create %s", d->path);
	(void)snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
		return barco_err_errno(err, "bind the host's %s in %s", d->path, root);
	return 0;
}

static int make_node(int dfd, const char *name, const struct barco_device *d, struct barco_err *err)
{
	if (mknodat(dfd, name, d->mode, makedev(d->major, d->minor)) < 0) {
		/* Already there (a default node barco binds): runc leaves it, so does barco. */
		if (errno == EEXIST)
			return 0;
		return barco_err_errno(err, "mknod %s", d->path);
	}
	/* mknod(2) applied the umask: the mode is set again, as config.json gives it. */
	if (fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dfd, name, d->mode & 07777, 0) < 0)
		return barco_err_errno(err, "chown and chmod %s", d->path);
	return 0;
}

int barco_devices_create(const char *root, const struct barco_config *cfg, struct barco_report *rep,
			 struct barco_err *err)
{
	for (size_t i = 0; i < cfg->devices_len; i++) {
		const struct barco_device *d = &cfg->devices[i];
		const char *name = "";
		int dfd = open_parent(root, d->path, &name, err);
		int r;

		if (dfd < 0)
			return -1;
		r = cfg->is_userns_host ? make_node(dfd, name, d, err)
					: bind_node(dfd, name, root, d, err);
		(void)close(dfd);
		if (r < 0)
			return -1;
		barco_report_add(rep, "%s %s (%u:%u, mode 0%o, %u:%u)",
				 cfg->is_userns_host ? "mknod" : "bind the host's", d->path,
				 d->major, d->minor, (unsigned)(d->mode & 07777), (unsigned)d->uid,
				 (unsigned)d->gid);
	}
	return 0;
}
