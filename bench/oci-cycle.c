/*
 * One OCI container's whole life, as an engine drives it:
 *
 *   oci-cycle RUNTIME STATE_ROOT BUNDLE ID
 *
 * runs RUNTIME --root STATE_ROOT create --bundle BUNDLE --pid-file
 * BUNDLE/ID.pid ID, then start ID, waits for the container's init, then
 * delete ID, and exits with the init's status. Like conmon and
 * containerd's shim it is a child subreaper: create exits and leaves the
 * init to it, so it can wait for the init itself instead of polling
 * `state`. The benchmark (bench/run) times it with hyperfine for barco,
 * runc and crun on the same bundle; it adds one fork+exec per step, the
 * same for every runtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *runtime, *state_root;

/* Runs RUNTIME --root STATE_ROOT args...; its exit status, or -1. */
static int runtime_do(char *const args[])
{
	char *argv[16] = {(char *)runtime, "--root", (char *)state_root};
	int n = 3, status;
	pid_t pid;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(runtime, argv);
		fprintf(stderr, "oci-cycle: exec %s: %s\n", runtime, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static pid_t read_pid(const char *path)
{
	char buf[32] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	return n > 0 ? (pid_t)strtol(buf, NULL, 10) : -1;
}

/* Waits for pid (ours: we are the subreaper), reaping orphans that exit before it. */
static int wait_init(pid_t pid)
{
	int status = 0;
	pid_t got;

	while ((got = wait(&status)) != pid)
		if (got < 0 && errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	char pid_file[PATH_MAX];
	int status;
	pid_t pid;

	if (argc != 5) {
		fprintf(stderr, "usage: oci-cycle RUNTIME STATE_ROOT BUNDLE ID\n");
		return 125;
	}
	runtime = argv[1];
	state_root = argv[2];
	snprintf(pid_file, sizeof(pid_file), "%s/%s.pid", argv[3], argv[4]);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("oci-cycle: PR_SET_CHILD_SUBREAPER");
		return 125;
	}
	if (runtime_do((char *[]){"create", "--bundle", argv[3], "--pid-file", pid_file, argv[4],
				  NULL}) != 0)
		return 125;
	pid = read_pid(pid_file);
	(void)unlink(pid_file);
	if (pid <= 0 || runtime_do((char *[]){"start", argv[4], NULL}) != 0) {
		(void)runtime_do((char *[]){"delete", "--force", argv[4], NULL});
		return 125;
	}
	status = wait_init(pid);
	if (runtime_do((char *[]){"delete", argv[4], NULL}) != 0)
		return 125;
	return status;
}
