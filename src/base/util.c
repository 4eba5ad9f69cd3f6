#include "base/util.h"

#include <stdio.h>

const char *barco_flags_str(const struct barco_flag_name *names, size_t n, unsigned long flags,
			    char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;

		if (!(flags & names[i].flag))
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? "|" : "", names[i].name);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	if (!len)
		(void)snprintf(buf, size, "0");
	return buf;
}
