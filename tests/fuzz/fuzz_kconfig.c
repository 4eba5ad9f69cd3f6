/*
 * The kernel config (/proc/config.gz, /boot/config-*): barco_kconfig_lookup
 * and the probes' "compiled in" layer. The first line of the input is the
 * option looked up, the rest is the config text.
 */
#include "fuzz.h"
#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	char *text = strchr(s, '\n');
	char value[64];
	enum barco_kconfig_value v;

	if (text)
		*text++ = '\0';
	else
		text = s + strlen(s);
	memset(value, 0x5a, sizeof(value));
	v = barco_kconfig_lookup(text, s, value, sizeof(value));
	FUZZ_CHECK(v >= BARCO_KCONFIG_UNKNOWN && v <= BARCO_KCONFIG_NO, s);
	FUZZ_CHECK(strnlen(value, sizeof(value)) < sizeof(value), s);
	if (s[0]) {
		const char *options[] = {s, NULL};
		struct barco_kconfig kc = {.text = text};
		struct barco_report ev;
		const char *missing = NULL;

		barco_report_clear(&ev);
		(void)barco_probe_kconfig_layer(&kc, options, &ev, &missing);
		FUZZ_CHECK(ev.len < sizeof(ev.text), s);
	}
	free(s);
	return 0;
}
