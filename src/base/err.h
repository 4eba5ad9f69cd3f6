#pragma once
/*
 * The error contract (after crun): a function that can fail takes
 * `struct barco_err *err` last, returns 0 on success or -1 on failure, and
 * fills err with the errno value (0 when none applies) and a message.
 * Callers add context on the way up with barco_err_wrap(); only the CLI
 * prints.
 */
#include <stddef.h>

#define BARCO_ERR_MSG_MAX 512

struct barco_err {
	int errnum; /* errno value, 0 when the failure is not a syscall's */
	char msg[BARCO_ERR_MSG_MAX];
};

/* Sets err (errnum may be 0) and returns -1. */
int barco_err_set(struct barco_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes err->msg with "context: " and returns -1. */
int barco_err_wrap(struct barco_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "msg: strerror(errnum)" (or just msg) into buf; returns buf. */
const char *barco_err_str(const struct barco_err *err, char *buf, size_t size);

/* Shorthand for the common case: set from errno. */
#define barco_err_errno(err, ...) barco_err_set((err), errno, __VA_ARGS__)
