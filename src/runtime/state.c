#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/parse.h"
#include "base/util.h"
#include "stages/net_bridge.h"
#include "stages/net_names.h"

/* Everything barco puts in a state directory. */
static const char *const state_files[] = {"state.json",	 "state.json.tmp",  "pid",
					  "pid.tmp",	 "ctl.sock",	    "exec.fifo",
					  "oci.json",	 "oci.json.tmp",    "reports",
					  "cgroup.json", "cgroup.json.tmp", "hosts",
					  "hostname",	 "resolv.conf",	    "mountpoints",
					  "ports",	 "slirp.sock",	    "slirp4netns.log"};

/*
 * Root's containers live in /run/barco. Anyone else's in their own
 * runtime directory (XDG Base Directory: $XDG_RUNTIME_DIR, owned by them,
 * mode 0700, made by pam_systemd), else in /tmp/barco-UID: a name in a
 * world-writable directory that another user may have taken first, so
 * it is used only when it is a real directory (not a link), owned by us
 * and closed to others. Names are per user: one user's barco never sees
 * another's directory. Computed once: the environment does not change.
 */
static bool is_private_dir(const char *path, uid_t uid)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
	       (st.st_mode & 0077) == 0;
}

const char *barco_state_run_dir(void)
{
	static char dir[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();

	if (dir[0])
		return dir;
	if (uid == 0)
		(void)snprintf(dir, sizeof(dir), "%s", BARCO_ROOT_RUN_DIR);
	else if (xdg && xdg[0] == '/' && strlen(xdg) < PATH_MAX - 8 && is_private_dir(xdg, uid))
		(void)snprintf(dir, sizeof(dir), "%s/barco", xdg);
	else
		(void)snprintf(dir, sizeof(dir), "/tmp/barco-%u", (unsigned)uid);
	return dir;
}

int barco_state_check_run_dir(struct barco_err *err)
{
	const char *dir = BARCO_RUN_DIR;
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : barco_err_errno(err, "%s", dir);
	if (geteuid() != 0 && !is_private_dir(dir, geteuid()))
		return barco_err_set(
			err, 0,
			"%s is not a directory of yours with mode 0700 (uid %u, mode "
			"%04o): remove it, or set XDG_RUNTIME_DIR to your own directory",
			dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int open_run_dir(struct barco_err *err)
{
	int fd;

	if (mkdir(BARCO_RUN_DIR, 0700) < 0 && errno != EEXIST)
		return barco_err_errno(err, "mkdir %s", BARCO_RUN_DIR);
	if (barco_state_check_run_dir(err) < 0)
		return -1;
	fd = open(BARCO_RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return barco_err_errno(err, "open %s", BARCO_RUN_DIR);
	return fd;
}

/* Opens the state directory for reading, when it exists and is safe to trust. */
static int open_run_dir_existing(void)
{
	struct barco_err err;

	if (barco_state_check_run_dir(&err) < 0)
		return -1;
	return open(BARCO_RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void remove_dir(int run_fd, const char *name)
{
	cleanup_close int fd = openat(run_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		for (size_t i = 0; i < ARRAY_LEN(state_files); i++)
			(void)unlinkat(fd, state_files[i], 0);
	(void)unlinkat(run_fd, name, AT_REMOVEDIR);
}

/*
 * Locks run_fd/name without blocking. Between opening and locking, a
 * reclaimer may have removed the directory (and a new owner made another):
 * the lock only counts if the path still names the inode we locked.
 */
static int lock_dir(int run_fd, const char *name, int *ret_fd)
{
	cleanup_close int fd = openat(run_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat locked, now;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -errno;
	if (fstat(fd, &locked) < 0 || fstatat(run_fd, name, &now, 0) < 0 ||
	    locked.st_ino != now.st_ino || locked.st_dev != now.st_dev)
		return -ESTALE;
	*ret_fd = steal_fd(&fd);
	return 0;
}

/*
 * A container `barco create` made (its directory holds oci.json) is removed
 * by `delete` only, as runc's are: a stopped one keeps its state, and its
 * id, until the engine that made it asks (containerd and podman read its
 * state after it stopped). Nobody holds its lock once it runs.
 */
static bool is_oci(int dir_fd)
{
	struct stat st;

	return fstatat(dir_fd, "oci.json", &st, 0) == 0;
}

/*
 * Reclaims name if nobody holds it (and, unless is_oci_ok, it is not a
 * `barco create` container); returns true when it was stale and is gone.
 */
static bool reclaim_if_stale(int run_fd, const char *name, const struct barco_cgroup_layout *layout,
			     bool is_oci_ok)
{
	cleanup_close int fd = -1;
	struct barco_cgroup cg;
	struct barco_err err;

	unsigned long long netns;

	if (lock_dir(run_fd, name, &fd) < 0 || (!is_oci_ok && is_oci(fd)))
		return false;
	if (barco_net_bridge_lease_elsewhere(name, BARCO_NET_LEASES, &netns)) {
		log_info(
			"leaving stale container %s to a barco in net:[%llu], where its network is",
			name, netns);
		return false;
	}
	log_info("reclaiming stale container %s", name);
	barco_state_cgroup_at(fd, name, layout, &cg);
	if (barco_cgroup_destroy(&cg, &err) < 0)
		log_warn("reclaiming %s: %s", name, err.msg);
	if (barco_net_bridge_release(name, BARCO_NET_LEASES, fd, NULL, &err) < 0)
		log_warn("reclaiming the network of %s: %s", name, err.msg);
	/* The name files' mount points no live container binds over any more. */
	barco_net_names_remove(fd, barco_state_is_live, NULL);
	remove_dir(run_fd, name);
	return true;
}

/*
 * Between mkdir and flock a new directory is unlocked, and a concurrent
 * barco_state_reclaim_all would take it for stale and remove it. So it is
 * made and locked under a hidden name (reclaimers skip dot names), then
 * renamed into place, never over anything (renameat2(2) RENAME_NOREPLACE).
 * Returns 0 or -errno (-EEXIST: the name is taken).
 */
static int create_locked(int run_fd, const char *name, int *ret_fd)
{
	char tmp[BARCO_NAME_MAX + 32];
	cleanup_close int fd = -1;
	int r = 0;

	(void)snprintf(tmp, sizeof(tmp), ".new-%s-%d", name, (int)getpid());
	/* One left by an earlier process with our pid that crashed right here. */
	(void)unlinkat(run_fd, tmp, AT_REMOVEDIR);
	if (mkdirat(run_fd, tmp, 0700) < 0)
		return -errno;
	fd = openat(run_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
	    renameat2(run_fd, tmp, run_fd, name, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(run_fd, tmp, AT_REMOVEDIR);
		return r;
	}
	*ret_fd = steal_fd(&fd);
	return 0;
}

int barco_state_claim(const char *name, const struct barco_cgroup_layout *layout, int *ret_fd,
		      struct barco_err *err)
{
	cleanup_close int run_fd = open_run_dir(err);

	if (run_fd < 0)
		return -1;
	/* A later round follows a reclaim of a stale directory of the same name. */
	for (int round = 0; round < 3; round++) {
		int r = create_locked(run_fd, name, ret_fd);

		if (r == 0)
			return 0;
		if (r != -EEXIST)
			return barco_err_set(err, -r, "create %s/%s", BARCO_RUN_DIR, name);
		if (reclaim_if_stale(run_fd, name, layout, false))
			continue;
		return barco_err_set(err, EEXIST,
				     "a container named '%s' already exists (see %s/%s)", name,
				     BARCO_RUN_DIR, name);
	}
	return barco_err_set(err, EBUSY, "claim %s/%s: raced with another barco", BARCO_RUN_DIR,
			     name);
}

void barco_state_release(const char *name, int dir_fd)
{
	cleanup_close int run_fd = open_run_dir_existing();

	/* Removed while still locked, so no reclaimer can see it half gone. */
	if (run_fd >= 0)
		remove_dir(run_fd, name);
	if (dir_fd >= 0)
		(void)close(dir_fd);
}

void barco_state_reclaim_all(const struct barco_cgroup_layout *layout)
{
	cleanup_close int run_fd = open_run_dir_existing();
	cleanup_closedir DIR *dir = NULL;
	struct dirent *de;
	int dup_fd;

	if (run_fd < 0)
		return;
	dup_fd = dup(run_fd);
	if (dup_fd < 0)
		return;
	dir = fdopendir(dup_fd);
	if (!dir) {
		(void)close(dup_fd);
		return;
	}
	while ((de = readdir(dir)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			(void)reclaim_if_stale(run_fd, de->d_name, layout, false);
}

/*
 * Puts text in the state directory's `file` so that a reader sees the old
 * file or the new one, never a part: written as FILE.tmp, then swapped in
 * with RENAME_EXCHANGE and the old one unlinked. A plain rename over an
 * existing file makes ext4 (auto_da_alloc, ext4(5)) start writing the new
 * data out on the spot, 0.3 to 0.8 ms per pause of `barco step` where /run
 * is on ext4; the exchange does not. The first time (nothing to exchange
 * with) or on a filesystem without RENAME_EXCHANGE: a plain rename.
 */
static int replace_file(int dir_fd, const char *name, const char *file, mode_t mode,
			const char *text, size_t len, struct barco_err *err)
{
	cleanup_close int fd = -1;
	char tmp[32];

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return barco_err_errno(err, "create %s/%s/%s", BARCO_RUN_DIR, name, tmp);
	if (write(fd, text, len) != (ssize_t)len)
		return barco_err_errno(err, "write %s/%s/%s", BARCO_RUN_DIR, name, tmp);
	if (renameat2(dir_fd, tmp, dir_fd, file, RENAME_EXCHANGE) == 0) {
		(void)unlinkat(dir_fd, tmp, 0);
		return 0;
	}
	if ((errno != ENOENT && errno != EINVAL) || renameat(dir_fd, tmp, dir_fd, file) < 0)
		return barco_err_errno(err, "rename %s/%s/%s", BARCO_RUN_DIR, name, file);
	return 0;
}

int barco_state_write_file(int dir_fd, const char *name, const char *file, const char *text,
			   struct barco_err *err)
{
	return replace_file(dir_fd, name, file, 0600, text, strlen(text), err);
}

int barco_state_write_pid(int dir_fd, const char *name, pid_t pid, struct barco_err *err)
{
	char text[16];
	int len = snprintf(text, sizeof(text), "%d\n", (int)pid);

	return replace_file(dir_fd, name, "pid", 0644, text, (size_t)len, err);
}

int barco_state_write(int dir_fd, const struct barco_state *st, struct barco_err *err)
{
	const char *name = st->name;
	char rootfs_json[8192];
	char text[9000];
	int len;

	len = snprintf(text, sizeof(text),
		       "{\"name\":\"%s\",\"pid\":%d,\"runner_pid\":%d,\"stage\":\"%s\","
		       "\"rootfs\":\"%s\",\"created\":%lld}\n",
		       name, (int)st->pid, (int)st->runner_pid, st->stage,
		       barco_json_escape(st->rootfs, rootfs_json, sizeof(rootfs_json)),
		       st->created);
	if (len < 0 || (size_t)len >= sizeof(text))
		return barco_err_set(err, E2BIG, "state of %s too large", name);
	return replace_file(dir_fd, name, "state.json", 0600, text, (size_t)len, err);
}

int barco_state_reclaim(const char *name, const struct barco_cgroup_layout *layout, bool is_oci_ok)
{
	cleanup_close int run_fd = open_run_dir_existing();
	struct stat st;

	if (run_fd < 0 || fstatat(run_fd, name, &st, 0) < 0) {
		errno = ENOENT;
		return -1;
	}
	return reclaim_if_stale(run_fd, name, layout, is_oci_ok) ? 1 : 0;
}

bool barco_state_is_live(const char *name)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;

	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* A shared lock is refused while the owner holds its exclusive one. */
	return fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static int json_string(struct json_object *obj, const char *key, char *buf, size_t size,
		       struct barco_err *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return barco_err_set(err, EINVAL, "state: \"%s\" missing or not a string", key);
	(void)snprintf(buf, size, "%s", json_object_get_string(v));
	return 0;
}

static int json_int(struct json_object *obj, const char *key, long long *ret, struct barco_err *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return barco_err_set(err, EINVAL, "state: \"%s\" missing or not a number", key);
	*ret = (long long)json_object_get_int64(v);
	return 0;
}

int barco_state_parse(const char *json, struct barco_state *ret, struct barco_err *err)
{
	struct json_object *obj = json_tokener_parse(json);
	long long pid = 0, runner = 0;
	int r = -1;

	if (!obj || !json_object_is_type(obj, json_type_object)) {
		barco_err_set(err, EINVAL, "state: not a JSON object");
		goto out;
	}
	if (json_string(obj, "name", ret->name, sizeof(ret->name), err) < 0 ||
	    json_string(obj, "stage", ret->stage, sizeof(ret->stage), err) < 0 ||
	    json_string(obj, "rootfs", ret->rootfs, sizeof(ret->rootfs), err) < 0 ||
	    json_int(obj, "pid", &pid, err) < 0 || json_int(obj, "runner_pid", &runner, err) < 0 ||
	    json_int(obj, "created", &ret->created, err) < 0)
		goto out;
	if (pid < 0 || pid > INT32_MAX || runner <= 0 || runner > INT32_MAX) {
		barco_err_set(err, EINVAL, "state: pid %lld or runner_pid %lld out of range", pid,
			      runner);
		goto out;
	}
	ret->pid = (pid_t)pid;
	ret->runner_pid = (pid_t)runner;
	r = 0;
out:
	json_object_put(obj);
	return r;
}

int barco_state_read(const char *name, struct barco_state *ret, struct barco_err *err)
{
	char path[PATH_MAX];
	char text[16384];
	cleanup_close int fd = -1;
	ssize_t n;

	if (barco_state_check_run_dir(err) < 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/%s/state.json", BARCO_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return barco_err_errno(err, "open %s", path);
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return barco_err_errno(err, "read %s", path);
	text[n] = '\0';
	if (barco_state_parse(text, ret, err) < 0)
		return barco_err_wrap(err, "%s", path);
	return 0;
}

/*
 * ---- STATE/cgroup.json: where a container's cgroups are, when linux.cgroupsPath
 * put them somewhere else than barco/NAME. Every verb that needs the cgroups
 * of an existing container (state, pause, resume, update, kill --all, ps,
 * exec, delete, reclaiming a stale one) asks barco_state_cgroup_at.
 */
/* The directories of a cgroup in parents_made's order (stages/cgroup.h). */
static char *slot_path(struct barco_cgroup *cg, size_t slot)
{
	if (slot == BARCO_CG_SLOT_UNIFIED)
		return cg->unified_path;
	if (slot == BARCO_CG_SLOT_FREEZER)
		return cg->freezer_path;
	return cg->v1_path[slot - BARCO_CG_SLOT_V1];
}

int barco_state_write_cgroup(int dir_fd, const char *name, const struct barco_cgroup *cg,
			     struct barco_err *err)
{
	struct json_object *arr = json_object_new_array();
	struct barco_cgroup copy = *cg;
	int r;

	for (size_t s = 0; s < BARCO_CG_PATHS_MAX; s++) {
		struct json_object *o = json_object_new_object();

		(void)json_object_object_add(o, "path",
					     json_object_new_string(slot_path(&copy, s)));
		(void)json_object_object_add(o, "parents_made",
					     json_object_new_int(cg->parents_made[s]));
		(void)json_object_array_add(arr, o);
	}
	r = barco_state_write_file(dir_fd, name, "cgroup.json",
				   json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN),
				   err);
	json_object_put(arr);
	return r;
}

/* Fills ret from cgroup.json; false when there is none (or it is unreadable). */
static bool read_record(int dir_fd, struct barco_cgroup *ret)
{
	cleanup_close int fd =
		dir_fd < 0 ? -1 : openat(dir_fd, "cgroup.json", O_RDONLY | O_CLOEXEC);
	struct json_object *arr = fd < 0 ? NULL : json_object_from_fd(fd);
	bool is_ok = arr && json_object_is_type(arr, json_type_array) &&
		     json_object_array_length(arr) == BARCO_CG_PATHS_MAX;

	for (size_t s = 0; is_ok && s < BARCO_CG_PATHS_MAX; s++) {
		struct json_object *o = json_object_array_get_idx(arr, s), *v;

		if (json_object_object_get_ex(o, "path", &v))
			(void)snprintf(slot_path(ret, s), PATH_MAX, "%s",
				       json_object_get_string(v));
		if (json_object_object_get_ex(o, "parents_made", &v))
			ret->parents_made[s] = (uint8_t)json_object_get_int(v);
	}
	json_object_put(arr);
	return is_ok;
}

void barco_state_cgroup_at(int dir_fd, const char *name, const struct barco_cgroup_layout *layout,
			   struct barco_cgroup *ret)
{
	barco_cgroup_paths_for(layout, name, ret);
	if (read_record(dir_fd, ret))
		log_debug("%s: cgroups as cgroup.json records them", name);
}

int barco_state_cgroup(const char *name, struct barco_cgroup *ret, struct barco_err *err)
{
	struct barco_cgroup_layout layout;
	char path[PATH_MAX];
	cleanup_close int fd = -1;

	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	barco_state_cgroup_at(fd, name, &layout, ret);
	return 0;
}
