#include "base/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char truncated_mark[] = "...\n";

/* Marks the report truncated; the mark always fits (every add leaves room for it). */
static void truncate_report(struct barco_report *rep)
{
	memcpy(rep->text + rep->len, truncated_mark, sizeof(truncated_mark));
	rep->len += sizeof(truncated_mark) - 1;
	rep->is_truncated = true;
}

/* Room for a line's text and newline, keeping room for a later truncation mark. */
static size_t room_for_line(const struct barco_report *rep)
{
	return sizeof(rep->text) - rep->len - sizeof(truncated_mark);
}

static void end_line(struct barco_report *rep, size_t n)
{
	rep->len += n;
	rep->text[rep->len++] = '\n';
	rep->text[rep->len] = '\0';
}

/* Formatted straight into the buffer: reports are recorded on every run. */
void barco_report_add(struct barco_report *rep, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	if (rep->is_truncated)
		return;
	room = room_for_line(rep);
	va_start(ap, fmt);
	n = vsnprintf(rep->text + rep->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 1 <= room)
		end_line(rep, (size_t)n);
	else
		truncate_report(rep);
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

	while (*line && !rep->is_truncated) {
		size_t len = strcspn(line, "\n");

		if (len + 1 <= room_for_line(rep)) {
			memcpy(rep->text + rep->len, line, len);
			end_line(rep, len);
		} else {
			truncate_report(rep);
		}
		line += len + (line[len] == '\n');
	}
}
