/*
 * Mount tables, the default rootfs, and barco_mount_setup itself. The setup
 * tests run in forked children inside their own mount and pid namespaces
 * (and, for one, a user namespace), so the host's mounts are never touched.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stages/mount.h"
#include "base/util.h"
#include "runtime/rootfs.h"
#include "suites.h"

#define OWNER		100000
#define DEVPTS_MAGIC	0x1cd1
#define SETUP_TIMEOUT_S 30

static bool in_list(const char *const *list, size_t len, const char *s)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static const struct barco_mount_def *find_mount(const char *target)
{
	for (size_t i = 0; i < barco_mounts_len; i++)
		if (strcmp(barco_mounts[i].target, target) == 0)
			return &barco_mounts[i];
	return NULL;
}

static void test_mount_table(void)
{
	for (size_t i = 0; i < barco_mounts_len; i++) {
		const struct barco_mount_def *m = &barco_mounts[i];

		CU_ASSERT_EQUAL(m->target[0], '/');
		CU_ASSERT_PTR_NOT_NULL(m->fstype);
		CU_ASSERT_PTR_NOT_NULL(m->source);
		for (size_t j = 0; j < i; j++) {
			size_t len = strlen(m->target);
			CU_ASSERT_STRING_NOT_EQUAL(m->target, barco_mounts[j].target);
			/* A parent must come first, or the child would be hidden under it. */
			CU_ASSERT_FALSE(strncmp(barco_mounts[j].target, m->target, len) == 0 &&
					barco_mounts[j].target[len] == '/');
		}
	}
	const struct barco_mount_def *pts = find_mount("/dev/pts");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pts);
	CU_ASSERT_STRING_EQUAL(pts->fstype, "devpts");
	/* The instance's own ptmx, reached through /dev/ptmx, is made 0000 otherwise. */
	CU_ASSERT_PTR_NOT_NULL(strstr(pts->data, "ptmxmode=0666"));
	/* Ignored since Linux 4.7: every devpts mount is a new instance. */
	CU_ASSERT_PTR_NULL(strstr(pts->data, "newinstance"));
	CU_ASSERT_PTR_NULL(strstr(pts->data, "gid=")); /* added only when gid 5 is mapped */
	const struct barco_mount_def *sys = find_mount("/sys");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sys);
	CU_ASSERT_TRUE(sys->flags & MS_RDONLY);
	const struct barco_mount_def *dev = find_mount("/dev");
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	CU_ASSERT_FALSE(dev->flags & MS_NODEV); /* the bound nodes must open */
	CU_ASSERT_PTR_NOT_NULL(find_mount("/proc"));
	CU_ASSERT_PTR_NOT_NULL(find_mount("/tmp"));
	CU_ASSERT_PTR_NOT_NULL(find_mount("/dev/shm"));
}

static void test_masked_and_readonly_lists(void)
{
	for (size_t i = 0; i < barco_masked_paths_len; i++) {
		CU_ASSERT_EQUAL(barco_masked_paths[i][0], '/');
		CU_ASSERT_FALSE(in_list(barco_readonly_paths, barco_readonly_paths_len,
					barco_masked_paths[i]));
		CU_ASSERT_FALSE(in_list(barco_masked_paths, i, barco_masked_paths[i]));
	}
	for (size_t i = 0; i < barco_readonly_paths_len; i++) {
		CU_ASSERT_EQUAL(barco_readonly_paths[i][0], '/');
		CU_ASSERT_FALSE(in_list(barco_readonly_paths, i, barco_readonly_paths[i]));
	}
	CU_ASSERT_TRUE(in_list(barco_masked_paths, barco_masked_paths_len, "/proc/kcore"));
	CU_ASSERT_TRUE(in_list(barco_masked_paths, barco_masked_paths_len, "/proc/sysrq-trigger"));
	CU_ASSERT_TRUE(in_list(barco_masked_paths, barco_masked_paths_len, "/sys/firmware"));
	CU_ASSERT_TRUE(in_list(barco_readonly_paths, barco_readonly_paths_len, "/proc/sys"));
}

static void test_dev_nodes_and_links(void)
{
	static const char *const required[] = {"null", "zero", "full", "random", "urandom", "tty"};
	bool has_ptmx = false;

	for (size_t i = 0; i < ARRAY_LEN(required); i++)
		CU_ASSERT_TRUE(in_list(barco_dev_nodes, barco_dev_nodes_len, required[i]));
	for (size_t i = 0; i < barco_dev_links_len; i++) {
		CU_ASSERT_PTR_NULL(strchr(barco_dev_links[i][0], '/'));
		CU_ASSERT_STRING_NOT_EQUAL(barco_dev_links[i][0], "core");
		if (strcmp(barco_dev_links[i][0], "ptmx") == 0)
			has_ptmx = strcmp(barco_dev_links[i][1], "pts/ptmx") == 0;
	}
	CU_ASSERT_TRUE(has_ptmx);
}

static int count_entries(const char *dir_path)
{
	DIR *d = opendir(dir_path);
	struct dirent *e;
	int entries = 0;

	while (d && (e = readdir(d)))
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return d ? entries : -1;
}

static int wait_exit_code(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* "<tmpdir>/rootfs" created for uid:gid; returns the tmpdir (caller removes it). */
static char *make_rootfs(uid_t uid, gid_t gid, char *path, size_t size)
{
	struct barco_err err = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];
	char *dir = barco_test_tmpdir();

	(void)snprintf(path, size, "%s/rootfs", dir);
	if (barco_rootfs_create(path, uid, gid, &err) < 0) {
		fprintf(stderr, "\nbarco_rootfs_create: %s\n",
			barco_err_str(&err, msg, sizeof(msg)));
		barco_test_rmtree(dir);
		free(dir);
		return NULL;
	}
	return dir;
}

static void assert_owner(const char *root, const char *rel, uid_t uid)
{
	char path[PATH_MAX];
	struct stat st;

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	CU_ASSERT_EQUAL_FATAL(lstat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, uid);
	CU_ASSERT_EQUAL(st.st_gid, uid);
}

static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

static void test_rootfs_create_contents(void)
{
	char root[PATH_MAX], path[PATH_MAX + 32], text[512], target[64];
	struct stat st;
	char *dir;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: chown to %d needs root)\n", OWNER);
		return;
	}
	dir = make_rootfs(OWNER, OWNER, root, sizeof(root));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	(void)snprintf(path, sizeof(path), "%s/bin/busybox", root);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0755);
	(void)snprintf(path, sizeof(path), "%s/bin/sh", root);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	CU_ASSERT_TRUE_FATAL(n > 0);
	target[n] = '\0';
	CU_ASSERT_STRING_EQUAL(target, "/bin/busybox");
	(void)snprintf(path, sizeof(path), "%s/etc/passwd", root);
	read_text(path, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "root:x:0:0:root:/root:/bin/sh\n"
				     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
	assert_owner(root, "", OWNER);
	assert_owner(root, "bin", OWNER);
	assert_owner(root, "bin/sh", OWNER); /* the link itself, not busybox through it */
	assert_owner(root, "etc/passwd", OWNER);
	assert_owner(root, "usr/bin", OWNER);
	(void)snprintf(path, sizeof(path), "%s/tmp", root);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 01777);
	(void)snprintf(path, sizeof(path), "%s/root", root);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	barco_test_rmtree(dir);
	free(dir);
}

static void test_rootfs_create_twice_and_bad_parent(void)
{
	char root[PATH_MAX], path[PATH_MAX + 32];
	struct barco_err err = {0};
	char *dir = make_rootfs(getuid(), getgid(), root, sizeof(root));

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL(barco_rootfs_create(root, getuid(), getgid(), &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, root));
	CU_ASSERT_EQUAL(err.errnum, EEXIST);
	(void)snprintf(path, sizeof(path), "%s/missing/rootfs", dir);
	CU_ASSERT_EQUAL(barco_rootfs_create(path, getuid(), getgid(), &err), -1);
	CU_ASSERT_EQUAL(err.errnum, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "missing"));
	/* Nothing but the rootfs: no temporary sibling left behind. */
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	barco_test_rmtree(dir);
	free(dir);
}

/* Runs fn with BARCO_HOME set to value (NULL: unset), then restores it. */
static void with_home(const char *value, void (*fn)(void *), void *arg)
{
	const char *old = getenv("BARCO_HOME");
	char *saved = old ? strdup(old) : NULL;

	if (value)
		setenv("BARCO_HOME", value, 1);
	else
		unsetenv("BARCO_HOME");
	fn(arg);
	if (saved)
		setenv("BARCO_HOME", saved, 1);
	else
		unsetenv("BARCO_HOME");
	free(saved);
}

static void default_path_into(void *arg)
{
	struct barco_err err = {0};
	char *buf = arg;

	if (barco_rootfs_default_path(buf, PATH_MAX, &err) < 0)
		(void)snprintf(buf, PATH_MAX, "error: %s", err.msg);
}

static void test_rootfs_default_path(void)
{
	char buf[PATH_MAX];

	with_home(NULL, default_path_into, buf);
	CU_ASSERT_STRING_EQUAL(buf, "/var/lib/barco/rootfs");
	with_home("", default_path_into, buf);
	CU_ASSERT_STRING_EQUAL(buf, "/var/lib/barco/rootfs");
	with_home("/srv/barco", default_path_into, buf);
	CU_ASSERT_STRING_EQUAL(buf, "/srv/barco/rootfs");
	with_home("relative/home", default_path_into, buf);
	CU_ASSERT_EQUAL(strncmp(buf, "error: ", 7), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "relative/home"));
}

struct ensure_result {
	int rc;
	char path[PATH_MAX];
	char msg[BARCO_ERR_MSG_MAX];
};

static void ensure_into(void *arg)
{
	struct ensure_result *r = arg;
	struct barco_err err = {0};

	r->rc = barco_rootfs_ensure_default(r->path, sizeof(r->path), getuid(), getgid(), &err);
	memcpy(r->msg, err.msg, sizeof(r->msg));
}

static void test_rootfs_ensure_default(void)
{
	char *dir = barco_test_tmpdir();
	char home[PATH_MAX], expected[PATH_MAX + 16], stale[PATH_MAX + 32], lock[PATH_MAX + 16];
	struct ensure_result first = {0}, second = {0}, bad = {0};
	struct stat st1, st2;

	/* A home that does not exist yet, holding a builder's leftover. */
	(void)snprintf(home, sizeof(home), "%s/home", dir);
	(void)snprintf(expected, sizeof(expected), "%s/rootfs", home);
	(void)snprintf(stale, sizeof(stale), "%s/rootfs.tmp-dead01", home);
	(void)snprintf(lock, sizeof(lock), "%s/.lock", home);
	with_home(home, ensure_into, &first);
	CU_ASSERT_EQUAL_FATAL(first.rc, 0);
	CU_ASSERT_STRING_EQUAL(first.path, expected);
	CU_ASSERT_EQUAL(stat(expected, &st1), 0);
	CU_ASSERT_EQUAL(stat(lock, &st2), 0);
	CU_ASSERT_EQUAL(st2.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(mkdir(stale, 0700), 0);
	with_home(home, ensure_into, &second);
	CU_ASSERT_EQUAL(second.rc, 0);
	CU_ASSERT_STRING_EQUAL(second.path, expected);
	CU_ASSERT_EQUAL(stat(expected, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino); /* not rebuilt */
	CU_ASSERT_EQUAL(access(stale, F_OK),
			0); /* the fast path takes no lock and cleans nothing */
	with_home("relative", ensure_into, &bad);
	CU_ASSERT_EQUAL(bad.rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(bad.msg, "absolute"));
	barco_test_rmtree(dir);
	free(dir);
}

static void test_rootfs_ensure_default_cleans_stale(void)
{
	char *dir = barco_test_tmpdir();
	char stale[PATH_MAX + 32];
	struct ensure_result r = {0};

	(void)snprintf(stale, sizeof(stale), "%s/rootfs.tmp-dead02", dir);
	CU_ASSERT_EQUAL(mkdir(stale, 0700), 0);
	with_home(dir, ensure_into, &r);
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_EQUAL(access(stale, F_OK), -1);
	barco_test_rmtree(dir);
	free(dir);
}

/* As nobody, chown to root fails half-way: the temporary build must vanish. */
static void test_rootfs_create_failure_cleans_up(void)
{
	char *dir = barco_test_tmpdir();
	char root[PATH_MAX];

	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: needs root to become nobody)\n");
		barco_test_rmtree(dir);
		free(dir);
		return;
	}
	CU_ASSERT_EQUAL(chmod(dir, 01777), 0);
	(void)snprintf(root, sizeof(root), "%s/rootfs", dir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct barco_err err = {0};
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		int rc = barco_rootfs_create(root, 0, 0, &err);
		if (rc == -1 && err.errnum == EPERM && strstr(err.msg, "chown"))
			_exit(0);
		fprintf(stderr, "\n  as nobody: rc %d, %s (errno %d)\n", rc, err.msg, err.errnum);
		_exit(1);
	}
	CU_ASSERT_EQUAL(wait_exit_code(pid), 0);
	CU_ASSERT_EQUAL(count_entries(dir), 0);
	barco_test_rmtree(dir);
	free(dir);
}

/* First uses at once: every caller gets the rootfs, built once, nothing left over. */
static void test_rootfs_ensure_default_concurrent(void)
{
	char *dir = barco_test_tmpdir();
	char busybox[PATH_MAX];
	pid_t pids[4];
	struct stat st;

	fflush(NULL);
	for (size_t i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct ensure_result r = {0};
			with_home(dir, ensure_into, &r);
			_exit(r.rc == 0 ? 0 : 1);
		}
	}
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(wait_exit_code(pids[i]), 0);
	(void)snprintf(busybox, sizeof(busybox), "%s/rootfs/bin/busybox", dir);
	CU_ASSERT_EQUAL(stat(busybox, &st), 0);
	CU_ASSERT_EQUAL(count_entries(dir), 2); /* rootfs and .lock */
	barco_test_rmtree(dir);
	free(dir);
}

/* --- barco_mount_setup in namespaces ------------------------------------------------- */

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "\n  container check failed (line %d): ", __LINE__);       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			return __LINE__ % 100 + 1;                                                 \
		}                                                                                  \
	} while (0)

struct contained {
	struct barco_config cfg;
	int (*check)(void);
	int unshare_flags;
	bool is_userns;
};

static int open_fails_with(const char *path, int flags, int expected)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		if (flags & O_CREAT)
			(void)unlink(path); /* a broken setup must not leave it behind */
		return 0;
	}
	return expected == 0 || errno == expected;
}

static int can_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return 0;
	close(fd);
	return unlink(path) == 0;
}

static int is_self_pid1(void)
{
	char buf[16] = "";

	return readlink("/proc/self", buf, sizeof(buf) - 1) == 1 && buf[0] == '1';
}

/* Mounts at "/": one once the old root is detached, two while it sits on the new one. */
static int count_root_mounts(void)
{
	char line[4096], point[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int roots = 0;

	while (f && fgets(line, sizeof(line), f))
		roots += sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && !strcmp(point, "/");
	if (f)
		fclose(f);
	return roots;
}

static int check_common_view(void)
{
	struct stat st;
	struct statfs sfs;
	char link[32] = "";

	CHECK(is_self_pid1(), "/proc is not a fresh proc of our pid namespace");
	CHECK(count_root_mounts() == 1, "%d mounts at /: old root not detached",
	      count_root_mounts());
	for (size_t i = 0; i < barco_dev_nodes_len; i++) {
		char path[64];
		(void)snprintf(path, sizeof(path), "/dev/%s", barco_dev_nodes[i]);
		CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode), "%s is not a device", path);
	}
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "/dev/null not writable: %m");
	close(fd);
	CHECK(statfs("/dev/pts", &sfs) == 0 && sfs.f_type == DEVPTS_MAGIC, "/dev/pts not devpts");
	CHECK(readlink("/dev/ptmx", link, sizeof(link) - 1) > 0 && !strcmp(link, "pts/ptmx"),
	      "/dev/ptmx link");
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(fd >= 0, "open /dev/ptmx: %m");
	close(fd);
	CHECK(mkdir("/sys/barco-test", 0755) < 0 && errno == EROFS, "/sys writable: %m");
	CHECK(can_create("/tmp/barco-test") && can_create("/dev/shm/barco-test"),
	      "/tmp or /dev/shm not writable: %m");
	CHECK(open_fails_with("/proc/sysrq-trigger", O_WRONLY, 0), "sysrq-trigger writable");
	CHECK(open_fails_with("/proc/sys/net/ipv4/ip_forward", O_WRONLY, EROFS),
	      "/proc/sys not read-only: %m");
	return 0;
}

/* Every masked path present reads as empty and refuses writes. */
static int check_masked(void)
{
	int files = 0, dirs = 0;
	struct stat st;
	char byte;

	for (size_t i = 0; i < barco_masked_paths_len; i++) {
		const char *path = barco_masked_paths[i];
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int entries = count_entries(path);

			CHECK(entries == 0, "masked %s has %d entries (-1: unreadable)", path,
			      entries);
			dirs++;
			continue;
		}
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		CHECK(fd >= 0 && read(fd, &byte, 1) == 0, "masked %s is not empty", path);
		close(fd);
		CHECK(open_fails_with(path, O_WRONLY, EROFS), "masked %s accepts writes", path);
		files++;
	}
	/* /proc/timer_list and /sys/firmware exist on every kernel barco supports. */
	CHECK(files > 0 && dirs > 0, "nothing masked (%d files, %d dirs)", files, dirs);
	return 0;
}

static int check_rootfs_view(void)
{
	int rc = check_common_view();

	if (rc)
		return rc;
	CHECK(access("/bin/busybox", X_OK) == 0, "no /bin/busybox in the new root");
	CHECK(access("/etc/os-release", F_OK) < 0 && access("/usr/lib", F_OK) < 0,
	      "the host's root is still reachable");
	return check_masked();
}

static int check_host_root_view(void)
{
	int rc = check_common_view();

	if (rc)
		return rc;
	CHECK(access("/etc/os-release", F_OK) == 0, "not the host's root");
	CHECK(open_fails_with("/etc/barco-test-file", O_WRONLY | O_CREAT, EROFS),
	      "host root writable: %m");
	return check_masked();
}

static int contained_pid1(const struct contained *c)
{
	struct barco_report rep = {0};
	struct barco_err err = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];

	/* As the runner does: the rootfs opened on the host side, before namespaces. */
	int rootfs_fd = open(c->cfg.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	alarm(SETUP_TIMEOUT_S);
	if (rootfs_fd < 0 || barco_mount_setup(&c->cfg, rootfs_fd, -1, &rep, &err) < 0) {
		fprintf(stderr, "\n  barco_mount_setup: %s\n  report:\n%s",
			barco_err_str(&err, msg, sizeof(msg)), rep.text);
		return 99;
	}
	if (getenv("BARCO_TEST_SHOW_REPORT"))
		fprintf(stderr, "\n%s(%zu bytes)\n", rep.text, rep.len);
	return c->check();
}

/* Waits for the parent to write our maps, then becomes root inside. */
static int become_userns_root(int sync_rd, int sync_wr)
{
	char byte = 'u';

	if (unshare(CLONE_NEWUSER) < 0 || write(sync_wr, &byte, 1) != 1 ||
	    read(sync_rd, &byte, 1) != 1)
		return -1;
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	return 0;
}

static int contained_child(const struct contained *c, int sync_rd, int sync_wr)
{
	if (c->is_userns && become_userns_root(sync_rd, sync_wr) < 0) {
		perror("user namespace");
		return 97;
	}
	if (unshare(c->unshare_flags) < 0) {
		perror("unshare");
		return 98;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 96;
	if (pid == 0)
		_exit(contained_pid1(c));
	return wait_exit_code(pid);
}

static int write_map(pid_t pid, const char *file, const struct barco_idmap *m)
{
	char path[64];
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fprintf(f, "%u %u %u\n", m->inside, m->outside, m->count) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int run_contained(const struct contained *c)
{
	int to_parent[2], to_child[2];
	char byte;

	if (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(to_child, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(contained_child(c, to_child[0], to_parent[1]));
	close(to_parent[1]);
	close(to_child[0]);
	if (pid > 0 && c->is_userns && read(to_parent[0], &byte, 1) == 1) {
		int ok = write_map(pid, "uid_map", &c->cfg.uidmap[0]) == 0 &&
			 write_map(pid, "gid_map", &c->cfg.gidmap[0]) == 0;
		if (ok && write(to_child[1], &byte, 1) != 1)
			perror("sync");
	}
	close(to_parent[0]);
	close(to_child[1]);
	return pid > 0 ? wait_exit_code(pid) : -1;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int lines = 0, ch;

	while (f && (ch = fgetc(f)) != EOF)
		lines += ch == '\n';
	if (f)
		fclose(f);
	return lines;
}

/* gid_count: how many gids the user namespace maps (0: no user namespace). */
static void run_setup_test(const char *rootfs, uint32_t gid_count, int (*check)(void))
{
	bool is_userns = gid_count > 0;
	struct contained c;
	int mounts_before = count_lines("/proc/self/mountinfo");

	memset(&c, 0, sizeof(c));
	(void)snprintf(c.cfg.rootfs, sizeof(c.cfg.rootfs), "%s", rootfs);
	c.cfg.is_userns_host = !is_userns;
	if (is_userns) {
		c.cfg.uidmap[0] = (struct barco_idmap){0, OWNER, 65536};
		c.cfg.gidmap[0] = (struct barco_idmap){0, OWNER, gid_count};
		c.cfg.uidmap_len = c.cfg.gidmap_len = 1;
	}
	c.check = check;
	c.is_userns = is_userns;
	c.unshare_flags =
		CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (is_userns ? CLONE_NEWNET : 0);
	CU_ASSERT_EQUAL(run_contained(&c), 0);
	/* Nothing leaked into the host's mount table or root. */
	CU_ASSERT_EQUAL(count_lines("/proc/self/mountinfo"), mounts_before);
	CU_ASSERT_EQUAL(access("/etc/barco-test-file", F_OK), -1);
}

static void test_setup_rootfs(uint32_t gid_count)
{
	char root[PATH_MAX];
	uid_t owner = gid_count ? OWNER : 0;
	char *dir;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: needs root)\n");
		return;
	}
	dir = make_rootfs(owner, owner, root, sizeof(root));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	/* barco_test_tmpdir is 0700: container root (uid 100000 outside) must traverse it. */
	CU_ASSERT_EQUAL(chmod(dir, 0755), 0);
	run_setup_test(root, gid_count, check_rootfs_view);
	barco_test_rmtree(dir);
	free(dir);
}

static void test_setup_rootfs_as_root(void)
{
	test_setup_rootfs(0);
}

static void test_setup_rootfs_in_userns(void)
{
	test_setup_rootfs(65536);
}

/* Only gid 0 mapped: devpts must be mounted without gid=5 (EINVAL otherwise). */
static void test_setup_rootfs_in_userns_one_gid(void)
{
	test_setup_rootfs(1);
}

static void test_setup_host_root(uint32_t gid_count)
{
	if (geteuid() != 0) {
		fprintf(stderr, "\n  (skipped: needs root)\n");
		return;
	}
	run_setup_test("/", gid_count, check_host_root_view);
}

static void test_setup_host_root_as_root(void)
{
	test_setup_host_root(0);
}

static void test_setup_host_root_in_userns(void)
{
	test_setup_host_root(65536);
}

void barco_test_register_mount(void)
{
	static const struct barco_test tests[] = {
		{"mount table: absolute, unique, parents first", test_mount_table},
		{"masked and read-only lists", test_masked_and_readonly_lists},
		{"device nodes and links", test_dev_nodes_and_links},
		{"rootfs create: contents and owner", test_rootfs_create_contents},
		{"rootfs create: twice, missing parent", test_rootfs_create_twice_and_bad_parent},
		{"rootfs create: failure leaves nothing", test_rootfs_create_failure_cleans_up},
		{"rootfs default path and BARCO_HOME", test_rootfs_default_path},
		{"rootfs ensure_default: built once", test_rootfs_ensure_default},
		{"rootfs ensure_default: concurrent first uses",
		 test_rootfs_ensure_default_concurrent},
		{"rootfs ensure_default: stale builds removed",
		 test_rootfs_ensure_default_cleans_stale},
		{"mount setup: rootfs, real root", test_setup_rootfs_as_root},
		{"mount setup: rootfs, user namespace", test_setup_rootfs_in_userns},
		{"mount setup: rootfs, user namespace mapping one gid",
		 test_setup_rootfs_in_userns_one_gid},
		{"mount setup: host root read-only", test_setup_host_root_as_root},
		{"mount setup: host root, user namespace", test_setup_host_root_in_userns},
	};

	barco_test_suite_add("mount", tests, ARRAY_LEN(tests));
}
