#pragma once
/*
 * Scope-bound resources (after bubblewrap and systemd): a variable declared
 * with one of these attributes is released when it goes out of scope, so
 * error paths need no goto ladders. Ownership leaves a scope explicitly with
 * steal_pointer() / steal_fd().
 */
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "base/util.h"

static inline void barco_freep(void *p)
{
	free(*(void **)p);
}

static inline void barco_closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

/* An fd kept in a struct: closed if open, and marked closed (-1). */
static inline void barco_close_fd(int *fd)
{
	barco_closep(fd);
	*fd = -1;
}

static inline void barco_fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

static inline void barco_closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

/* A child that must not outlive the scope: killed and reaped. */
static inline void barco_killpidp(const pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		(void)kill(*pid, SIGKILL);
		(void)barco_waitpid(*pid, NULL);
		errno = saved;
	}
}

#define cleanup_free	 __attribute__((cleanup(barco_freep)))
#define cleanup_close	 __attribute__((cleanup(barco_closep)))
#define cleanup_fclose	 __attribute__((cleanup(barco_fclosep)))
#define cleanup_closedir __attribute__((cleanup(barco_closedirp)))
#define cleanup_pid	 __attribute__((cleanup(barco_killpidp)))

static inline void *barco_steal_pointer(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}

static inline int barco_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

static inline pid_t barco_steal_pid(pid_t *pid)
{
	pid_t v = *pid;
	*pid = -1;
	return v;
}

#define steal_pointer(pp) barco_steal_pointer(pp)
#define steal_fd(fdp)	  barco_steal_fd(fdp)
#define steal_pid(pidp)	  barco_steal_pid(pidp)
