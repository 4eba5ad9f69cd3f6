/*
 * Linked into bin/barco-asan only (-Wl,--wrap=_exit): LeakSanitizer checks
 * for leaks when a process calls exit(), but barco's long-lived processes
 * end with _exit(): the step monitor, a container process whose stage
 * failed, a forked child. This makes their _exit() check too, so
 * `make asan` covers them.
 */
#include <stdbool.h>
#include <sanitizer/lsan_interface.h>
#include <sys/prctl.h>
#include <sys/stat.h>

_Noreturn void __real__exit(int status);
_Noreturn void __wrap__exit(int status);

/*
 * LeakSanitizer stops the process by ptrace(2) from a helper it clones.
 * That cannot work under barco's seccomp filter (ptrace is refused;
 * PR_GET_SECCOMP != 0, see prctl(2)), nor after unshare(CLONE_NEWPID) (the
 * helper is born in the new pid namespace, where its parent has no pid):
 * the process that forks the container's pid 1 is the one case, a copy of
 * the runner with nothing of its own allocated.
 */
static bool can_check(void)
{
	struct stat self, children;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
		return false;
	return stat("/proc/self/ns/pid", &self) == 0 &&
	       stat("/proc/self/ns/pid_for_children", &children) == 0 &&
	       self.st_ino == children.st_ino && self.st_dev == children.st_dev;
}

void __wrap__exit(int status)
{
	if (can_check())
		__lsan_do_leak_check();
	__real__exit(status);
}
