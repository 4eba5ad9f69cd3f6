/*
 * barco-testhelper: a static multi-call binary that the integration tests
 * copy into a container's rootfs as /bin/barco-testhelper. It reports what
 * the container sees (ids, capabilities, namespaces, mounts) and what it is
 * allowed to do (one real syscall per `try` name), so the tests never depend
 * on busybox applets for syscalls.
 *
 * Output: one `key=value` (or plain) line per fact on stdout, line-buffered.
 * Exit status: 0 when the subcommand ran, even when the syscall it tried was
 * refused (the errno name is the result); 2 on a usage error. `exit`,
 * `sigwait` and a process killed by memhog are the exceptions by design.
 *
 * Plain syscalls only (no libseccomp, no libcap): it must link with -static
 * and run in a rootfs that has no libc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE	  2
#define MIB		  (1024UL * 1024UL)
#define MEMHOG_REPORT_MIB 16
#define FORKBOMB_MAX	  100000
#define SIGWAIT_EXIT_BASE 100

/* ---- names ------------------------------------------------------------ */

struct name_value {
	const char *name;
	int value;
};

/* clang-format off */
#define NV(x) { #x, (x) }

/* The errno values the tests look for; anything else prints as "E<number>". */
static const struct name_value errno_names[] = {
	NV(EPERM), NV(EACCES), NV(ENOSYS), NV(EINVAL), NV(ENOENT), NV(EROFS),
	NV(ESRCH), NV(EBUSY), NV(ENOMEM), NV(EAGAIN), NV(EEXIST), NV(ENODEV),
	NV(EBADF), NV(EFAULT), NV(ENOTTY), NV(EIO), NV(ENOSPC), NV(EOPNOTSUPP),
	NV(ENOTDIR), NV(EISDIR), NV(ENXIO), NV(EXDEV), NV(ECHILD), NV(E2BIG),
	NV(ENOEXEC), NV(EMFILE), NV(ESTALE), NV(ENAMETOOLONG),
};

static const struct name_value signal_names[] = {
	NV(SIGHUP), NV(SIGINT), NV(SIGQUIT), NV(SIGILL), NV(SIGTRAP), NV(SIGABRT),
	NV(SIGBUS), NV(SIGFPE), NV(SIGKILL), NV(SIGUSR1), NV(SIGSEGV), NV(SIGUSR2),
	NV(SIGPIPE), NV(SIGALRM), NV(SIGTERM), NV(SIGCHLD), NV(SIGCONT), NV(SIGSTOP),
	NV(SIGTSTP), NV(SIGTTIN), NV(SIGTTOU), NV(SIGURG), NV(SIGXCPU), NV(SIGXFSZ),
	NV(SIGVTALRM), NV(SIGPROF), NV(SIGWINCH), NV(SIGSYS),
};
/* clang-format on */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Returns a static string for known values, else formats into buf. */
static const char *errno_name(int e, char *buf, size_t size)
{
	if (e == 0)
		return "ok";
	for (size_t i = 0; i < ARRAY_LEN(errno_names); i++) {
		if (errno_names[i].value == e)
			return errno_names[i].name;
	}
	snprintf(buf, size, "E%d", e);
	return buf;
}

static void print_result(const char *key, int e)
{
	char buf[16];

	printf("%s=%s\n", key, errno_name(e, buf, sizeof(buf)));
}

static const char *signal_name(int sig)
{
	for (size_t i = 0; i < ARRAY_LEN(signal_names); i++) {
		if (signal_names[i].value == sig)
			return signal_names[i].name;
	}
	return "SIG?";
}

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* "TERM", "SIGTERM" or "15". */
static int parse_signal(const char *s, int *ret)
{
	long n;

	if (parse_long(s, 1, NSIG - 1, &n) == 0) {
		*ret = (int)n;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(signal_names); i++) {
		const char *name = signal_names[i].name;

		if (strcmp(s, name) == 0 || strcmp(s, name + 3) == 0) {
			*ret = signal_names[i].value;
			return 0;
		}
	}
	return -1;
}

/* ---- small process helpers -------------------------------------------- */

/* Reaps pid and returns its wait status, or -1. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, __WALL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/* A child that only waits to be killed, and dies with its parent. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

/* ---- try: one real syscall per name ------------------------------------ */

/* Each returns 0 when the syscall succeeded, else its errno. */
typedef int (*try_fn)(const char *arg);

static int errno_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static int try_unshare_user(const char *arg)
{
	return errno_of(unshare(CLONE_NEWUSER));
}

static int try_unshare_ns(const char *arg)
{
	return errno_of(unshare(CLONE_NEWNS));
}

/* Raw clone(2), so the flags reach the kernel (and the seccomp filter) as given. */
static int try_clone_user(const char *arg)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0L, 0L, 0L, 0L);

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	(void)reap((pid_t)pid);
	return 0;
}

/* struct clone_args, CLONE_ARGS_SIZE_VER0 (see clone(2)); spelled out to avoid header clashes. */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/*
 * clone3 takes its flags in memory that seccomp cannot inspect, so a filter
 * must refuse it whole; ENOSYS makes libc fall back to clone(2).
 */
static int try_clone3(const char *arg)
{
	struct clone_args_v0 args;
	long pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	(void)reap((pid_t)pid);
	return 0;
}

static int try_fork(const char *arg)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	(void)reap(pid);
	return 0;
}

static int try_mount(const char *arg)
{
	const char *target = "/tmp/barco-testhelper-mnt";
	int e;

	if (mkdir(target, 0700) < 0 && errno != EEXIST)
		return errno;
	e = errno_of(mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"));
	if (e == 0)
		(void)umount2(target, MNT_DETACH);
	(void)rmdir(target);
	return e;
}

/*
 * /proc/sys is read-only in a container (a bind mount over it), so success
 * would make it writable; on a host it is no mount point and the answer is
 * EINVAL. Never /proc itself: run on a host, that would detach the host's /proc.
 */
static int try_umount(const char *arg)
{
	return errno_of(umount2("/proc/sys", MNT_DETACH));
}

static int try_keyctl(const char *arg)
{
	return errno_of(syscall(SYS_add_key, "user", "barco-testhelper", "x", 1L,
				(long)KEY_SPEC_PROCESS_KEYRING));
}

/* The parent attaches to its own child: allowed by the kernel (and Yama) for same-uid processes. */
static int try_ptrace(const char *arg)
{
	pid_t child = spawn_sleeper();
	int e;

	if (child < 0)
		return errno;
	e = errno_of(ptrace(PTRACE_ATTACH, child, NULL, NULL));
	if (e == 0) {
		int status;

		(void)waitpid(child, &status, __WALL);
		(void)ptrace(PTRACE_DETACH, child, NULL, NULL);
	}
	(void)kill(child, SIGKILL);
	(void)reap(child);
	return e;
}

static int try_bpf(const char *arg)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	(void)close((int)fd);
	return 0;
}

static int try_perf_event_open(const char *arg)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0L, -1L, -1L, 0L);
	if (fd < 0)
		return errno;
	(void)close((int)fd);
	return 0;
}

static int try_userfaultfd(const char *arg)
{
	long fd = syscall(SYS_userfaultfd, (long)O_CLOEXEC);

	if (fd < 0)
		return errno;
	(void)close((int)fd);
	return 0;
}

static int try_init_module(const char *arg)
{
	return errno_of(syscall(SYS_init_module, NULL, 0L, ""));
}

/*
 * An unknown command: the kernel checks CAP_SYS_BOOT first (EPERM), then
 * the command (EINVAL), so the attempt tells the two apart and can never
 * reboot or change Ctrl-Alt-Del, not even when run on a host
 * (kernel/reboot.c, kernel/pid_namespace.c reboot_pid_ns).
 */
#define REBOOT_CMD_UNKNOWN 0x0badcafeL

static int try_reboot(const char *arg)
{
	return errno_of(syscall(SYS_reboot, (long)LINUX_REBOOT_MAGIC1, (long)LINUX_REBOOT_MAGIC2,
				REBOOT_CMD_UNKNOWN, NULL));
}

static int try_swapon(const char *arg)
{
	return errno_of(syscall(SYS_swapon, "/nonexistent", 0L));
}

/* Sets the clock to what it already says: harmless if it ever succeeds. */
static int try_settimeofday(const char *arg)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return errno;
	return errno_of(clock_settime(CLOCK_REALTIME, &now));
}

static int try_sched_fifo(const char *arg)
{
	struct sched_param fifo = {.sched_priority = 1};
	struct sched_param other = {.sched_priority = 0};
	int e = errno_of(sched_setscheduler(0, SCHED_FIFO, &fifo));

	if (e == 0)
		(void)sched_setscheduler(0, SCHED_OTHER, &other);
	return e;
}

static int try_rlimit_raise(const char *arg)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
		return errno;
	if (lim.rlim_max == RLIM_INFINITY)
		return EINVAL;
	lim.rlim_max++;
	return errno_of(setrlimit(RLIMIT_NOFILE, &lim));
}

static int try_mknod_block(const char *arg)
{
	const char *path = "/tmp/barco-testhelper-blk";
	int e = errno_of(mknod(path, S_IFBLK | 0600, makedev(8, 0)));

	if (e == 0)
		(void)unlink(path);
	return e;
}

/* Creates a scratch file, chmods it (0: chmod, 1: fchmod, 2: fchmodat), removes it. */
static int chmod_scratch(mode_t mode, int how)
{
	char path[64];
	int fd, e;

	snprintf(path, sizeof(path), "/tmp/barco-testhelper-f.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	if (how == 0)
		e = errno_of(chmod(path, mode));
	else if (how == 1)
		e = errno_of(fchmod(fd, mode));
	else
		e = errno_of(fchmodat(AT_FDCWD, path, mode, 0));
	(void)close(fd);
	(void)unlink(path);
	return e;
}

static int try_chmod_suid(const char *arg)
{
	return chmod_scratch(04755, 0);
}

static int try_fchmod_suid(const char *arg)
{
	return chmod_scratch(04755, 1);
}

static int try_fchmodat_suid(const char *arg)
{
	return chmod_scratch(04755, 2);
}

static int try_chmod_sgid(const char *arg)
{
	return chmod_scratch(02755, 0);
}

static int try_chmod_plain(const char *arg)
{
	return chmod_scratch(0755, 0);
}

/* A real handle for "/" when the filesystem gives one, else a made-up one. */
static int try_open_by_handle_at(const char *arg)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id, root, fd, e;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0) {
		h.fh.handle_bytes = 8;
		h.fh.handle_type = 1;
	}
	root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno;
	fd = open_by_handle_at(root, &h.fh, O_RDONLY | O_CLOEXEC);
	e = errno_of(fd);
	if (fd >= 0)
		(void)close(fd);
	(void)close(root);
	return e;
}

static int try_kill_host(const char *arg)
{
	long pid;

	if (parse_long(arg, 1, INT_MAX, &pid) < 0)
		return EINVAL;
	return errno_of(kill((pid_t)pid, 0));
}

/* Sets the hostname to its current value: harmless if it ever succeeds. */
static int try_sethostname(const char *arg)
{
	struct utsname u;

	if (uname(&u) < 0)
		return errno;
	return errno_of(sethostname(u.nodename, strlen(u.nodename)));
}

static int try_chroot(const char *arg)
{
	return errno_of(chroot("/"));
}

struct try_def {
	const char *name;
	try_fn fn;
	int takes_arg; /* consumes the next command-line argument */
};

static const struct try_def try_table[] = {
	{"unshare-user", try_unshare_user, 0},
	{"unshare-ns", try_unshare_ns, 0},
	{"clone-user", try_clone_user, 0},
	{"clone3", try_clone3, 0},
	{"fork", try_fork, 0},
	{"mount", try_mount, 0},
	{"umount", try_umount, 0},
	{"keyctl", try_keyctl, 0},
	{"ptrace", try_ptrace, 0},
	{"bpf", try_bpf, 0},
	{"perf_event_open", try_perf_event_open, 0},
	{"userfaultfd", try_userfaultfd, 0},
	{"init_module", try_init_module, 0},
	{"reboot", try_reboot, 0},
	{"swapon", try_swapon, 0},
	{"settimeofday", try_settimeofday, 0},
	{"sched_fifo", try_sched_fifo, 0},
	{"rlimit_raise", try_rlimit_raise, 0},
	{"mknod_block", try_mknod_block, 0},
	{"chmod_suid", try_chmod_suid, 0},
	{"fchmod_suid", try_fchmod_suid, 0},
	{"fchmodat_suid", try_fchmodat_suid, 0},
	{"chmod_sgid", try_chmod_sgid, 0},
	{"chmod_plain", try_chmod_plain, 0},
	{"open_by_handle_at", try_open_by_handle_at, 0},
	{"kill_host", try_kill_host, 1},
	{"sethostname", try_sethostname, 0},
	{"chroot", try_chroot, 0},
};

static const struct try_def *try_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(try_table); i++) {
		if (strcmp(try_table[i].name, name) == 0)
			return &try_table[i];
	}
	return NULL;
}

static void try_usage(void)
{
	fprintf(stderr, "try names:");
	for (size_t i = 0; i < ARRAY_LEN(try_table); i++)
		fprintf(stderr, " %s%s", try_table[i].name, try_table[i].takes_arg ? " PID" : "");
	fprintf(stderr, "\n");
}

/*
 * Each attempt runs in its own child, so one that succeeds (unshare of a
 * user namespace, umount of /proc) cannot change what the next one sees.
 * Only when fork itself is refused does the attempt run in this process.
 */
static void try_isolated(const struct try_def *def, const char *arg)
{
	pid_t pid = fork();

	if (pid < 0) {
		print_result(def->name, def->fn(arg));
		return;
	}
	if (pid == 0) {
		print_result(def->name, def->fn(arg));
		fflush(stdout);
		_exit(0);
	}
	(void)reap(pid);
}

/* `try NAME [ARG] [NAME [ARG]]...`: every name is checked before anything runs. */
static int cmd_try(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const struct try_def *def = try_lookup(argv[i]);

		if (def == NULL || (def->takes_arg && i + 1 >= argc)) {
			fprintf(stderr, "barco-testhelper: try: bad or incomplete name '%s'\n",
				argv[i]);
			try_usage();
			return EXIT_USAGE;
		}
		i += def->takes_arg;
	}
	for (int i = 0; i < argc; i++) {
		const struct try_def *def = try_lookup(argv[i]);

		try_isolated(def, def->takes_arg ? argv[++i] : NULL);
	}
	return 0;
}

/* ---- identity and environment ----------------------------------------- */

static int cmd_pid(int argc, char **argv)
{
	printf("pid=%d ppid=%d\n", (int)getpid(), (int)getppid());
	return 0;
}

static int cmd_id(int argc, char **argv)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);

	printf("uid=%u gid=%u euid=%u egid=%u groups=", (unsigned)getuid(), (unsigned)getgid(),
	       (unsigned)geteuid(), (unsigned)getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf("\n");
	return 0;
}

static int cmd_hostname(int argc, char **argv)
{
	struct utsname u;

	if (uname(&u) < 0) {
		print_result("hostname", errno);
		return 0;
	}
	printf("%s\n", u.nodename);
	return 0;
}

static int line_is_status_fact(const char *line)
{
	static const char *const prefixes[] = {"Cap", "Seccomp", "NoNewPrivs", "SigBlk", "SigIgn"};

	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	}
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];

	if (f == NULL) {
		print_result("status", errno);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line_is_status_fact(line))
			fputs(line, stdout);
	}
	(void)fclose(f);
	return 0;
}

static int cmd_env(int argc, char **argv)
{
	for (char **e = environ; *e != NULL; e++)
		printf("%s\n", *e);
	return 0;
}

static int cmd_cwd(int argc, char **argv)
{
	char buf[PATH_MAX];

	if (getcwd(buf, sizeof(buf)) == NULL)
		print_result("cwd", errno);
	else
		printf("%s\n", buf);
	return 0;
}

static int cmd_args(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 0;
}

/* ---- files ------------------------------------------------------------- */

static int copy_fd_to_stdout(int fd)
{
	char buf[8192];
	ssize_t n;

	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			return errno;
	}
	return 0;
}

/* Prints a file verbatim; only an error prints a `key=E…` line. */
static int cat_file(const char *key, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e;

	if (fd < 0) {
		print_result(key, errno);
		return 0;
	}
	e = copy_fd_to_stdout(fd);
	(void)close(fd);
	if (e != 0)
		print_result(key, e);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	return cat_file("read", argv[0]);
}

static int cmd_mounts(int argc, char **argv)
{
	return cat_file("mounts", "/proc/self/mountinfo");
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	const char *text = argc > 1 ? argv[1] : "barco\n";
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int e;

	if (fd < 0) {
		print_result("write", errno);
		return 0;
	}
	e = write_all(fd, text);
	if (close(fd) < 0 && e == 0)
		e = errno;
	print_result("write", e);
	return 0;
}

static const char *file_type(mode_t mode)
{
	static const struct {
		mode_t type;
		const char *name;
	} types[] = {
		{S_IFREG, "file"}, {S_IFDIR, "dir"},  {S_IFLNK, "symlink"}, {S_IFCHR, "chr"},
		{S_IFBLK, "blk"},  {S_IFIFO, "fifo"}, {S_IFSOCK, "sock"},
	};

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		if ((mode & S_IFMT) == types[i].type)
			return types[i].name;
	}
	return "unknown";
}

static int cmd_stat(int argc, char **argv)
{
	struct stat st;

	if (stat(argv[0], &st) < 0) {
		print_result("stat", errno);
		return 0;
	}
	printf("type=%s\n", file_type(st.st_mode));
	printf("mode=%04o\n", (unsigned)(st.st_mode & 07777));
	printf("uid=%u\ngid=%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
	printf("size=%lld\n", (long long)st.st_size);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf("rdev=%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Prints the sorted names of dir's entries (without . and ..); with
 * show_links, as NAME=target and without the fd this listing itself holds.
 */
static int list_dir(const char *key, const char *dir, int show_links)
{
	DIR *d = opendir(dir);
	char *names[4096];
	size_t n = 0;
	struct dirent *ent;

	if (d == NULL) {
		print_result(key, errno);
		return 0;
	}
	while ((ent = readdir(d)) != NULL && n < ARRAY_LEN(names)) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (show_links && atoi(ent->d_name) == dirfd(d))
			continue;
		names[n] = strdup(ent->d_name);
		if (names[n] != NULL)
			n++;
	}
	qsort(names, n, sizeof(names[0]), compare_names);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX], target[PATH_MAX];
		ssize_t len = -1;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (show_links)
			len = readlink(path, target, sizeof(target) - 1);
		if (len >= 0)
			printf("%s=%.*s\n", names[i], (int)len, target);
		else
			printf("%s\n", names[i]);
		free(names[i]);
	}
	(void)closedir(d);
	return 0;
}

/* "DEV:INO" of path, as stat -c %d:%i prints it; false when stat fails. */
static int dev_ino(const char *path, char *buf, size_t size)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	snprintf(buf, size, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 1;
}

/*
 * The classic escape from chroot(2): chroot into a subdirectory without
 * entering it, so the working directory is left outside the new root;
 * climb from there with ".." (never stopped: it is not the root) as far as
 * directories let us search them, then chroot("."). ROOT is the host
 * root's DEV:INO. Prints chroot_escape=ok when "/" is then above the
 * container's own root (the host's, or the highest directory we could
 * reach), =contained when the climb ended at the container's root
 * (pivot_root left nothing above it), or =E<ERRNO>; then where it ended.
 */
static int cmd_chroot_escape(int argc, char **argv)
{
	const char *dir = "/tmp/.barco-chroot-escape";
	char before[48], after[48];

	if (!dev_ino("/", before, sizeof(before)) || (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    chroot(dir) < 0) {
		print_result("chroot_escape", errno);
		return 0;
	}
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0 || !dev_ino("/", after, sizeof(after))) {
		print_result("chroot_escape", errno);
		return 0;
	}
	if (strcmp(after, before) == 0)
		printf("chroot_escape=contained\n/ is %s again, not the host's %s: '..' stopped at "
		       "the container's own root\n",
		       after, argv[0]);
	else if (strcmp(after, argv[0]) == 0)
		printf("chroot_escape=ok\n/ is %s: the host's root was reached\n", after);
	else
		printf("chroot_escape=ok\n/ is %s, above the container's root %s (the host's %s is "
		       "further up, past a directory we may not search)\n",
		       after, before, argv[0]);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	return list_dir("ls", argv[0], 0);
}

static int cmd_ns(int argc, char **argv)
{
	return list_dir("ns", "/proc/self/ns", 1);
}

static int cmd_fds(int argc, char **argv)
{
	return list_dir("fds", "/proc/self/fd", 1);
}

/* ---- terminals ------------------------------------------------------------ */

static void print_ioctl(const char *key, int fd, unsigned long request, void *arg)
{
	print_result(key, errno_of(syscall(SYS_ioctl, (long)fd, request, arg)));
}

/*
 * In a new session with a fresh pty as controlling terminal, so the kernel
 * itself allows TIOCSTI (tty_io.c tiocsti: only the caller's own terminal
 * without CAP_SYS_ADMIN) and an EPERM can only come from seccomp.
 */
static void pty_checks(void)
{
	struct winsize ws;
	int avail = 0, master, slave;
	char c = '\n';

	print_result("setsid", errno_of(setsid()));
	master = posix_openpt(O_RDWR | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		print_result("openpt", errno);
		return;
	}
	slave = open(ptsname(master), O_RDWR | O_CLOEXEC);
	if (slave < 0) {
		print_result("openpt", errno);
		return;
	}
	print_result("openpt", 0);
	print_result("ctty", errno_of(ioctl(slave, TIOCSCTTY, 0)));
	print_ioctl("tiocgwinsz", slave, TIOCGWINSZ, &ws);
	print_ioctl("fionread", slave, FIONREAD, &avail);
	print_ioctl("tiocsti", slave, TIOCSTI, &c);
	/* The kernel truncates cmd to 32 bits; a filter must not. */
	print_ioctl("tiocsti_high", slave, (unsigned long)TIOCSTI | (1UL << 32), &c);
}

static int cmd_ioctl(int argc, char **argv)
{
	struct winsize ws;
	pid_t pid;

	print_ioctl("fd0_tiocgwinsz", STDIN_FILENO, TIOCGWINSZ, &ws);
	pid = fork();
	if (pid < 0) {
		print_result("fork", errno);
		return 0;
	}
	if (pid == 0) {
		pty_checks();
		fflush(stdout);
		_exit(0);
	}
	(void)reap(pid);
	return 0;
}

/* ---- resources -------------------------------------------------------- */

/* Touches every page, so the memory is really charged to the cgroup. */
static int cmd_memhog(int argc, char **argv)
{
	long mib, page = sysconf(_SC_PAGESIZE);

	if (parse_long(argv[0], 1, 1L << 20, &mib) < 0)
		return EXIT_USAGE;
	for (long done = 1; done <= mib; done++) {
		char *p =
			mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			print_result("memhog", errno);
			return 0;
		}
		for (unsigned long off = 0; off < MIB; off += (unsigned long)page)
			p[off] = 1;
		if (done % MEMHOG_REPORT_MIB == 0)
			printf("allocated=%ld\n", done);
	}
	printf("memhog=done\n");
	return 0;
}

/* Forks up to n sleepers, reports how far it got, then kills and reaps them all. */
static int cmd_forkbomb(int argc, char **argv)
{
	long n, forked = 0;
	pid_t *pids;
	int e = 0;

	if (parse_long(argv[0], 1, FORKBOMB_MAX, &n) < 0)
		return EXIT_USAGE;
	pids = calloc((size_t)n, sizeof(*pids));
	if (pids == NULL)
		return EXIT_USAGE;
	while (forked < n) {
		pid_t pid = spawn_sleeper();

		if (pid < 0) {
			e = errno;
			break;
		}
		pids[forked++] = pid;
	}
	printf("forked=%ld\n", forked);
	if (e != 0)
		print_result("fork_error", e);
	else
		printf("fork_error=none\n");
	for (long i = 0; i < forked; i++)
		(void)kill(pids[i], SIGKILL);
	for (long i = 0; i < forked; i++)
		(void)reap(pids[i]);
	free(pids);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	char *end;
	double s = strtod(argv[0], &end);
	struct timespec ts;

	if (end == argv[0] || *end != '\0' || s < 0)
		return EXIT_USAGE;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* ---- zombies ----------------------------------------------------------- */

/* The state letter of /proc/PID/stat (after the command name), 0 if none. */
static char proc_state(const char *pid)
{
	char path[64], buf[512];
	const char *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

static int count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *ent;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((ent = readdir(d)) != NULL) {
		int is_pid = ent->d_name[0] >= '0' && ent->d_name[0] <= '9';

		if (is_pid && proc_state(ent->d_name) == 'Z')
			n++;
	}
	(void)closedir(d);
	return n;
}

/* The orphan: once re-parented (its parent has exited), it exits too. */
static _Noreturn void orphan_exits(pid_t parent)
{
	while (getppid() == parent)
		(void)usleep(1000);
	_exit(0);
}

/* A forks the orphan, sends its pid and exits. -1 if a fork failed. */
static pid_t make_orphan(void)
{
	int fds[2];
	pid_t a, b = -1;

	if (pipe(fds) < 0 || (a = fork()) < 0)
		return -1;
	if (a == 0) {
		pid_t self = getpid();

		b = fork();
		if (b == 0)
			orphan_exits(self);
		(void)write(fds[1], &b, sizeof(b));
		_exit(0);
	}
	(void)close(fds[1]);
	if (read(fds[0], &b, sizeof(b)) != (ssize_t)sizeof(b))
		b = -1;
	(void)close(fds[0]);
	(void)reap(a);
	return b;
}

/*
 * A child that exits while its parent ignores it: the orphan is handed to
 * the pid namespace's init, and only an init that waits reaps it. We never
 * wait for it; an init that does takes it away within 3 s (polled).
 */
static int cmd_zombie(int argc, char **argv)
{
	pid_t b = make_orphan();
	char pid[16];
	char state = 'Z';

	if (b <= 0) {
		print_result("fork", errno);
		return 0;
	}
	(void)snprintf(pid, sizeof(pid), "%d", (int)b);
	for (int i = 0; i < 3000 && (state = proc_state(pid)) != 0; i++)
		(void)usleep(1000);
	printf("orphan=%s\n", state == 0 ? "reaped" : "zombie");
	printf("zombies=%d\n", count_zombies());
	return 0;
}

/* ---- signals and exit ------------------------------------------------- */

static void ignore_handler(int sig)
{
}

static const int sigwait_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/*
 * The signals are blocked and collected with sigwaitinfo, which needs no
 * global flag. Handlers are installed as well: for pid 1 of a pid namespace
 * the kernel drops signals whose action is SIG_DFL (pid_namespaces(7)).
 */
static int cmd_sigwait(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set;
	siginfo_t info;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_handler;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_LEN(sigwait_signals); i++) {
		(void)sigaction(sigwait_signals[i], &sa, NULL);
		sigaddset(&set, sigwait_signals[i]);
	}
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	do {
		sig = sigwaitinfo(&set, &info);
	} while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return EXIT_USAGE;
	printf("signal=%s\n", signal_name(sig));
	fflush(stdout);
	return SIGWAIT_EXIT_BASE + sig;
}

#if defined(__x86_64__)
#define NOSYS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOSYS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * Execs argv under a seccomp filter of one rule of its own (not barco's):
 * system call nr gets action, every other call is allowed. With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the listener stays open across the exec
 * and is never read. what names the command in its error lines.
 */
static int run_under_one_rule(const char *what, int nr, unsigned int action, unsigned int flags,
			      char **argv)
{
#ifdef NOSYS_AUDIT_ARCH
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOSYS_AUDIT_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ARRAY_LEN(insns), .filter = insns};
	long ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    (ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog)) < 0 ||
	    ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && fcntl((int)ret, F_SETFD, 0) < 0)) {
		print_result(what, errno);
		return 1;
	}
	execvp(argv[0], argv);
	print_result("exec", errno);
	return 127;
#else
	(void)nr;
	(void)action;
	(void)flags;
	(void)argv;
	printf("%s=unsupported-arch\n", what);
	return 1;
#endif
}

/*
 * Runs CMD on the host with clone3(2) failing ENOSYS, as on a kernel older
 * than 5.3 or under a container manager's filter: how the tests reach
 * barco's clone(2) fallback.
 */
static int cmd_nosys_clone3(int argc, char **argv)
{
	return run_under_one_rule("nosys-clone3", __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS, 0, argv);
}

/*
 * Runs CMD with pivot_root(2) waiting forever: a seccomp user notification
 * whose listener CMD inherits and never reads, so the call sleeps until a
 * signal ends it. How the tests make a probe attempt hang.
 */
static int cmd_hang_pivot_root(int argc, char **argv)
{
	return run_under_one_rule("hang-pivot_root", __NR_pivot_root, SECCOMP_RET_USER_NOTIF,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, argv);
}

static int cmd_exit(int argc, char **argv)
{
	long n;

	if (parse_long(argv[0], 0, 255, &n) < 0)
		return EXIT_USAGE;
	return (int)n;
}

/*
 * raise() with the default action. As pid 1 of a pid namespace the process
 * survives (the kernel ignores such signals from inside the namespace, even
 * SIGKILL), and says so.
 */
static int cmd_kill_self(int argc, char **argv)
{
	sigset_t set;
	int sig;

	if (parse_signal(argv[0], &sig) < 0)
		return EXIT_USAGE;
	(void)signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	fflush(stdout);
	if (raise(sig) != 0) {
		print_result("kill-self", errno);
		return 0;
	}
	printf("kill-self=ignored\n");
	return 0;
}

/*
 * A real fault: the kernel forces SIGSEGV even on pid 1 of a pid namespace
 * (force_sig_fault clears SIGNAL_UNKILLABLE), so this is how a container's
 * init dies of a signal other than SIGKILL. A PROT_NONE page, not a NULL
 * dereference, which the compiler may turn into a trap instruction.
 */
static int cmd_segv(int argc, char **argv)
{
	volatile char *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		print_result("segv", errno);
		return 0;
	}
	fflush(stdout);
	*p = 1;
	printf("segv=survived\n");
	return 0;
}

/* ---- the command table ------------------------------------------------ */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	int min_args;
	int max_args; /* -1: any */
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{"pid", cmd_pid, 0, 0, "", "pid=N ppid=N"},
	{"id", cmd_id, 0, 0, "", "uid= gid= euid= egid= groups="},
	{"hostname", cmd_hostname, 0, 0, "", "the uname nodename"},
	{"status", cmd_status, 0, 0, "",
	 "Cap*, Seccomp*, NoNewPrivs, SigBlk, SigIgn of /proc/self/status"},
	{"try", cmd_try, 1, -1, "NAME [PID]...", "NAME=ok or NAME=E<ERRNO> per syscall tried"},
	{"ioctl", cmd_ioctl, 0, 0, "", "TIOCGWINSZ FIONREAD TIOCSTI on a fresh pty"},
	{"write", cmd_write, 1, 2, "PATH [TEXT]", "write=ok or write=E<ERRNO>"},
	{"read", cmd_read, 1, 1, "PATH", "the content, or read=E<ERRNO>"},
	{"stat", cmd_stat, 1, 1, "PATH", "type= mode= uid= gid= size= [rdev=]"},
	{"ls", cmd_ls, 1, 1, "DIR", "sorted names"},
	{"chroot-escape", cmd_chroot_escape, 1, 1, "DEV:INO",
	 "chroot_escape=ok|contained|E<ERRNO>: the chroot(2) escape; DEV:INO the host's /"},
	{"memhog", cmd_memhog, 1, 1, "MB", "allocate and touch, allocated=N per 16 MiB"},
	{"forkbomb", cmd_forkbomb, 1, 1, "N", "forked=K fork_error=E<ERRNO>|none"},
	{"sigwait", cmd_sigwait, 0, 0, "", "ready, then signal=SIGNAME, exit 100+signo"},
	{"exit", cmd_exit, 1, 1, "N", "exit with status N"},
	{"kill-self", cmd_kill_self, 1, 1, "SIG", "raise SIG with its default action"},
	{"segv", cmd_segv, 0, 0, "", "die of a real SIGSEGV (status 139)"},
	{"env", cmd_env, 0, 0, "", "the environment, one per line"},
	{"cwd", cmd_cwd, 0, 0, "", "the working directory"},
	{"args", cmd_args, 0, -1, "[ARG]...", "argc= and argv[i]= per argument"},
	{"ns", cmd_ns, 0, 0, "", "NAME=link of /proc/self/ns/*"},
	{"mounts", cmd_mounts, 0, 0, "", "/proc/self/mountinfo"},
	{"fds", cmd_fds, 0, 0, "", "N=target of each open fd"},
	{"sleep", cmd_sleep, 1, 1, "SECONDS", "sleep (fractions allowed)"},
	{"zombie", cmd_zombie, 0, 0, "", "orphan=reaped|zombie zombies=N (an orphan that exits)"},
	{"nosys-clone3", cmd_nosys_clone3, 1, -1, "CMD [ARG]...",
	 "exec CMD with clone3(2) failing ENOSYS"},
	{"hang-pivot_root", cmd_hang_pivot_root, 1, -1, "CMD [ARG]...",
	 "exec CMD with pivot_root(2) never answered"},
};

static int usage(void)
{
	fprintf(stderr, "usage: barco-testhelper SUBCOMMAND [ARGS]\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(stderr, "  %-9s %-17s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		const struct command *c = &commands[i];
		int nargs = argc - 2;

		if (strcmp(c->name, argv[1]) != 0)
			continue;
		if (nargs < c->min_args || (c->max_args >= 0 && nargs > c->max_args))
			return usage();
		return c->fn(nargs, argv + 2);
	}
	return usage();
}
