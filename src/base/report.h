#pragma once
/*
 * What a stage did, as the learner will read it: the syscalls made with
 * their real arguments, the files written and their values. Stages append
 * lines as they go; the runner logs them (-v) and, in step mode, prints
 * them as the report's "what". A fixed buffer keeps this allocation-free
 * and cheap enough to record on every run.
 */
#include <stdbool.h>
#include <stddef.h>

#define BARCO_REPORT_MAX 3072

struct barco_report {
	size_t len;
	bool is_truncated;
	char text[BARCO_REPORT_MAX]; /* lines separated by '\n' */
};

/* Appends one line; silently truncates (marking "…") when full. */
void barco_report_add(struct barco_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends the lines of other. */
void barco_report_append(struct barco_report *rep, const struct barco_report *other);

void barco_report_clear(struct barco_report *rep);
