#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum barco_log_level log_level = BARCO_LOG_WARN;

void barco_log_set_level(enum barco_log_level level)
{
	log_level = level;
}

enum barco_log_level barco_log_get_level(void)
{
	return log_level;
}

static const char *level_name(enum barco_log_level level)
{
	switch (level) {
	case BARCO_LOG_QUIET:
	case BARCO_LOG_WARN:
		return "WARN ";
	case BARCO_LOG_INFO:
		return "INFO ";
	case BARCO_LOG_DEBUG:
		return "DEBUG";
	}
	return "?";
}

void barco_log_at(enum barco_log_level level, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)localtime_r(&ts.tv_sec, &tm);
	/* One write per line, so lines from the runner and the container do not interleave. */
	(void)fprintf(stderr, "%02d:%02d:%02d.%06ld %s %s:%d: %s\n", tm.tm_hour, tm.tm_min,
		      tm.tm_sec, ts.tv_nsec / 1000, level_name(level), file, line, msg);
}
