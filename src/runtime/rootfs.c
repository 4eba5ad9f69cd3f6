/*
 * The default rootfs: a static busybox, its applet links and a minimal /etc,
 * built in a temporary sibling directory and renamed into place.
 */
#include "runtime/rootfs.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#define BARCO_HOME_DEFAULT "/var/lib/barco"
#define ROOTFS_NAME	   "rootfs"
#define TMP_INFIX	   ".tmp-"
#define BUSYBOX_IN_ROOTFS  "bin/busybox"
#define APPLET_TARGET	   "/bin/busybox"
#define APPLET_LIST_MAX	   ((size_t)1 << 20)
#define INSTALL_HINT	   "install it with `apt-get install busybox-static` (or `make setup`)"

struct rootfs_dir {
	const char *path;
	mode_t mode;
};

/* In creation order (parents first); the sticky bit lets everyone share tmp. */
static const struct rootfs_dir rootfs_dirs[] = {
	{"bin", 0755},	{"sbin", 0755}, {"usr", 0755}, {"usr/bin", 0755}, {"usr/sbin", 0755},
	{"etc", 0755},	{"proc", 0755}, {"sys", 0755}, {"dev", 0755},	  {"tmp", 01777},
	{"root", 0700}, {"home", 0755}, {"run", 0755}, {"var", 0755},	  {"var/tmp", 01777},
};

struct rootfs_file {
	const char *path;
	const char *content;
};

/*
 * hostname and resolv.conf empty: --net binds files of barco's over all
 * three name files (stages/net_names.h), and a rootfs that has them needs
 * no mount point made in it, which two containers at once would share.
 */
static const struct rootfs_file rootfs_files[] = {
	{"etc/passwd",
	 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
	{"etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n"},
	{"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
	{"etc/hostname", ""},
	{"etc/resolv.conf", ""},
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool has_busybox(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/" BUSYBOX_IN_ROOTFS, dir);

	return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0;
}

/*
 * An ordinary user cannot write /var/lib/barco: their default rootfs is
 * in their own data directory (XDG Base Directory: $XDG_DATA_HOME, else
 * ~/.local/share), barco/rootfs there.
 */
static int user_home_dir(char *buf, size_t size, struct barco_err *err)
{
	const char *data = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (data && data[0] == '/')
		n = snprintf(buf, size, "%s/barco", data);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.local/share/barco", home);
	else
		return barco_err_set(err, ENOENT,
				     "no HOME, XDG_DATA_HOME or BARCO_HOME for the default rootfs "
				     "of uid %u: set one, or give --rootfs",
				     (unsigned)geteuid());
	if (n < 0 || (size_t)n >= size)
		return barco_err_set(err, ENAMETOOLONG, "default rootfs home");
	return 0;
}

static int home_dir(char *buf, size_t size, struct barco_err *err)
{
	const char *home = getenv("BARCO_HOME");
	int n;

	if ((!home || !*home) && geteuid() != 0)
		return user_home_dir(buf, size, err);
	if (!home || !*home)
		home = BARCO_HOME_DEFAULT;
	else if (home[0] != '/')
		return barco_err_set(err, EINVAL, "BARCO_HOME must be an absolute path, not '%s'",
				     home);
	n = snprintf(buf, size, "%s", home);
	if (n < 0 || (size_t)n >= size)
		return barco_err_set(err, ENAMETOOLONG, "BARCO_HOME %s", home);
	return 0;
}

int barco_rootfs_default_path(char *buf, size_t size, struct barco_err *err)
{
	char home[PATH_MAX];
	int n;

	if (home_dir(home, sizeof(home), err) < 0)
		return -1;
	n = snprintf(buf, size, "%s/" ROOTFS_NAME, home);
	if (n < 0 || (size_t)n >= size)
		return barco_err_set(err, ENAMETOOLONG, "rootfs path %s/" ROOTFS_NAME, home);
	return 0;
}

static int make_dirs(int dfd, struct barco_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(rootfs_dirs); i++) {
		const struct rootfs_dir *d = &rootfs_dirs[i];

		if (mkdirat(dfd, d->path, d->mode) < 0)
			return barco_err_errno(err, "mkdir %s", d->path);
		/* The umask must not take the sticky bit's company (tmp is 1777). */
		if (fchmodat(dfd, d->path, d->mode, 0) < 0)
			return barco_err_errno(err, "chmod %s", d->path);
	}
	return 0;
}

/*
 * The rootfs has no libc: a dynamically linked busybox (package "busybox"
 * instead of "busybox-static") would fail at exec with a confusing ENOENT.
 * A PT_INTERP program header names the dynamic loader (elf(5)).
 */
static int check_static(int fd, struct barco_err *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0; /* not something we can judge; exec will tell */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		off_t at = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;

		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return 0;
		if (ph.p_type == PT_INTERP)
			return barco_err_set(err, 0, "%s is dynamically linked: " INSTALL_HINT,
					     BARCO_BUSYBOX_PATH);
	}
	return 0;
}

/* copy_file_range(2) refuses some pairs of filesystems (EXDEV): sendfile(2) takes those. */
static int copy_fd(int in, int out, off_t size)
{
	bool use_sendfile = false;

	for (off_t left = size; left > 0;) {
		ssize_t n = use_sendfile ? sendfile(out, in, NULL, (size_t)left)
					 : copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && !use_sendfile && left == size &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
			use_sendfile = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* the file shrank while we copied it */
			return -1;
		}
		left -= n;
	}
	return 0;
}

static int copy_busybox(int dfd, struct barco_err *err)
{
	struct stat st;
	cleanup_close int in = open(BARCO_BUSYBOX_PATH, O_RDONLY | O_CLOEXEC);

	if (in < 0 && errno == ENOENT)
		return barco_err_set(err, ENOENT, "%s not found: " INSTALL_HINT,
				     BARCO_BUSYBOX_PATH);
	if (in < 0 || fstat(in, &st) < 0)
		return barco_err_errno(err, "open %s", BARCO_BUSYBOX_PATH);
	if (!S_ISREG(st.st_mode))
		return barco_err_set(err, EINVAL, "%s is not a regular file", BARCO_BUSYBOX_PATH);
	if (check_static(in, err) < 0)
		return -1;
	cleanup_close int out =
		openat(dfd, BUSYBOX_IN_ROOTFS, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0)
		return barco_err_errno(err, "create " BUSYBOX_IN_ROOTFS);
	if (copy_fd(in, out, st.st_size) < 0)
		return barco_err_errno(err, "copy %s to " BUSYBOX_IN_ROOTFS, BARCO_BUSYBOX_PATH);
	if (fchmod(out, 0755) < 0)
		return barco_err_errno(err, "chmod " BUSYBOX_IN_ROOTFS);
	return 0;
}

/* `busybox --list-full`: one applet path per line ("bin/sh", "usr/bin/awk"). */
static int list_applets(char **ret_list, struct barco_err *err)
{
	char *const argv[] = {(char *)BARCO_BUSYBOX_PATH, (char *)"--list-full", NULL};
	cleanup_free char *list = NULL;
	int fds[2], status;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return barco_err_errno(err, "pipe");
	cleanup_close int rd = fds[0];
	cleanup_close int wr = fds[1];
	cleanup_pid pid_t pid = fork();
	if (pid < 0)
		return barco_err_errno(err, "fork");
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec. */
		if (dup2(wr, STDOUT_FILENO) >= 0)
			execv(BARCO_BUSYBOX_PATH, argv);
		_exit(127);
	}
	(void)close(steal_fd(&wr));
	if (barco_read_all(rd, APPLET_LIST_MAX, &list, NULL) < 0)
		return barco_err_errno(err, "read %s --list-full", BARCO_BUSYBOX_PATH);
	pid_t child = steal_pid(&pid);
	if (barco_waitpid(child, &status) < 0)
		return barco_err_errno(err, "waitpid busybox");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return barco_err_set(err, 0, "%s --list-full failed (status %#x)",
				     BARCO_BUSYBOX_PATH, (unsigned int)status);
	*ret_list = steal_pointer(&list);
	return 0;
}

/* Missing parents of rel (relative to dfd), e.g. for an applet in a new directory. */
static int make_parents(int dfd, const char *rel, struct barco_err *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s", rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return barco_err_set(err, ENAMETOOLONG, "path %s", rel);
	for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(dfd, path, 0755) < 0 && errno != EEXIST)
			return barco_err_errno(err, "mkdir %s", path);
		*p = '/';
	}
	return 0;
}

static bool is_safe_relative(const char *path)
{
	return path[0] && path[0] != '/' && !strstr(path, "..");
}

static int link_applet(int dfd, const char *applet, struct barco_err *err)
{
	if (!is_safe_relative(applet))
		return 0; /* not an applet path we would create inside the rootfs */
	if (symlinkat(APPLET_TARGET, dfd, applet) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || make_parents(dfd, applet, err) < 0)
		return barco_err_errno(err, "symlink %s -> " APPLET_TARGET, applet);
	if (symlinkat(APPLET_TARGET, dfd, applet) < 0 && errno != EEXIST)
		return barco_err_errno(err, "symlink %s -> " APPLET_TARGET, applet);
	return 0;
}

static int link_applets(int dfd, struct barco_err *err)
{
	cleanup_free char *list = NULL;
	char *save = NULL;

	if (list_applets(&list, err) < 0)
		return -1;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (link_applet(dfd, line, err) < 0)
			return -1;
	return 0;
}

static int write_file(int dfd, const struct rootfs_file *f, struct barco_err *err)
{
	size_t len = strlen(f->content);
	cleanup_close int fd = openat(dfd, f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return barco_err_errno(err, "create %s", f->path);
	if (write(fd, f->content, len) != (ssize_t)len)
		return barco_err_errno(err, "write %s", f->path);
	if (fchmod(fd, 0644) < 0)
		return barco_err_errno(err, "chmod %s", f->path);
	return 0;
}

static int write_files(int dfd, struct barco_err *err)
{
	for (size_t i = 0; i < ARRAY_LEN(rootfs_files); i++)
		if (write_file(dfd, &rootfs_files[i], err) < 0)
			return -1;
	return 0;
}

/*
 * lchown of every entry below dir_fd (which this call owns). Written out
 * rather than with nftw(3), whose callback has no argument to carry the
 * owner without a global.
 */
static int chown_below(int dir_fd, uid_t uid, gid_t gid, struct barco_err *err)
{
	cleanup_close int fd = dir_fd;
	cleanup_closedir DIR *dir = fdopendir(fd);
	struct dirent *e;

	if (!dir)
		return barco_err_errno(err, "opendir for chown");
	steal_fd(&fd);
	while ((errno = 0, e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fchownat(dirfd(dir), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return barco_err_errno(err, "chown %s", e->d_name);
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		int sub = openat(dirfd(dir), e->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && (errno == ENOTDIR || errno == ELOOP))
			continue; /* DT_UNKNOWN that was not a directory */
		if (sub < 0 || chown_below(sub, uid, gid, err) < 0)
			return sub < 0 ? barco_err_errno(err, "open %s", e->d_name)
				       : barco_err_wrap(err, "%s", e->d_name);
	}
	if (errno)
		return barco_err_errno(err, "readdir for chown");
	return 0;
}

static int populate(const char *tmp, uid_t uid, gid_t gid, struct barco_err *err)
{
	cleanup_close int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return barco_err_errno(err, "open %s", tmp);
	/* mkdtemp(3) made it 0700; the container's non-root users must reach /bin. */
	if (fchmod(dfd, 0755) < 0)
		return barco_err_errno(err, "chmod %s", tmp);
	if (make_dirs(dfd, err) < 0 || copy_busybox(dfd, err) < 0 || link_applets(dfd, err) < 0 ||
	    write_files(dfd, err) < 0)
		return -1;
	/* Container root is uid:gid on the host: it must own its own files. */
	if (fchown(dfd, uid, gid) < 0)
		return barco_err_errno(err, "chown %s", tmp);
	int sub = dup(dfd);
	if (sub < 0)
		return barco_err_errno(err, "dup");
	return chown_below(sub, uid, gid, err);
}

static int check_destination(const char *dir, struct barco_err *err)
{
	char parent[PATH_MAX];
	struct stat st;
	int n = snprintf(parent, sizeof(parent), "%s", dir);
	char *slash;

	if (n < 0 || (size_t)n >= sizeof(parent))
		return barco_err_set(err, ENAMETOOLONG, "rootfs path %s", dir);
	if (lstat(dir, &st) == 0)
		return barco_err_set(err, EEXIST, "rootfs %s already exists", dir);
	if (errno != ENOENT)
		return barco_err_errno(err, "lstat %s", dir);
	slash = strrchr(parent, '/');
	if (slash)
		*(slash == parent ? slash + 1 : slash) = '\0';
	else
		(void)snprintf(parent, sizeof(parent), ".");
	if (stat(parent, &st) < 0)
		return barco_err_errno(err, "parent directory %s of rootfs %s", parent, dir);
	if (!S_ISDIR(st.st_mode))
		return barco_err_set(err, ENOTDIR, "parent %s of rootfs %s", parent, dir);
	return 0;
}

/* RENAME_NOREPLACE: a rootfs another process finished meanwhile is never replaced. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return rename(from, to); /* a filesystem without the flag; rename still refuses non-empty */
}

/* 0: tmp is now dir; 1: another process put a complete rootfs there first. */
static int move_into_place(const char *tmp, const char *dir, struct barco_err *err)
{
	if (rename_noreplace(tmp, dir) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return barco_err_errno(err, "rename %s to %s", tmp, dir);
	/* It won the race; its rootfs serves as well as ours once complete. */
	if (has_busybox(dir))
		return 1;
	return barco_err_set(err, EEXIST, "rootfs %s appeared meanwhile without " BUSYBOX_IN_ROOTFS,
			     dir);
}

int barco_rootfs_create(const char *dir, uid_t owner_uid, gid_t owner_gid, struct barco_err *err)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s" TMP_INFIX "XXXXXX", dir);
	int rc;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return barco_err_set(err, ENAMETOOLONG, "rootfs path %s", dir);
	if (check_destination(dir, err) < 0)
		return -1;
	if (!mkdtemp(tmp))
		return barco_err_errno(err, "mkdtemp %s", tmp);
	rc = populate(tmp, owner_uid, owner_gid, err);
	if (rc < 0)
		(void)barco_err_wrap(err, "creating rootfs %s", dir);
	else
		rc = move_into_place(tmp, dir, err);
	/* A half-built rootfs, or one that lost the race, never stays behind. */
	if (rc != 0)
		remove_tree(tmp);
	return rc < 0 ? -1 : 0;
}

/* Builders killed mid-way leave "<rootfs>.tmp-*"; only lock holders build, so these are dead. */
static void remove_stale_builds(const char *home)
{
	cleanup_closedir DIR *dir = opendir(home);
	static const char prefix[] = ROOTFS_NAME TMP_INFIX;
	char path[PATH_MAX];
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		int n = snprintf(path, sizeof(path), "%s/%s", home, e->d_name);
		if (n > 0 && (size_t)n < sizeof(path))
			remove_tree(path);
	}
}

static int lock_home(const char *home, int *ret_fd, struct barco_err *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/.lock", home);

	if (n < 0 || (size_t)n >= sizeof(path))
		return barco_err_set(err, ENAMETOOLONG, "path %s/.lock", home);
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return barco_err_errno(err, "open %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return barco_err_errno(err, "flock %s", path);
	*ret_fd = steal_fd(&fd);
	return 0;
}

int barco_rootfs_ensure_default(char *buf, size_t size, uid_t owner_uid, gid_t owner_gid,
				struct barco_err *err)
{
	char home[PATH_MAX];
	cleanup_close int lock = -1;

	if (home_dir(home, sizeof(home), err) < 0 || barco_rootfs_default_path(buf, size, err) < 0)
		return -1;
	if (has_busybox(buf))
		return 0;
	if (barco_mkdir_p(home, 0755) < 0)
		return barco_err_errno(err, "mkdir -p %s", home);
	if (lock_home(home, &lock, err) < 0)
		return barco_err_wrap(err, "preparing %s", home);
	/* Whoever held the lock before us may have built it. */
	if (has_busybox(buf))
		return 0;
	if (access(buf, F_OK) == 0)
		return barco_err_set(err, EEXIST,
				     "default rootfs %s has no " BUSYBOX_IN_ROOTFS
				     ": remove it and barco builds it again",
				     buf);
	remove_stale_builds(home);
	return barco_rootfs_create(buf, owner_uid, owner_gid, err);
}
