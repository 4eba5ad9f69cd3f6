#pragma once
/*
 * The other namespaces (namespaces(7)): mount, UTS, IPC, network, cgroup,
 * PID and, where the kernel has it, time — all created by a process that
 * is already inside the new user namespace, so that namespace owns them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"
#include "base/report.h"

/* "CLONE_NEWNS|CLONE_NEWUTS|…" for flags, into buf. */
const char *barco_ns_flags_str(unsigned long flags, char *buf, size_t size);

/* True when this kernel has time namespaces (/proc/self/ns/time exists). */
bool barco_ns_has_time(void);

/* The flags barco unshares at the namespaces stage. */
unsigned long barco_ns_flags(bool has_time);

/* setns(2) into the namespace file at path, which must be of type nstype (CLONE_NEWNET…). */
int barco_ns_join(const char *path, int nstype, struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* unshare(2) with those flags. */
int barco_ns_unshare(unsigned long flags, struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The kind of namespace files in /proc/PID/ns that barco creates, in display order. */
extern const char *const barco_ns_names[];
extern const size_t barco_ns_names_len;

/*
 * The host pids of the processes in pid's pid namespace (those whose
 * /proc/PID/ns/pid is the same namespace; nested pid namespaces' are
 * not): what a container holds when it has no cgroup to list them
 * (rootless without a delegated cgroup). At most max; -1 with err.
 */
int barco_ns_pid_members(pid_t pid, pid_t *ret_pids, size_t max, size_t *ret_len,
			 struct barco_err *err) __attribute__((warn_unused_result));
