#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int barco_err_set(struct barco_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	err->errnum = errnum;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int barco_err_wrap(struct barco_err *err, const char *fmt, ...)
{
	char context[BARCO_ERR_MSG_MAX];
	char old[BARCO_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Context first; the original message keeps what room is left. */
	size_t len = strnlen(context, sizeof(err->msg) - 3);
	memcpy(err->msg, context, len);
	memcpy(err->msg + len, ": ", 2);
	len += 2;
	(void)snprintf(err->msg + len, sizeof(err->msg) - len, "%.*s",
		       (int)(sizeof(err->msg) - len - 1), old);
	return -1;
}

const char *barco_err_str(const struct barco_err *err, char *buf, size_t size)
{
	if (err->errnum)
		(void)snprintf(buf, size, "%s: %s", err->msg, strerror(err->errnum));
	else
		(void)snprintf(buf, size, "%s", err->msg);
	return buf;
}
