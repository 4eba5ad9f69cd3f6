#pragma once
/*
 * A seccomp agent (runtime-spec 1.1, config-linux.md "Seccomp" and
 * runtime.md's containerProcessState): when a bundle's profile answers
 * SCMP_ACT_NOTIFY, the container process loads it with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER and hands the listener fd to barco's
 * runtime side, which is still on the host: after pivot_root the container
 * cannot reach linux.seccomp.listenerPath. barco connects to that unix
 * socket (SOCK_STREAM), sends one message, the container process state as
 * JSON, with the listener attached (SCM_RIGHTS), and closes the connection.
 * From then on the agent answers the notified calls (seccomp_unotify(2)).
 */
#include <sys/types.h>

#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* The name the state's "fds" gives the listener (specs-go's SeccompFdName). */
#define BARCO_SECCOMP_AGENT_FD_NAME "seccompFd"

/*
 * Sends listener to cfg->seccomp_listener_path with the state of process
 * pid (host pid) of container cfg->name, whose init is init_pid and whose
 * status is status ("creating" while create runs, as runc says). Does not
 * close listener. An agent that is not there, or does not accept within
 * 10 s, is an error naming the path.
 */
int barco_seccomp_agent_send(const struct barco_config *cfg, pid_t pid, pid_t init_pid,
			     const char *status, int listener, struct barco_report *rep,
			     struct barco_err *err) __attribute__((warn_unused_result));

/* The JSON text sent (malloc'd; NULL when out of memory): for the tests. */
char *barco_seccomp_agent_state(const struct barco_config *cfg, pid_t pid, pid_t init_pid,
				const char *status);
