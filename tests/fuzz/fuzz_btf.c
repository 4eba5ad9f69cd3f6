/*
 * Raw BTF as /sys/kernel/btf/vmlinux holds it (Documentation/bpf/btf.rst),
 * read by the bpf probes: barco_btf_lookup on any bytes, including headers
 * whose offsets and lengths point outside the data and records whose
 * lengths run past the type section.
 */
#include "fuzz.h"
#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan catches any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	struct barco_btf_query queries[] = {
		{.name = "task_struct", .kind = BARCO_BTF_KIND_TYPEDEF},
		{.name = "cap_capable", .kind = BARCO_BTF_KIND_FUNC},
		{.name = "", .kind = BARCO_BTF_KIND_FUNC},
	};
	size_t n = sizeof(queries) / sizeof(queries[0]);
	struct barco_err err = {0};
	uint32_t count = 0;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (barco_btf_lookup(copy, size, queries, n, &count, &err) == 0) {
		/* Every type record is at least 12 bytes: ids found lie within the count. */
		FUZZ_CHECK(count <= size / 12, "(btf)");
		for (size_t q = 0; q < n; q++)
			FUZZ_CHECK(queries[q].id <= count, "(btf)");
	} else {
		fuzz_check_err(&err, "(btf)");
	}
	free(copy);
	return 0;
}
