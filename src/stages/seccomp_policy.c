/*
 * The seccomp policy, and its compiler.
 *
 * The allowlist follows Docker's default profile (moby
 * profiles/seccomp/default.json) minus everything that needs a capability
 * barco drops or that reaches kernel-global state. A few syscalls are allowed
 * only with safe arguments (the conditional rules below); everything else
 * fails with EPERM, which programs handle better than a SIGSYS.
 *
 * The build turns these tables into a BPF program once (compiling took
 * libseccomp about 4 ms, the largest single cost of starting a container,
 * and the answer never changes for a given policy and architecture):
 * barco's compiler (src/seccomp_emit.c) writes a binary search over
 * syscall-number ranges, and libseccomp's compilation below, a linear
 * chain almost three times as long, is the reference it must answer like
 * (tools/seccomp-gen.c and the unit tests check). src/seccomp.c loads the
 * program from build/seccomp_bpf.h.
 */
#include "stages/seccomp_policy.h"

#include <errno.h>
#include <sched.h>
/* libseccomp's; barco's own is found only by #include "…" (-iquote include). */
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"

/*
 * Unconditionally allowed. The 32-bit and *_time64 names do not exist on
 * x86_64; like names newer than this libseccomp, they are skipped.
 */
const char *const barco_seccomp_allowed[] = {
	"accept",
	"accept4",
	"access",
	"alarm",
	"arch_prctl",
	"bind",
	"brk",
	"cachestat",
	"capget",
	"capset",
	"chdir",
	"chown",
	"chown32",
	"chroot",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_requeue",
	"futex_time64",
	"futex_wait",
	"futex_waitv",
	"futex_wake",
	"futimesat",
	"get_robust_list",
	"get_thread_area",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"io_destroy",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	"io_setup",
	"io_submit",
	"ioprio_get",
	"ioprio_set",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listxattr",
	"llistxattr",
	"_llseek",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"map_shadow_stack",
	"membarrier",
	"memfd_create",
	"memfd_secret",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"modify_ldt",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"name_to_handle_at",
	"nanosleep",
	"newfstatat",
	"_newselect",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"setsid",
	"setsockopt",
	"setuid",
	"setuid32",
	"setxattr",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"sigprocmask",
	"sigreturn",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"syncfs",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"uretprobe",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"vmsplice",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
};
const size_t barco_seccomp_allowed_len =
	sizeof(barco_seccomp_allowed) / sizeof(barco_seccomp_allowed[0]);

/* Never allowed: each reaches another process, the host kernel, or global state. */
const char *const barco_seccomp_refused[] = {
	/* other processes' memory (ptrace(2) family) */
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"process_madvise",
	"kcmp",
	"pidfd_getfd",
	/* large kernel attack surface, repeatedly exploited */
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	/*
	 * the key retention service (keyrings(7)): keyring names and user
	 * keyrings are per user namespace only since Linux 5.3, quotas per host uid
	 */
	"keyctl",
	"add_key",
	"request_key",
	/* mounts and namespaces: the runtime set them up, the container keeps them */
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"setns",
	"sethostname",
	"setdomainname",
	/* the host kernel itself */
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"kexec_load",
	"kexec_file_load",
	"reboot",
	"swapon",
	"swapoff",
	"acct",
	"quotactl",
	"quotactl_fd",
	"syslog",
	"iopl",
	"ioperm",
	"vhangup",
	"lookup_dcookie",
	"nfsservctl",
	"uselib",
	"_sysctl",
	"vm86",
	"vm86old",
	"fanotify_init",
	/* the clock is not namespaced (time_namespaces(7) only offsets monotonic/boottime) */
	"settimeofday",
	"clock_settime",
	"clock_settime64",
	"stime",
	"adjtimex",
	"clock_adjtime",
	"clock_adjtime64",
	/* file handles bypass the mount namespace ("shocker", 2014) */
	"open_by_handle_at",
};
const size_t barco_seccomp_refused_len =
	sizeof(barco_seccomp_refused) / sizeof(barco_seccomp_refused[0]);

/* The namespaces a container must not create for itself. */
#define NAMESPACE_CLONE_FLAGS                                                                      \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP)
/* clone(2) cannot take CLONE_NEWTIME (0x80 is in its exit-signal byte); unshare(2) can. */
#define NAMESPACE_UNSHARE_FLAGS (NAMESPACE_CLONE_FLAGS | CLONE_NEWTIME)

/* clone(2)'s flags are its first argument except on s390, where they are the second. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

const struct barco_seccomp_rule barco_seccomp_rules[] = {
	{"clone", BARCO_SECCOMP_ALLOW_BITS_CLEAR, CLONE_FLAGS_ARG, NAMESPACE_CLONE_FLAGS},
	{"unshare", BARCO_SECCOMP_ALLOW_BITS_CLEAR, 0, NAMESPACE_UNSHARE_FLAGS},
	/*
	 * clone3 passes its flags in a struct seccomp cannot read; ENOSYS
	 * makes glibc fall back to clone, whose flags it can (the original
	 * barco let clone3 bypass the CLONE_NEWUSER rule).
	 */
	{"clone3", BARCO_SECCOMP_ENOSYS, 0, 0},
	/* setuid/setgid files made inside could be run from the host */
	{"chmod", BARCO_SECCOMP_ALLOW_BITS_CLEAR, 1, S_ISUID | S_ISGID},
	{"fchmod", BARCO_SECCOMP_ALLOW_BITS_CLEAR, 1, S_ISUID | S_ISGID},
	{"fchmodat", BARCO_SECCOMP_ALLOW_BITS_CLEAR, 2, S_ISUID | S_ISGID},
	{"fchmodat2", BARCO_SECCOMP_ALLOW_BITS_CLEAR, 2, S_ISUID | S_ISGID},
	/* TIOCSTI pushes input into a terminal, possibly the host's (CVE-2017-5226) */
	{"ioctl", BARCO_SECCOMP_ALLOW_LOW32_NE, 1, TIOCSTI},
	/* AF_VSOCK reaches the hypervisor's host, outside any network namespace */
	{"socket", BARCO_SECCOMP_ALLOW_LOW32_NE, 0, AF_VSOCK},
	/* personality(2): Docker's list; the rest disable ASLR or emulate other ABIs */
	{"personality", BARCO_SECCOMP_ALLOW_LOW32_EQ, 0, 0x0},	      /* PER_LINUX */
	{"personality", BARCO_SECCOMP_ALLOW_LOW32_EQ, 0, 0x8},	      /* PER_LINUX32 */
	{"personality", BARCO_SECCOMP_ALLOW_LOW32_EQ, 0, 0x20000},    /* UNAME26 */
	{"personality", BARCO_SECCOMP_ALLOW_LOW32_EQ, 0, 0x20008},    /* UNAME26 | PER_LINUX32 */
	{"personality", BARCO_SECCOMP_ALLOW_LOW32_EQ, 0, 0xffffffff}, /* query */
};
const size_t barco_seccomp_rules_len = sizeof(barco_seccomp_rules) / sizeof(barco_seccomp_rules[0]);

static void filter_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

#define cleanup_filter __attribute__((cleanup(filter_releasep)))

/*
 * The syscall number on this architecture, or -1 when it has none:
 * libseccomp answers __NR_SCMP_ERROR for names it does not know and a
 * negative pseudo-number for names of other architectures (chown32 on
 * x86_64).
 */
int barco_seccomp_resolve(const char *name, struct barco_seccomp_counts *counts)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR) {
		log_debug("seccomp: %s unknown to this libseccomp, skipped", name);
		counts->unknown++;
		return -1;
	}
	if (nr < 0) {
		counts->not_on_arch++;
		return -1;
	}
	return nr;
}

static int add_allowed(scmp_filter_ctx ctx, struct barco_seccomp_counts *counts,
		       struct barco_err *err)
{
	for (size_t i = 0; i < barco_seccomp_allowed_len; i++) {
		int nr = barco_seccomp_resolve(barco_seccomp_allowed[i], counts);
		int rc;

		if (nr < 0)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_rule_add(ALLOW, %s)",
					     barco_seccomp_allowed[i]);
		counts->allowed++;
	}
	return 0;
}

/*
 * "Low 32 bits != value", exactly. The kernel reads ioctl's cmd and
 * socket's family as 32-bit ints, but libseccomp compares all 64 bits
 * (SCMP_A1_32 only truncates the datum, not the argument), so a plain
 * SCMP_CMP_NE lets TIOCSTI | 1 << 32 through. A value differs from TIOCSTI
 * in its low 32 bits exactly when one of those bits differs: one masked
 * compare per bit, ORed (rules for the same syscall are alternatives).
 */
static int add_low32_ne(scmp_filter_ctx ctx, int nr, const struct barco_seccomp_rule *rule)
{
	for (unsigned int bit = 0; bit < 32; bit++) {
		uint64_t mask = UINT64_C(1) << bit;
		int rc = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, mask, ~rule->value & mask));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_conditional_rule(scmp_filter_ctx ctx, int nr, const struct barco_seccomp_rule *rule)
{
	switch (rule->kind) {
	case BARCO_SECCOMP_ALLOW_BITS_CLEAR:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, rule->value, 0));
	case BARCO_SECCOMP_ALLOW_LOW32_NE:
		return add_low32_ne(ctx, nr, rule);
	case BARCO_SECCOMP_ALLOW_LOW32_EQ:
		return seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, rule->value));
	case BARCO_SECCOMP_ENOSYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	}
	return -EINVAL;
}

static int add_conditional(scmp_filter_ctx ctx, struct barco_seccomp_counts *counts,
			   struct barco_err *err)
{
	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		const struct barco_seccomp_rule *rule = &barco_seccomp_rules[i];
		int nr = barco_seccomp_resolve(rule->name, counts);
		int rc;

		if (nr < 0)
			continue;
		rc = add_conditional_rule(ctx, nr, rule);
		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_rule_add(%s, conditional rule %zu)",
					     rule->name, i);
		counts->conditional++;
	}
	return 0;
}

static int set_attributes(scmp_filter_ctx ctx, struct barco_err *err)
{
	static const struct {
		enum scmp_filter_attr attr;
		uint32_t value;
		const char *name;
	} attrs[] = {
		/* a syscall of another ABI (int 0x80, x32) is an attack, not a program */
		{SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "SCMP_FLTATR_ACT_BADARCH"},
		/* barco sets no_new_privs itself, visibly, before loading */
		{SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP"},
		/* the kernel's errno rather than libseccomp's ECANCELED */
		{SCMP_FLTATR_API_SYSRAWRC, 1, "SCMP_FLTATR_API_SYSRAWRC"},
	};

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		int rc = seccomp_attr_set(ctx, attrs[i].attr, attrs[i].value);

		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_attr_set(%s)", attrs[i].name);
	}
	return 0;
}

/*
 * libseccomp compiles on export as on load: export once into memory and
 * load exactly those instructions with seccomp(2), so the program is built
 * once and the report counts what the kernel got.
 */
static int export_program(scmp_filter_ctx ctx, struct sock_filter **ret_insns, size_t *ret_len,
			  struct barco_err *err)
{
	cleanup_close int fd = memfd_create("barco-seccomp-bpf", MFD_CLOEXEC);
	cleanup_free struct sock_filter *insns = NULL;
	struct stat st;
	int rc;

	if (fd < 0)
		return barco_err_errno(err, "memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return barco_err_set(err, -rc, "seccomp_export_bpf");
	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, "fstat the exported filter");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return barco_err_set(err, EINVAL, "exported filter of %lld bytes",
				     (long long)st.st_size);
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return barco_err_set(err, ENOMEM, "filter of %lld bytes", (long long)st.st_size);
	if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size)
		return barco_err_errno(err, "read the exported filter");
	*ret_len = (size_t)st.st_size / sizeof(struct sock_filter);
	*ret_insns = steal_pointer(&insns);
	return 0;
}

static int build_filter(scmp_filter_ctx *ret_ctx, struct barco_seccomp_counts *counts,
			struct barco_err *err)
{
	cleanup_filter scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));

	if (!ctx)
		return barco_err_set(err, ENOMEM, "seccomp_init(SCMP_ACT_ERRNO(EPERM))");
	if (set_attributes(ctx, err) < 0 || add_allowed(ctx, counts, err) < 0 ||
	    add_conditional(ctx, counts, err) < 0)
		return -1;
	*ret_ctx = steal_pointer(&ctx);
	return 0;
}

int barco_seccomp_compile_libseccomp(struct sock_filter **ret_insns, size_t *ret_len,
				     struct barco_seccomp_counts *ret_counts, struct barco_err *err)
{
	cleanup_filter scmp_filter_ctx ctx = NULL;
	struct barco_seccomp_counts counts = {0};

	if (build_filter(&ctx, &counts, err) < 0)
		return barco_err_wrap(err, "seccomp: building the filter");
	if (export_program(ctx, ret_insns, ret_len, err) < 0)
		return barco_err_wrap(err, "seccomp: compiling the filter");
	*ret_counts = counts;
	return 0;
}
