#pragma once
/*
 * Logging, which every layer may use: warnings by default, each step with
 * -v, details with -vv; one line on stderr each (time, level, source file
 * and line, message, as the original barco did). The level lives in log.c,
 * set by the CLI once it has parsed the command line (cli/cmd.c); the
 * verbs print their errors themselves (barco_cmd_fail).
 */
enum barco_log_level {
	BARCO_LOG_QUIET = -1, /* -q: errors from the CLI only */
	BARCO_LOG_WARN = 0,   /* default */
	BARCO_LOG_INFO = 1,   /* -v */
	BARCO_LOG_DEBUG = 2,  /* -vv */
};

void barco_log_set_level(enum barco_log_level level);
enum barco_log_level barco_log_get_level(void);

void barco_log_at(enum barco_log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_warn(...)  barco_log_at(BARCO_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  barco_log_at(BARCO_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) barco_log_at(BARCO_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
