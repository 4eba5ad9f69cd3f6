/*
 * The seccomp tables, and the filter itself in forked children: each child
 * loads it, tries what a container might try, and exits with the number of
 * the first check that went wrong (0: all as expected).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* libseccomp's header; barco's own is "stages/seccomp.h" */
#include <seccomp.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "seccomp_compile.h"
#include "stages/seccomp.h"
#include "suites.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Syscalls that only conditional rules may allow. */
static const char *const conditional_names[] = {
	"clone",    "clone3",	 "unshare", "chmod",  "fchmod",
	"fchmodat", "fchmodat2", "ioctl",   "socket", "personality",
};

static bool in_table(const char *const *table, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++) {
		if (strcmp(table[i], name) == 0)
			return true;
	}
	return false;
}

static void test_tables(void)
{
	size_t resolvable = 0;

	for (size_t i = 0; i < barco_seccomp_refused_len; i++)
		CU_ASSERT_FALSE(in_table(barco_seccomp_allowed, barco_seccomp_allowed_len,
					 barco_seccomp_refused[i]));
	for (size_t i = 0; i < ARRAY_LEN(conditional_names); i++) {
		CU_ASSERT_FALSE(in_table(barco_seccomp_allowed, barco_seccomp_allowed_len,
					 conditional_names[i]));
		CU_ASSERT_FALSE(in_table(barco_seccomp_refused, barco_seccomp_refused_len,
					 conditional_names[i]));
	}
	for (size_t i = 0; i < barco_seccomp_allowed_len; i++) {
		CU_ASSERT_FALSE(in_table(barco_seccomp_allowed, i, barco_seccomp_allowed[i]));
		if (seccomp_syscall_resolve_name(barco_seccomp_allowed[i]) >= 0)
			resolvable++;
	}
	for (size_t i = 0; i < barco_seccomp_refused_len; i++)
		CU_ASSERT_FALSE(in_table(barco_seccomp_refused, i, barco_seccomp_refused[i]));
	CU_ASSERT(resolvable > 250);
	/* the essentials a shell needs */
	CU_ASSERT_TRUE(in_table(barco_seccomp_allowed, barco_seccomp_allowed_len, "execve"));
	CU_ASSERT_TRUE(in_table(barco_seccomp_allowed, barco_seccomp_allowed_len, "seccomp"));
	CU_ASSERT_TRUE(in_table(barco_seccomp_allowed, barco_seccomp_allowed_len, "chroot"));
}

static void test_mode_from_name(void)
{
	struct barco_err err = {0};
	enum barco_seccomp_mode mode = BARCO_SECCOMP_UNCONFINED;

	CU_ASSERT_EQUAL(barco_seccomp_mode_from_name("default", &mode, &err), 0);
	CU_ASSERT_EQUAL(mode, BARCO_SECCOMP_DEFAULT);
	CU_ASSERT_EQUAL(barco_seccomp_mode_from_name("unconfined", &mode, &err), 0);
	CU_ASSERT_EQUAL(mode, BARCO_SECCOMP_UNCONFINED);
	CU_ASSERT_EQUAL(barco_seccomp_mode_from_name("strict", &mode, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"strict\""));
	CU_ASSERT_EQUAL(mode, BARCO_SECCOMP_UNCONFINED);
}

/*
 * The program barco loads was compiled when barco was built
 * (build/seccomp_bpf.h): compiling the policy now must give exactly the
 * same instructions and counts, or the embedded program is stale or was
 * made by a different libseccomp or for another architecture.
 */
static void test_build_time_program_is_current(void)
{
	cleanup_free struct sock_filter *insns = NULL;
	struct barco_seccomp_counts counts = {0};
	struct barco_err err = {0};
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(barco_seccomp_compile(&insns, &len, &counts, &err), 0);
	CU_ASSERT_EQUAL(len, barco_seccomp_program_len);
	CU_ASSERT_EQUAL_FATAL(len == barco_seccomp_program_len, 1);
	CU_ASSERT_EQUAL(memcmp(insns, barco_seccomp_program, len * sizeof(*insns)), 0);
	CU_ASSERT_EQUAL(counts.allowed, barco_seccomp_program_counts.allowed);
	CU_ASSERT_EQUAL(counts.conditional, barco_seccomp_program_counts.conditional);
	CU_ASSERT_EQUAL(counts.not_on_arch, barco_seccomp_program_counts.not_on_arch);
	CU_ASSERT_EQUAL(counts.unknown, barco_seccomp_program_counts.unknown);
	CU_ASSERT_PTR_NOT_NULL(strstr(barco_seccomp_program_compiler, "libseccomp "));
}

/*
 * barco's program answers every input as libseccomp's does; and the check
 * that says so is not blind: changing any of the program's answers, or any
 * constant an argument is tested against, makes it fail.
 */
static void test_program_matches_libseccomp(void)
{
	cleanup_free struct sock_filter *ours = NULL;
	cleanup_free struct sock_filter *ref = NULL;
	struct barco_seccomp_counts counts = {0}, ref_counts = {0};
	struct barco_err err = {0};
	size_t len = 0, ref_len = 0, mutants = 0;

	CU_ASSERT_EQUAL_FATAL(barco_seccomp_compile(&ours, &len, &counts, &err), 0);
	CU_ASSERT_EQUAL_FATAL(barco_seccomp_compile_libseccomp(&ref, &ref_len, &ref_counts, &err),
			      0);
	CU_ASSERT(len < ref_len);
	CU_ASSERT_EQUAL(memcmp(&counts, &ref_counts, sizeof(counts)), 0);
	CU_ASSERT_EQUAL(barco_seccomp_check_same(ours, len, ref, ref_len, &err), 0);
	for (size_t i = 0; i < len; i++) {
		struct sock_filter saved = ours[i];
		bool is_arg_test = i > 0 && ours[i - 1].code == (BPF_LD | BPF_W | BPF_ABS) &&
				   ours[i - 1].k >= offsetof(struct seccomp_data, args);

		if (BPF_CLASS(saved.code) == BPF_RET)
			ours[i].k = saved.k == SECCOMP_RET_ALLOW ? (SECCOMP_RET_ERRNO | EPERM)
								 : SECCOMP_RET_ALLOW;
		else if (is_arg_test)
			ours[i].k ^= 1u << 4; /* TIOCSTI, AF_VSOCK, a personality, a flag */
		else
			continue;
		mutants++;
		if (barco_seccomp_check_same(ours, len, ref, ref_len, &err) == 0)
			CU_FAIL("a changed instruction went unnoticed");
		ours[i] = saved;
	}
	CU_ASSERT(mutants > 40);
}

/* The value of "Seccomp:\t2" and the like in /proc/self/status. */
static long status_field(const char *field)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t len = strlen(field);

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
	}
	return -1;
}

static int load(enum barco_seccomp_mode mode, struct barco_report *rep)
{
	struct barco_report scratch = {0};
	struct barco_err err = {0};
	int listener = -1;
	struct barco_config cfg;

	barco_config_init(&cfg);
	cfg.seccomp = mode;
	if (barco_seccomp_apply(&cfg, &listener, rep ? rep : &scratch, &err) < 0) {
		(void)fprintf(stderr, "seccomp child: %s (errno %d)\n", err.msg, err.errnum);
		return -1;
	}
	return 0;
}

/* -1 with errno want, as a filter refusal looks. */
static bool fails_with(long rc, int want)
{
	return rc == -1 && errno == want;
}

static int filter_loads_child(const void *arg)
{
	struct barco_report rep = {0};
	const char *allowed;

	(void)arg;
	if (load(BARCO_SECCOMP_DEFAULT, &rep) < 0)
		return 100;
	if (status_field("Seccomp") != 2 || status_field("NoNewPrivs") != 1)
		return 1;
	if (!strstr(rep.text, "prctl(PR_SET_NO_NEW_PRIVS, 1) = 0\n"))
		return 2;
	allowed = strstr(rep.text, "default action ERRNO(EPERM), ");
	if (!allowed || strtol(allowed + strlen("default action ERRNO(EPERM), "), NULL, 10) <= 250)
		return 3;
	if (!strstr(rep.text, "BPF instructions}) = 0") ||
	    !strstr(rep.text, "TIOCSTI (32-bit compare)"))
		return 4;
	if (getpid() <= 0 || syscall(SYS_getpid) != getpid())
		return 5;
	return 0;
}

static void test_filter_loads(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(filter_loads_child, NULL), 0);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* 0 when a new thread (glibc: clone3, then clone on ENOSYS) starts and joins. */
static int start_thread(void)
{
	int token = 42;
	void *ret = NULL;
	pthread_t thread;

	if (pthread_create(&thread, NULL, thread_main, &token) != 0)
		return -1;
	if (pthread_join(thread, &ret) != 0 || ret != &token)
		return -1;
	return 0;
}

/* fork(2) through glibc, i.e. clone without namespace flags. */
static int fork_works(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : -1;
}

static int namespaces_child(const void *arg)
{
	struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	long rc;

	(void)arg;
	if (load(BARCO_SECCOMP_DEFAULT, NULL) < 0)
		return 100;
	if (!fails_with(unshare(CLONE_NEWUSER), EPERM))
		return 1;
	if (!fails_with(unshare(CLONE_NEWNET), EPERM) || !fails_with(unshare(CLONE_NEWTIME), EPERM))
		return 2;
	if (unshare(CLONE_FILES) != 0)
		return 3;
	rc = syscall(SYS_clone3, &args, sizeof(args));
	if (rc == 0)
		_exit(90); /* the filter let clone3 through */
	if (!fails_with(rc, ENOSYS))
		return 4;
	rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (rc == 0)
		_exit(91);
	if (!fails_with(rc, EPERM))
		return 5;
	if (fork_works() < 0)
		return 6;
	if (start_thread() < 0)
		return 7;
	return 0;
}

static void test_namespaces(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(namespaces_child, NULL), 0);
}

static int open_pty(int *ret_slave)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return -1;
	*ret_slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *ret_slave < 0 ? -1 : master;
}

static int ioctl_child(const void *arg)
{
	/* as a careless caller's sign-extended int would arrive */
	const unsigned long high = 0xffffffff00000000UL;
	struct winsize ws;
	int slave = -1, master, pending;
	char c = 'x';

	(void)arg;
	master = open_pty(&slave);
	if (master < 0)
		return 99;
	if (load(BARCO_SECCOMP_DEFAULT, NULL) < 0)
		return 100;
	if (ioctl(slave, TIOCGWINSZ, &ws) != 0)
		return 1;
	if (ioctl(master, FIONREAD, &pending) != 0)
		return 2;
	if (!fails_with(ioctl(slave, TIOCSTI, &c), EPERM))
		return 3;
	/* the kernel reads cmd as 32 bits: these are TIOCSTI too */
	if (!fails_with(syscall(SYS_ioctl, slave, (unsigned long)TIOCSTI | (1UL << 32), &c), EPERM))
		return 4;
	if (!fails_with(syscall(SYS_ioctl, slave, (unsigned long)TIOCSTI | high, &c), EPERM))
		return 5;
	/* and this is TIOCGWINSZ, which must still work */
	if (syscall(SYS_ioctl, slave, (unsigned long)TIOCGWINSZ | high, &ws) != 0)
		return 6;
	return 0;
}

static void test_ioctl(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(ioctl_child, NULL), 0);
}

static int chmod_child(const void *arg)
{
	const char *path = arg;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	long rc;

	if (fd < 0)
		return 99;
	if (load(BARCO_SECCOMP_DEFAULT, NULL) < 0)
		return 100;
	if (!fails_with(chmod(path, 04755), EPERM) || !fails_with(chmod(path, 02755), EPERM))
		return 1;
	if (chmod(path, 0755) != 0)
		return 2;
	if (!fails_with(fchmod(fd, 04755), EPERM) || fchmod(fd, 0644) != 0)
		return 3;
	if (!fails_with(syscall(SYS_fchmodat, AT_FDCWD, path, 06755), EPERM) ||
	    syscall(SYS_fchmodat, AT_FDCWD, path, 0700) != 0)
		return 4;
	if (!fails_with(syscall(SYS_fchmodat2, AT_FDCWD, path, 04700, 0), EPERM))
		return 5;
	/* allowed by the filter; a kernel before 6.6 answers ENOSYS itself */
	rc = syscall(SYS_fchmodat2, AT_FDCWD, path, 0700, 0);
	if (rc != 0 && !fails_with(rc, ENOSYS))
		return 6;
	if (stat(path, &st) != 0 || (st.st_mode & 07777) != 0700)
		return 7;
	return 0;
}

static void test_chmod(void)
{
	char *dir = barco_test_tmpdir();
	char path[4096];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	(void)close(fd);
	CU_ASSERT_EQUAL(barco_test_run_in_child(chmod_child, path), 0);
	barco_test_rmtree(dir);
	free(dir);
}

/*
 * Each refused call is chosen so that, were the filter missing, it would
 * fail with some other errno (or do nothing harmful): only the filter says
 * EPERM here, because this child is real root with every capability.
 */
static int forbidden_child(const void *arg)
{
	(void)arg;
	if (load(BARCO_SECCOMP_DEFAULT, NULL) < 0)
		return 100;
	if (!fails_with(mount("none", "/nonexistent-barco-unit", "tmpfs", 0, NULL), EPERM))
		return 1;
	if (!fails_with(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
			EPERM))
		return 2;
	if (!fails_with(syscall(SYS_bpf, -1, NULL, 0), EPERM))
		return 3;
	if (!fails_with(syscall(SYS_ptrace, PTRACE_PEEKUSER, 1, 0, 0), EPERM))
		return 4;
	if (!fails_with(syscall(SYS_setns, -1, 0), EPERM) ||
	    !fails_with(syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM))
		return 5;
	if (!fails_with(syscall(SYS_io_uring_setup, 0, NULL), EPERM))
		return 6;
	if (!fails_with(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0), EPERM) ||
	    !fails_with(syscall(SYS_socket, AF_VSOCK | (1UL << 32), SOCK_STREAM, 0), EPERM))
		return 7;
	if (socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0)
		return 8;
	if (personality(0xffffffff) < 0 || !fails_with(personality(ADDR_NO_RANDOMIZE), EPERM))
		return 9;
	return 0;
}

static void test_forbidden(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(forbidden_child, NULL), 0);
}

static int unconfined_child(const void *arg)
{
	struct barco_report rep = {0};

	(void)arg;
	if (load(BARCO_SECCOMP_UNCONFINED, &rep) < 0)
		return 100;
	if (status_field("Seccomp") != 0 || status_field("NoNewPrivs") != 1)
		return 1;
	if (!strstr(rep.text, "prctl(PR_SET_NO_NEW_PRIVS, 1) = 0\n") ||
	    !strstr(rep.text, "seccomp: unconfined (no filter loaded)\n"))
		return 2;
	/* nothing filters: root's mount fails on the path, not with EPERM */
	if (!fails_with(mount("none", "/nonexistent-barco-unit", "tmpfs", 0, NULL), ENOENT))
		return 3;
	return 0;
}

static void test_unconfined(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(unconfined_child, NULL), 0);
}

#if defined(__x86_64__)
/* getpid through the i386 entry point (AUDIT_ARCH_I386). */
static int int80_getpid(const void *arg)
{
	long ret;

	if (arg && load(BARCO_SECCOMP_DEFAULT, NULL) < 0)
		return 100;
	/* the compat entry zeroes r8-r15 on the way back */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(20L)
			 : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
	return ret == getpid() ? 0 : 1;
}

static void test_other_abi_killed(void)
{
	/* without IA32 emulation int 0x80 faults anyway: nothing to test */
	if (barco_test_run_in_child(int80_getpid, NULL) != 0) {
		(void)fprintf(stderr, "\n  skipped: no IA32 emulation in this kernel\n");
		return;
	}
	CU_ASSERT_EQUAL(barco_test_run_in_child(int80_getpid, "filter"), 128 + SIGSYS);
}
#endif

void barco_test_register_seccomp(void)
{
	static const struct barco_test tests[] = {
		{"tables: disjoint, no duplicates, > 250 syscalls", test_tables},
		{"mode names", test_mode_from_name},
		{"build-time program = the policy compiled now",
		 test_build_time_program_is_current},
		{"barco's program answers as libseccomp's, checked by a check that sees",
		 test_program_matches_libseccomp},
		{"filter loads: Seccomp 2, NoNewPrivs 1, report", test_filter_loads},
		{"no new namespaces; clone3 ENOSYS; fork and threads work", test_namespaces},
		{"ioctl: TIOCSTI refused on 32 bits, TIOCGWINSZ/FIONREAD work", test_ioctl},
		{"chmod family: no setuid/setgid bits", test_chmod},
		{"refused: mount keyctl bpf ptrace setns io_uring vsock personality",
		 test_forbidden},
		{"unconfined: no_new_privs only", test_unconfined},
	};
	CU_pSuite s = barco_test_suite_add("seccomp", tests, ARRAY_LEN(tests));

	(void)s;
#if defined(__x86_64__)
	barco_test_add(s, "i386 syscalls kill the process (SIGSYS)", test_other_abi_killed);
#endif
}
