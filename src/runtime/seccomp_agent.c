/* Hands a seccomp listener to the agent at listenerPath: see seccomp_agent.h. */
#include "runtime/seccomp_agent.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/sock.h"

/* How long connect(2) may wait for an agent whose backlog is full. */
#define AGENT_TIMEOUT_S 10

static struct json_object *container_state(const struct barco_config *cfg, pid_t init_pid,
					   const char *status)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ann =
		cfg->annotations_json ? json_tokener_parse(cfg->annotations_json) : NULL;

	(void)json_object_object_add(o, "ociVersion", json_object_new_string("1.1.0"));
	(void)json_object_object_add(o, "id", json_object_new_string(cfg->name));
	(void)json_object_object_add(o, "status", json_object_new_string(status));
	(void)json_object_object_add(o, "pid", json_object_new_int((int)init_pid));
	(void)json_object_object_add(o, "bundle",
				     json_object_new_string(cfg->bundle ? cfg->bundle : ""));
	(void)json_object_object_add(o, "annotations", ann ? ann : json_object_new_object());
	return o;
}

char *barco_seccomp_agent_state(const struct barco_config *cfg, pid_t pid, pid_t init_pid,
				const char *status)
{
	struct json_object *o = json_object_new_object();
	struct json_object *fds = json_object_new_array();
	char *text;

	(void)json_object_array_add(fds, json_object_new_string(BARCO_SECCOMP_AGENT_FD_NAME));
	(void)json_object_object_add(o, "ociVersion", json_object_new_string("1.1.0"));
	(void)json_object_object_add(o, "fds", fds);
	(void)json_object_object_add(o, "pid", json_object_new_int((int)pid));
	if (cfg->seccomp_listener_metadata && cfg->seccomp_listener_metadata[0])
		(void)json_object_object_add(
			o, "metadata", json_object_new_string(cfg->seccomp_listener_metadata));
	(void)json_object_object_add(o, "state", container_state(cfg, init_pid, status));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

static int connect_agent(const char *path, struct barco_err *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval timeout = {.tv_sec = AGENT_TIMEOUT_S};
	int fd;

	/* The path's length was checked when config.json was read. */
	if (strlen(path) >= sizeof(addr.sun_path))
		return barco_err_set(err, ENAMETOOLONG, "connect(%s)", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return barco_err_errno(err, "socket(AF_UNIX, SOCK_STREAM)");
	/* A unix stream connect waits for room in a full backlog as long as SO_SNDTIMEO says. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		barco_err_errno(err, "connect(%s)", path);
		(void)close(fd);
		return -1;
	}
	return fd;
}

int barco_seccomp_agent_send(const struct barco_config *cfg, pid_t pid, pid_t init_pid,
			     const char *status, int listener, struct barco_report *rep,
			     struct barco_err *err)
{
	const char *path = cfg->seccomp_listener_path;
	cleanup_free char *state = barco_seccomp_agent_state(cfg, pid, init_pid, status);
	cleanup_close int fd = -1;

	if (!path)
		return barco_err_set(err, EINVAL, "a seccomp listener came, but no listenerPath");
	if (!state)
		return barco_err_errno(err, "the seccomp agent's message");
	fd = connect_agent(path, err);
	if (fd < 0 || barco_sock_send(fd, state, strlen(state), &listener, 1, err) < 0)
		return barco_err_wrap(err, "linux.seccomp.listenerPath: the seccomp agent");
	barco_report_add(rep,
			 "connect(\"%s\"), sendmsg(the container process state, SCM_RIGHTS "
			 "[listener]): the seccomp agent answers the notified calls",
			 path);
	return 0;
}
