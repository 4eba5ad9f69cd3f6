/*
 * --cap-add/--cap-drop: barco_cap_from_name. An accepted name is ALL (-2)
 * or a capability number whose canonical name parses back to it.
 */
#include "stages/caps.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	struct barco_err err = {0};
	int cap = -1;

	if (barco_cap_from_name(s, &cap, &err) == 0) {
		int again = -1;

		FUZZ_CHECK(cap == -2 || (cap >= 0 && cap <= 63), s);
		if (cap >= 0) {
			FUZZ_CHECK(barco_cap_from_name(barco_cap_name(cap), &again, &err) == 0, s);
			FUZZ_CHECK(again == cap, s);
		}
	} else {
		fuzz_check_err(&err, s);
	}
	free(s);
	return 0;
}
