#include "base/json.h"

#include <string.h>

#define ESCAPE_MAX 6 /* \u00XX */

/* The escape of ch (in esc when it is made up); NULL when ch stands for itself. */
static const char *escape_char(unsigned char ch, char esc[ESCAPE_MAX + 1])
{
	switch (ch) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	default:
		break;
	}
	if (ch >= 0x20 && ch != 0x7f)
		return NULL;
	(void)snprintf(esc, ESCAPE_MAX + 1, "\\u%04x", ch);
	return esc;
}

const char *barco_json_escape(const char *s, char *buf, size_t size)
{
	size_t j = 0;

	for (; *s && j + ESCAPE_MAX < size; s++) {
		char esc[ESCAPE_MAX + 1];
		const char *e = escape_char((unsigned char)*s, esc);

		if (!e) {
			buf[j++] = *s;
			continue;
		}
		memcpy(buf + j, e, strlen(e));
		j += strlen(e);
	}
	buf[j] = '\0';
	return buf;
}

void barco_json_put(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		char esc[ESCAPE_MAX + 1];
		const char *e = escape_char((unsigned char)s[i], esc);

		if (e)
			fputs(e, out);
		else
			fputc(s[i], out);
	}
	fputc('"', out);
}
