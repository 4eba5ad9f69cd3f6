/*
 * The "compiled in" layer: the kernel's build configuration. Kernels built
 * with CONFIG_IKCONFIG_PROC expose it gzipped at /proc/config.gz
 * (Documentation/admin-guide/README: kernel/configs.c); distributions ship
 * it as /boot/config-$(uname -r). Neither is guaranteed, so every check
 * treats an unreadable config as "unknown", never as "missing".
 */
#include "probe/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "base/cleanup.h"

#define KCONFIG_GZ	      "/proc/config.gz"
#define KCONFIG_CHUNK	      65536
#define KCONFIG_MAX_BYTES     (16u << 20) /* a real config is about 250 KiB */
#define KCONFIG_OPTION_MAX    128
#define KCONFIG_NOT_SET_WORDS " is not set"

/* The line of text that starts at p, as [p, end). */
static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl : p + strlen(p);
}

static bool starts_with_option(const char *p, const char *end, const char *option, size_t len)
{
	return (size_t)(end - p) > len && strncmp(p, option, len) == 0;
}

static enum barco_kconfig_value classify(const char *value, size_t len)
{
	if (len == 1 && value[0] == 'y')
		return BARCO_KCONFIG_YES;
	if (len == 1 && value[0] == 'm')
		return BARCO_KCONFIG_MODULE;
	if (len == 1 && value[0] == 'n')
		return BARCO_KCONFIG_NO;
	return BARCO_KCONFIG_OTHER;
}

/*
 * Two forms, as scripts/kconfig writes them: "CONFIG_X=VALUE" and
 * "# CONFIG_X is not set". An option absent from the file is off: its
 * dependencies were not met, so the build did not offer it.
 */
enum barco_kconfig_value barco_kconfig_lookup(const char *text, const char *option, char *ret_value,
					      size_t size)
{
	size_t len = strlen(option);

	if (ret_value && size)
		ret_value[0] = '\0';
	if (!text)
		return BARCO_KCONFIG_UNKNOWN;
	for (const char *p = text; *p;) {
		const char *end = line_end(p);

		if (starts_with_option(p, end, option, len) && p[len] == '=') {
			const char *v = p + len + 1;

			if (ret_value && size)
				(void)snprintf(ret_value, size, "%.*s", (int)(end - v), v);
			return classify(v, (size_t)(end - v));
		}
		if (p[0] == '#' && p[1] == ' ' && starts_with_option(p + 2, end, option, len) &&
		    strncmp(p + 2 + len, KCONFIG_NOT_SET_WORDS, strlen(KCONFIG_NOT_SET_WORDS)) == 0)
			return BARCO_KCONFIG_NO;
		p = *end ? end + 1 : end;
	}
	return BARCO_KCONFIG_NO;
}

/* zlib's gzread also reads an uncompressed file as it is. */
static char *read_config(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	cleanup_free char *text = NULL;
	size_t len = 0;
	int n;

	if (!gz)
		return NULL;
	do {
		char *grown = len + KCONFIG_CHUNK + 1 <= KCONFIG_MAX_BYTES
				      ? realloc(text, len + KCONFIG_CHUNK + 1)
				      : NULL;

		if (!grown) {
			(void)gzclose(gz);
			return NULL;
		}
		text = grown;
		n = gzread(gz, text + len, KCONFIG_CHUNK);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0);
	(void)gzclose(gz);
	if (n < 0 || len == 0)
		return NULL;
	text[len] = '\0';
	return steal_pointer(&text);
}

void barco_kconfig_load(struct barco_kconfig *ret)
{
	struct utsname uts;

	memset(ret, 0, sizeof(*ret));
	ret->text = read_config(KCONFIG_GZ);
	if (ret->text) {
		(void)snprintf(ret->source, sizeof(ret->source), "%s", KCONFIG_GZ);
		return;
	}
	if (uname(&uts) < 0)
		return;
	(void)snprintf(ret->source, sizeof(ret->source), "/boot/config-%s", uts.release);
	ret->text = read_config(ret->source);
	if (!ret->text)
		ret->source[0] = '\0';
}

void barco_kconfig_free(struct barco_kconfig *kc)
{
	free(kc->text);
	kc->text = NULL;
}

static void describe(const struct barco_kconfig *kc, const char *option, enum barco_kconfig_value v,
		     const char *value, struct barco_report *ev)
{
	if (v == BARCO_KCONFIG_NO)
		barco_report_add(ev, "%s is not set (%s)", option, kc->source);
	else
		barco_report_add(ev, "%s=%s (%s)", option, value, kc->source);
}

enum barco_probe_status barco_probe_kconfig_layer(const struct barco_kconfig *kc,
						  const char *const *options,
						  struct barco_report *ev, const char **ret_missing)
{
	enum barco_probe_status status = BARCO_PROBE_PASS;

	if (ret_missing)
		*ret_missing = NULL;
	if (!kc->text) {
		barco_report_add(ev, "kernel config unreadable (no %s, no /boot/config-RELEASE)",
				 KCONFIG_GZ);
		return BARCO_PROBE_UNKNOWN;
	}
	for (size_t i = 0; options[i]; i++) {
		char value[KCONFIG_OPTION_MAX];
		enum barco_kconfig_value v =
			barco_kconfig_lookup(kc->text, options[i], value, sizeof(value));

		describe(kc, options[i], v, value, ev);
		if (v == BARCO_KCONFIG_NO && status == BARCO_PROBE_PASS) {
			status = BARCO_PROBE_FAIL;
			if (ret_missing)
				*ret_missing = options[i];
		}
	}
	return status;
}
