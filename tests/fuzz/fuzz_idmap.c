/*
 * --uidmap/--gidmap: barco_parse_idmap on each line, then
 * barco_idmap_validate and barco_idmap_contains on what was accepted, as
 * barco_config_finish does. Accepted ranges must be ones the kernel takes:
 * COUNT >= 1, no wrap past 4294967294, no overlap (user_namespaces(7)).
 */
#include <stdbool.h>

#include "fuzz.h"
#include "base/parse.h"

static bool overlaps(uint64_t a, uint64_t count_a, uint64_t b, uint64_t count_b)
{
	return a < b + count_b && b < a + count_a;
}

static void check_valid(const struct barco_idmap *map, size_t len, const char *input)
{
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK(barco_idmap_contains(map, len, map[i].inside), input);
		for (size_t j = i + 1; j < len; j++) {
			FUZZ_CHECK(
				!overlaps(map[i].inside, map[i].count, map[j].inside, map[j].count),
				input);
			FUZZ_CHECK(!overlaps(map[i].outside, map[i].count, map[j].outside,
					     map[j].count),
				   input);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct barco_idmap map[BARCO_IDMAP_MAX];
	char *lines[BARCO_IDMAP_MAX];
	char *buf;
	size_t n = fuzz_split(data, size, &buf, lines, BARCO_IDMAP_MAX);
	size_t len = 0;
	struct barco_err err = {0};

	for (size_t i = 0; i < n; i++) {
		struct barco_idmap m = {0};

		if (barco_parse_idmap(lines[i], &m, &err) < 0) {
			fuzz_check_err(&err, lines[i]);
			continue;
		}
		FUZZ_CHECK(m.count >= 1, lines[i]);
		FUZZ_CHECK((uint64_t)m.inside + m.count - 1 <= UINT32_MAX - 1, lines[i]);
		FUZZ_CHECK((uint64_t)m.outside + m.count - 1 <= UINT32_MAX - 1, lines[i]);
		map[len++] = m;
	}
	if (barco_idmap_validate(map, len, "--uidmap", &err) == 0)
		check_valid(map, len, buf);
	else
		fuzz_check_err(&err, buf);
	free(buf);
	return 0;
}
