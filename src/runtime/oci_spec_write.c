/* `barco spec`: barco's defaults as a config.json, built from the stages' own tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/oci_spec_impl.h"
#include "stages/caps.h"
#include "stages/mount.h"

/* The namespaces barco's stages create (the time namespace only where the kernel has it). */
static const char *const default_namespaces[] = {"pid",	  "network", "ipc", "uts",
						 "mount", "cgroup",  "user"};

static struct json_object *strings(const char *const *list, size_t len)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < len; i++)
		(void)json_object_array_add(arr, json_object_new_string(list[i]));
	return arr;
}

static struct json_object *capabilities(void)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	struct json_object *caps = json_object_new_object();
	uint64_t mask = barco_caps_default_mask();

	for (size_t s = 0; s < ARRAY_LEN(sets); s++) {
		struct json_object *arr = json_object_new_array();

		for (int cap = 0; cap < 64; cap++)
			if (mask & (1ULL << cap))
				(void)json_object_array_add(
					arr, json_object_new_string(barco_cap_name(cap)));
		(void)json_object_object_add(caps, sets[s], arr);
	}
	return caps;
}

static struct json_object *process(void)
{
	static const char *const args[] = {"sh"};
	const char *env[] = {barco_default_path_env, "HOME=/root", "TERM=xterm"};
	struct json_object *p = json_object_new_object();
	struct json_object *user = json_object_new_object();

	(void)json_object_object_add(user, "uid", json_object_new_int(0));
	(void)json_object_object_add(user, "gid", json_object_new_int(0));
	(void)json_object_object_add(p, "terminal", json_object_new_boolean(0));
	(void)json_object_object_add(p, "user", user);
	(void)json_object_object_add(p, "args", strings(args, 1));
	(void)json_object_object_add(p, "env", strings(env, 3));
	(void)json_object_object_add(p, "cwd", json_object_new_string("/"));
	(void)json_object_object_add(p, "capabilities", capabilities());
	(void)json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static struct json_object *mount_entry(const struct barco_mount_def *row)
{
	struct json_object *m = json_object_new_object();
	struct json_object *opts = json_object_new_array();
	char data[256];

	(void)json_object_object_add(m, "destination", json_object_new_string(row->target));
	(void)json_object_object_add(m, "type", json_object_new_string(row->fstype));
	(void)json_object_object_add(m, "source", json_object_new_string(row->source));
	(void)barco_oci_mount_flag_words(row->flags, opts);
	(void)snprintf(data, sizeof(data), "%s", row->data ? row->data : "");
	for (char *save = NULL, *w = strtok_r(data, ",", &save); w; w = strtok_r(NULL, ",", &save))
		(void)json_object_array_add(opts, json_object_new_string(w));
	(void)json_object_object_add(m, "options", opts);
	return m;
}

/* The read-only recursive bind of the host's /sys that runc's rootless spec has. */
static struct json_object *sys_bind(void)
{
	static const char *const options[] = {"rbind", "nosuid", "noexec", "nodev", "ro"};
	struct json_object *m = json_object_new_object();

	(void)json_object_object_add(m, "destination", json_object_new_string("/sys"));
	(void)json_object_object_add(m, "type", json_object_new_string("none"));
	(void)json_object_object_add(m, "source", json_object_new_string("/sys"));
	(void)json_object_object_add(m, "options", strings(options, ARRAY_LEN(options)));
	return m;
}

static struct json_object *idmap(int64_t host_id, int64_t size)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *m = json_object_new_object();

	(void)json_object_object_add(m, "containerID", json_object_new_int(0));
	(void)json_object_object_add(m, "hostID", json_object_new_int64(host_id));
	(void)json_object_object_add(m, "size", json_object_new_int64(size));
	(void)json_object_array_add(arr, m);
	return arr;
}

static struct json_object *linux_section(bool is_rootless)
{
	struct json_object *lx = json_object_new_object();
	struct json_object *ns = json_object_new_array();

	for (size_t i = 0; i < ARRAY_LEN(default_namespaces); i++) {
		struct json_object *n;

		/* Rootless: a user could not connect a new network namespace (runc's choice). */
		if (is_rootless && strcmp(default_namespaces[i], "network") == 0)
			continue;
		n = json_object_new_object();
		(void)json_object_object_add(n, "type",
					     json_object_new_string(default_namespaces[i]));
		(void)json_object_array_add(ns, n);
	}
	(void)json_object_object_add(lx, "namespaces", ns);
	/*
	 * barco's default map (base/config.c): container root is host uid
	 * 100000. Rootless: the caller, the one map a user may write without
	 * newuidmap (user_namespaces(7)), as runc spec --rootless.
	 */
	(void)json_object_object_add(lx, "uidMappings",
				     is_rootless ? idmap(geteuid(), 1) : idmap(100000, 65536));
	(void)json_object_object_add(lx, "gidMappings",
				     is_rootless ? idmap(getegid(), 1) : idmap(100000, 65536));
	(void)json_object_object_add(lx, "maskedPaths",
				     strings(barco_masked_paths, barco_masked_paths_len));
	(void)json_object_object_add(lx, "readonlyPaths",
				     strings(barco_readonly_paths, barco_readonly_paths_len));
	return lx;
}

static struct json_object *default_spec(bool is_rootless)
{
	struct json_object *spec = json_object_new_object();
	struct json_object *root = json_object_new_object();
	struct json_object *mounts = json_object_new_array();

	(void)json_object_object_add(spec, "ociVersion", json_object_new_string("1.1.0"));
	(void)json_object_object_add(root, "path", json_object_new_string("rootfs"));
	(void)json_object_object_add(root, "readonly", json_object_new_boolean(0));
	(void)json_object_object_add(spec, "root", root);
	(void)json_object_object_add(spec, "process", process());
	(void)json_object_object_add(spec, "hostname", json_object_new_string("barco"));
	/* sysfs needs the network namespace's owner: rootless, without one, a bind instead. */
	for (size_t i = 0; i < barco_mounts_len; i++)
		(void)json_object_array_add(
			mounts, is_rootless && strcmp(barco_mounts[i].fstype, "sysfs") == 0
					? sys_bind()
					: mount_entry(&barco_mounts[i]));
	(void)json_object_object_add(spec, "mounts", mounts);
	(void)json_object_object_add(spec, "linux", linux_section(is_rootless));
	return spec;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int barco_oci_spec_write_default(const char *dir, bool is_rootless, struct barco_err *err)
{
	cleanup_close int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -1;
	struct json_object *spec = default_spec(is_rootless);
	const char *text;
	int r = 0;

	if (dir_fd < 0) {
		json_object_put(spec);
		return barco_err_errno(err, "bundle '%s'", dir);
	}
	text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	/* O_EXCL: an existing config.json is the user's, never overwritten (as runc spec). */
	fd = openat(dir_fd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		r = barco_err_errno(err, "%s/config.json", dir);
	else if (!text || write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
		r = barco_err_errno(err, "writing %s/config.json", dir);
		(void)unlinkat(dir_fd, "config.json", 0);
	}
	json_object_put(spec);
	return r;
}
