#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char truncated_mark[] = "...\n";

void barco_report_add(struct barco_report *rep, const char *fmt, ...)
{
	char line[BARCO_REPORT_MAX];
	va_list ap;
	int n;

	if (rep->is_truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Room for the line, its newline and, always, a later truncation mark. */
	if ((size_t)n < sizeof(line) &&
	    rep->len + (size_t)n + 1 + sizeof(truncated_mark) <= sizeof(rep->text)) {
		memcpy(rep->text + rep->len, line, (size_t)n);
		rep->len += (size_t)n;
		rep->text[rep->len++] = '\n';
		rep->text[rep->len] = '\0';
		return;
	}
	memcpy(rep->text + rep->len, truncated_mark, sizeof(truncated_mark));
	rep->len += sizeof(truncated_mark) - 1;
	rep->is_truncated = true;
}

void barco_report_clear(struct barco_report *rep)
{
	rep->len = 0;
	rep->is_truncated = false;
	rep->text[0] = '\0';
}

void barco_report_append(struct barco_report *rep, const struct barco_report *other)
{
	const char *line = other->text;

	while (*line) {
		size_t len = strcspn(line, "\n");

		barco_report_add(rep, "%.*s", (int)len, line);
		line += len + (line[len] == '\n');
	}
}
