#include "stages/net_slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "stages/net_names.h"

void barco_slirp_init(struct barco_slirp *s)
{
	s->pid = 0;
	s->pidfd = s->exit_fd = -1;
}

/* Test builds only (bin/barco-fault): BARCO_SLIRP4NETNS names another binary, or none. */
static const char *slirp_path(void)
{
#ifdef BARCO_FAULT_INJECTION
	const char *path = getenv("BARCO_SLIRP4NETNS");

	if (path)
		return path;
#endif
	return BARCO_SLIRP4NETNS;
}

int barco_net_slirp_check(struct barco_err *err)
{
	struct stat st;

	if (access(slirp_path(), X_OK) < 0)
		return barco_err_set(err, 0,
				     "--net=slirp4netns: %s: %s: install it (apt-get install "
				     "slirp4netns)",
				     slirp_path(), strerror(errno));
	if (stat(BARCO_SLIRP_TUN, &st) < 0)
		return barco_err_set(err, 0,
				     "--net=slirp4netns: no %s (%s): as root, modprobe tun: "
				     "slirp4netns makes its tap device there",
				     BARCO_SLIRP_TUN, strerror(errno));
	if (geteuid() != 0 && access(BARCO_SLIRP_TUN, R_OK | W_OK) == 0) {
		/* The mode lets us in; a filesystem mounted nodev still would not. */
		cleanup_close int fd = open(BARCO_SLIRP_TUN, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return barco_err_set(err, 0,
					     "--net=slirp4netns: open %s: %s, though its mode "
					     "(%04o) lets uid %u in: is it on a filesystem mounted "
					     "nodev?",
					     BARCO_SLIRP_TUN, strerror(errno),
					     (unsigned)(st.st_mode & 07777), (unsigned)getuid());
		return 0;
	}
	/* access(2) asks as the real uid: the one slirp4netns will have. */
	if (geteuid() != 0)
		return barco_err_set(err, 0,
				     "--net=slirp4netns: uid %u may not open %s (mode %04o, owner "
				     "uid %u): as root, chmod 0666 %s, the mode udev gives it (a "
				     "tap device is made only in a network namespace of the user's "
				     "own)",
				     (unsigned)getuid(), BARCO_SLIRP_TUN,
				     (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
				     BARCO_SLIRP_TUN);
	return 0;
}

/* An argv being built: its strings live in buf; is_full once anything did not fit. */
struct argv_buf {
	char **argv;
	size_t max, argc;
	char *buf;
	size_t size, used;
	bool is_full;
};

/* Appends one argument (printf-formatted) to argv, its text to buf. */
__attribute__((format(printf, 2, 3))) static void add_arg(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->is_full || a->argc + 1 >= a->max) {
		a->is_full = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->size - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->size - a->used) {
		a->is_full = true;
		return;
	}
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
}

int barco_net_slirp_argv(const char *api_socket, bool is_sandbox, char **argv, size_t max,
			 char *buf, size_t size)
{
	struct argv_buf a = {argv, max, 0, buf, size, 0, false};

	add_arg(&a, "slirp4netns");
	add_arg(&a, "--configure");
	add_arg(&a, "--mtu=%d", BARCO_SLIRP_MTU);
	/* The container must not reach the host's 127.0.0.1 through 10.0.2.2. */
	add_arg(&a, "--disable-host-loopback");
	if (is_sandbox)
		add_arg(&a, "--enable-sandbox");
	add_arg(&a, "--enable-seccomp");
	add_arg(&a, "--netns-type=path");
	add_arg(&a, "--userns-path=/proc/self/fd/4");
	add_arg(&a, "--ready-fd=5");
	add_arg(&a, "--exit-fd=6");
	if (api_socket)
		add_arg(&a, "--api-socket=%s", api_socket);
	add_arg(&a, "/proc/self/fd/3");
	add_arg(&a, "tap0");
	return a.is_full ? -1 : (int)a.argc;
}

/* The command line as one string, for the report. */
static void join_argv(char *const *argv, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);
}

/*
 * In the child: fds[0..3] (network and user namespace, ready and exit
 * pipe) become 3..6, stdout and stderr the log; nothing else stays open.
 * Its own session: a Ctrl-C on barco's terminal is not for it, only the
 * exit pipe ends it.
 */
static _Noreturn void exec_slirp(const int *fds, int log_fd, char *const *argv, bool is_sandbox)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int high[4];
	sigset_t none;

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setsid();
	/*
	 * --enable-sandbox pivots into a tmpfs and detaches the old root
	 * (umount2 MNT_DETACH) in a mount namespace it unshares, a copy of
	 * ours: where a mount of ours is shared (ip netns makes /run/netns
	 * shared), that umount propagates back and takes the host's mounts
	 * with it. A namespace of its own, private throughout, contains it.
	 */
	if (is_sandbox &&
	    (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
		_exit(126);
	/* Above 10 first, so that no dup2 below lands on a descriptor still to be moved. */
	for (int i = 0; i < 4; i++)
		high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
	if (null < 0 || dup2(null, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
	for (int i = 0; i < 4; i++)
		if (high[i] < 0 || dup2(high[i], 3 + i) < 0)
			_exit(126);
	(void)close_range(7, ~0U, 0);
	execv(slirp_path(), argv);
	_exit(127);
}

/* The last line slirp4netns wrote before it failed, for the error. */
static void last_log_line(int dir_fd, char *buf, size_t size)
{
	cleanup_close int fd = openat(dir_fd, BARCO_SLIRP_LOG, O_RDONLY | O_CLOEXEC);
	cleanup_fclose FILE *f = fd < 0 ? NULL : fdopen(steal_fd(&fd), "re");
	char line[256];

	(void)snprintf(buf, size, "no message");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* Its last words are the same whatever failed. */
		if (line[0] && !strstr(line, "child failed") && !strstr(line, "parent failed"))
			(void)snprintf(buf, size, "%s", line);
	}
}

/* Waits for the "1" on the ready pipe; EOF or the timeout is a failure. */
static int wait_ready(int ready_fd, const struct barco_slirp *s, int dir_fd, struct barco_err *err)
{
	struct pollfd pfd = {.fd = ready_fd, .events = POLLIN};
	char c = 0, why[256];
	siginfo_t info = {0};
	int r;

	do
		r = poll(&pfd, 1, BARCO_SLIRP_READY_SEC * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return barco_err_set(err, ETIMEDOUT, "slirp4netns not ready after %d s",
				     BARCO_SLIRP_READY_SEC);
	if (r > 0 && read(ready_fd, &c, 1) == 1 && c == '1')
		return 0;
	/* It exited: its status, and what it said. */
	(void)waitid((idtype_t)P_PIDFD, (id_t)s->pidfd, &info, WEXITED | WNOWAIT);
	last_log_line(dir_fd, why, sizeof(why));
	return barco_err_set(err, 0, "slirp4netns exited (status %d) before it was ready: %s",
			     info.si_status, why);
}

void barco_net_slirp_stop(struct barco_slirp *s)
{
	struct pollfd pfd = {.fd = s->pidfd, .events = POLLIN};
	siginfo_t info;

	barco_close_fd(&s->exit_fd);
	if (s->pidfd >= 0) {
		/* A pidfd polls readable when its process has exited (pidfd_open(2)). */
		if (poll(&pfd, 1, 2000) == 0)
			(void)syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		(void)waitid((idtype_t)P_PIDFD, (id_t)s->pidfd, &info, WEXITED);
	}
	barco_close_fd(&s->pidfd);
	s->pid = 0;
}

/* Forks and executes slirp4netns; *ret holds it (pid, pidfd, the exit pipe's write end). */
static int spawn(const struct barco_net_slirp_req *req, char *const *argv, bool is_sandbox,
		 int *ret_ready, struct barco_slirp *ret, struct barco_err *err)
{
	cleanup_close int log_fd = openat(req->state_dir_fd, BARCO_SLIRP_LOG,
					  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ready[2], exitp[2];
	pid_t pid;

	if (log_fd < 0)
		return barco_err_errno(err, "create %s/%s", req->state_dir, BARCO_SLIRP_LOG);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return barco_err_errno(err, "pipe2 (ready)");
	if (pipe2(exitp, O_CLOEXEC) < 0) {
		(void)close(ready[0]);
		(void)close(ready[1]);
		return barco_err_errno(err, "pipe2 (exit)");
	}
	pid = fork();
	if (pid == 0)
		exec_slirp((const int[]){req->netns_fd, req->userns_fd, ready[1], exitp[0]}, log_fd,
			   argv, is_sandbox);
	(void)close(ready[1]);
	(void)close(exitp[0]);
	if (pid < 0) {
		(void)close(ready[0]);
		(void)close(exitp[1]);
		return barco_err_errno(err, "fork (slirp4netns)");
	}
	ret->pid = pid;
	ret->exit_fd = exitp[1];
	ret->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	*ret_ready = ready[0];
	if (ret->pidfd < 0) {
		(void)kill(pid, SIGKILL);
		(void)barco_waitpid(pid, NULL);
		ret->pid = 0;
		return barco_err_errno(err, "pidfd_open(%d)", (int)pid);
	}
	return 0;
}

void barco_net_slirp_hostfwd_json(const struct barco_port *p, char *buf, size_t size)
{
	char host[INET_ADDRSTRLEN] = "0.0.0.0";
	struct in_addr in = {.s_addr = p->host_addr};

	(void)inet_ntop(AF_INET, &in, host, sizeof(host));
	(void)snprintf(buf, size,
		       "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", "
		       "\"host_addr\": \"%s\", \"host_port\": %u, \"guest_addr\": \"%s\", "
		       "\"guest_port\": %u}}",
		       p->is_udp ? "udp" : "tcp", host, p->host_port, BARCO_SLIRP_ADDR,
		       p->container_port);
}

int barco_net_slirp_parse_reply(const char *json, int *ret_id, struct barco_err *err)
{
	json_object *root = json_tokener_parse(json);
	json_object *ret = NULL, *id = NULL;
	int r = 0;

	if (root && json_object_object_get_ex(root, "return", &ret) &&
	    json_object_object_get_ex(ret, "id", &id) && json_object_is_type(id, json_type_int))
		*ret_id = json_object_get_int(id);
	else
		r = barco_err_set(err, 0, "slirp4netns answered %s", json[0] ? json : "nothing");
	json_object_put(root);
	return r;
}

/* One request on the API socket: connect, send, shutdown(SHUT_WR), read the answer to EOF. */
static int api_call(const char *path, const char *request, char *reply, size_t size,
		    struct barco_err *err)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t used = 0;
	ssize_t n;

	reply[0] = '\0';
	if (fd < 0)
		return barco_err_errno(err, "socket(AF_UNIX)");
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
	    (int)sizeof(addr.sun_path))
		return barco_err_set(err, ENAMETOOLONG, "API socket path %s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return barco_err_errno(err, "connect(%s)", path);
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request) ||
	    shutdown(fd, SHUT_WR) < 0)
		return barco_err_errno(err, "send to %s", path);
	while (used + 1 < size && (n = read(fd, reply + used, size - used - 1)) > 0)
		used += (size_t)n;
	reply[used] = '\0';
	return 0;
}

/* -p: one add_hostfwd per port, through the API socket. */
static int publish_ports(const struct barco_config *cfg, const char *sock, struct barco_report *rep,
			 struct barco_err *err)
{
	for (size_t i = 0; i < cfg->ports_len; i++) {
		const struct barco_port *p = &cfg->ports[i];
		char request[512], reply[512];
		int id = 0;

		barco_net_slirp_hostfwd_json(p, request, sizeof(request));
		if (api_call(sock, request, reply, sizeof(reply), err) < 0 ||
		    barco_net_slirp_parse_reply(reply, &id, err) < 0)
			return barco_err_wrap(err, "publishing host port %u/%s (in use?)",
					      p->host_port, p->is_udp ? "udp" : "tcp");
		reply[strcspn(reply, "\n")] = '\0';
		barco_report_add(rep, "connect(%s), send %s = %s", BARCO_SLIRP_API_SOCK, request,
				 reply);
	}
	return 0;
}

/*
 * The mount points of the name files the container binds, made here when
 * the rootfs lacks them: an ordinary user owns their rootfs where a
 * container root of their subordinate range may not write. openat2(2)
 * with RESOLVE_IN_ROOT: a symlink in the rootfs cannot lead out of it.
 * What was made is noted, to be removed when the container goes, and so
 * is one another container made and this one shares, all under the run
 * directory's lock (see stages/net_names.h); what cannot be made here
 * the container tries itself.
 */
static int make_mount_points(const struct barco_net_slirp_req *req, struct barco_report *rep,
			     struct barco_err *err)
{
	struct open_how how = {.flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			       .mode = 0644,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	bool made[BARCO_NAME_FILES] = {false};
	cleanup_close int run = -1;
	struct stat root;

	if (fstat(req->rootfs_fd, &root) < 0)
		return barco_err_errno(err, "fstat %s", req->cfg->rootfs);
	if (barco_net_names_lock(req->state_dir_fd, &run, err) < 0)
		return -1;
	/* --rootfs /: the host's own /etc, bound read-only; nothing is made in it. */
	for (size_t i = 0; i < BARCO_NAME_FILES && strcmp(req->cfg->rootfs, "/") != 0; i++) {
		const char *target = barco_name_files[i].target;
		int fd = (int)syscall(SYS_openat2, req->rootfs_fd, target + 1, &how, sizeof(how));

		if (fd < 0)
			continue;
		/* Root makes it the rootfs owner's, as the container would have. */
		made[i] = geteuid() != 0 || fchown(fd, root.st_uid, root.st_gid) == 0;
		(void)close(fd);
		barco_report_add(rep,
				 "openat2(rootfs, \"%s\", O_CREAT|O_EXCL, RESOLVE_IN_ROOT) = 0: an "
				 "empty mount point, uid %u (removed when the container goes)",
				 target + 1, (unsigned)root.st_uid);
	}
	return barco_net_names_note(req->state_dir_fd, run, req->cfg->rootfs, made, rep, err);
}

static void report_started(const struct barco_slirp *s, const char *cmdline, bool is_sandbox,
			   struct barco_report *rep)
{
	barco_report_add(rep,
			 "fork(), setsid(),%s execve(\"%s\", \"%s\") = pid %d: fd 3, 4 the "
			 "container's network and user namespaces, 5 the ready pipe, 6 the exit "
			 "pipe; its output in %s",
			 is_sandbox ? " unshare(CLONE_NEWNS), mount(/, MS_REC|MS_PRIVATE)," : "",
			 slirp_path(), cmdline, (int)s->pid, BARCO_SLIRP_LOG);
	barco_report_add(rep, "the exit pipe's write end stays with barco: when barco exits or "
			      "is killed, slirp4netns sees it close and exits");
}

int barco_net_slirp_start(const struct barco_net_slirp_req *req, struct barco_slirp *ret,
			  struct barco_report *rep, struct barco_err *err)
{
	char sock[4096 + 32], args[8192], cmdline[8192];
	char *argv[24];
	cleanup_close int ready = -1;
	/* Root only (see barco_net_slirp_argv), in a mount namespace of its own (exec_slirp). */
	bool is_sandbox = geteuid() == 0;

	(void)snprintf(sock, sizeof(sock), "%s/%s", req->state_dir, BARCO_SLIRP_API_SOCK);
	if (strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return barco_err_set(err, ENAMETOOLONG,
				     "the API socket %s is longer than a socket address takes: a "
				     "shorter --name, or XDG_RUNTIME_DIR",
				     sock);
	if (barco_net_slirp_argv(req->cfg->ports_len ? sock : NULL, is_sandbox, argv,
				 ARRAY_LEN(argv), args, sizeof(args)) < 0)
		return barco_err_set(err, E2BIG, "slirp4netns's command line");
	join_argv(argv, cmdline, sizeof(cmdline));
	if (make_mount_points(req, rep, err) < 0 ||
	    spawn(req, argv, is_sandbox, &ready, ret, err) < 0)
		return -1;
	report_started(ret, cmdline, is_sandbox, rep);
	if (wait_ready(ready, ret, req->state_dir_fd, err) < 0) {
		barco_net_slirp_stop(ret);
		return -1;
	}
	barco_report_add(rep,
			 "read(ready pipe) = \"1\": tap0 is up in the container, %s/%d, gateway "
			 "%s, DNS %s, MTU %d",
			 BARCO_SLIRP_ADDR, BARCO_SLIRP_PREFIX, BARCO_SLIRP_GATEWAY, BARCO_SLIRP_DNS,
			 BARCO_SLIRP_MTU);
	if (publish_ports(req->cfg, sock, rep, err) < 0) {
		barco_net_slirp_stop(ret);
		return -1;
	}
	return 0;
}

/* The three files' texts, in barco_name_files' order. */
static void name_texts(const struct barco_config *cfg, char texts[][256])
{
	(void)snprintf(texts[0], 256, "127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n",
		       BARCO_SLIRP_ADDR, cfg->hostname);
	(void)snprintf(texts[1], 256, "%s\n", cfg->hostname);
	(void)snprintf(texts[2], 256, "nameserver %s\n", BARCO_SLIRP_DNS);
}

/* With the tmpfs on /dev: the files written, and each cloned into trees[i]. */
static int write_and_clone(char texts[][256], int *trees, struct barco_err *err)
{
	cleanup_close int dir = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return barco_err_errno(err, "open /dev (the tmpfs)");
	for (size_t i = 0; i < BARCO_NAME_FILES; i++) {
		if (barco_net_names_write(dir, barco_name_files[i].file, texts[i], err) < 0)
			return -1;
		trees[i] = open_tree(dir, barco_name_files[i].file,
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (trees[i] < 0)
			return barco_err_errno(err, "open_tree(/dev/%s, OPEN_TREE_CLONE)",
					       barco_name_files[i].file);
	}
	return 0;
}

int barco_net_slirp_bind_names(const struct barco_config *cfg, struct barco_report *rep,
			       struct barco_err *err)
{
	int trees[BARCO_NAME_FILES] = {-1, -1, -1};
	bool made[BARCO_NAME_FILES] = {false};
	char texts[BARCO_NAME_FILES][256];
	int r;

	name_texts(cfg, texts);
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,mode=0755") < 0)
		return barco_err_errno(err, "mount(tmpfs, /dev) for the name files");
	r = write_and_clone(texts, trees, err);
	if (umount2("/dev", MNT_DETACH) < 0 && r == 0)
		r = barco_err_errno(err, "umount2(/dev, MNT_DETACH)");
	if (r == 0) {
		barco_report_add(rep,
				 "mount(tmpfs, /dev) stacked, hosts (%s %s), hostname, resolv.conf "
				 "(nameserver %s) written, each open_tree(OPEN_TREE_CLONE)d, "
				 "umount2(/dev, MNT_DETACH): the container's /dev is back",
				 BARCO_SLIRP_ADDR, cfg->hostname, BARCO_SLIRP_DNS);
		r = barco_net_names_attach(trees, "tmpfs", made, rep, err);
	}
	barco_net_names_close(trees);
	return r;
}
