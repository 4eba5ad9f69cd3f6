#include "base/parse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* strtoull accepts leading spaces and a sign; barco does not. */
static int parse_decimal(const char *s, uint64_t *ret, const char **ret_end)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	*ret = v;
	*ret_end = end;
	return 0;
}

int barco_parse_uint(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *ret,
		     struct barco_err *err)
{
	const char *end;
	uint64_t v;

	if (parse_decimal(s, &v, &end) < 0 || *end != '\0')
		return barco_err_set(err, 0, "invalid %s '%s': expected a whole number", what, s);
	if (v < min || v > max)
		return barco_err_set(err, 0,
				     "invalid %s '%s': must be between %" PRIu64 " and %" PRIu64,
				     what, s, min, max);
	*ret = v;
	return 0;
}

static int size_shift(char suffix, unsigned int *ret_shift)
{
	switch (tolower((unsigned char)suffix)) {
	case '\0':
		*ret_shift = 0;
		return 0;
	case 'k':
		*ret_shift = 10;
		return 0;
	case 'm':
		*ret_shift = 20;
		return 0;
	case 'g':
		*ret_shift = 30;
		return 0;
	default:
		return -1;
	}
}

int barco_parse_size(const char *s, uint64_t *ret_bytes, struct barco_err *err)
{
	const char *end;
	unsigned int shift;
	uint64_t v;

	if (parse_decimal(s, &v, &end) < 0 || size_shift(end[0], &shift) < 0 ||
	    (end[0] && end[1] && !(tolower((unsigned char)end[1]) == 'b' && !end[2])))
		return barco_err_set(err, 0,
				     "invalid size '%s': expected a number with an optional K, M "
				     "or G suffix, e.g. 256M",
				     s);
	if (v == 0)
		return barco_err_set(err, 0, "invalid size '%s': must be greater than zero", s);
	if (v > (UINT64_MAX >> shift) || (v << shift) > (uint64_t)INT64_MAX)
		return barco_err_set(err, 0, "invalid size '%s': too large", s);
	*ret_bytes = v << shift;
	return 0;
}

int barco_parse_idmap(const char *s, struct barco_idmap *ret_map, struct barco_err *err)
{
	uint64_t v[3];
	const char *p = s;

	for (int i = 0; i < 3; i++) {
		const char *end;

		if (parse_decimal(p, &v[i], &end) < 0 || v[i] > UINT32_MAX ||
		    *end != (i < 2 ? ':' : '\0'))
			return barco_err_set(err, 0,
					     "invalid id map '%s': expected INSIDE:OUTSIDE:COUNT, "
					     "e.g. 0:100000:65536",
					     s);
		p = end + 1;
	}
	if (v[2] == 0)
		return barco_err_set(err, 0, "invalid id map '%s': COUNT must be at least 1", s);
	if (v[0] + v[2] - 1 > UINT32_MAX - 1 || v[1] + v[2] - 1 > UINT32_MAX - 1)
		return barco_err_set(err, 0, "invalid id map '%s': range passes 4294967294", s);
	ret_map->inside = (uint32_t)v[0];
	ret_map->outside = (uint32_t)v[1];
	ret_map->count = (uint32_t)v[2];
	return 0;
}

bool barco_idmap_contains(const struct barco_idmap *map, size_t len, uint32_t id)
{
	for (size_t i = 0; i < len; i++)
		if (id >= map[i].inside && (uint64_t)id < (uint64_t)map[i].inside + map[i].count)
			return true;
	return false;
}

static bool ranges_overlap(uint32_t a, uint32_t b, uint32_t count_a, uint32_t count_b)
{
	return (uint64_t)a < (uint64_t)b + count_b && (uint64_t)b < (uint64_t)a + count_a;
}

int barco_idmap_validate(const struct barco_idmap *map, size_t len, const char *what,
			 struct barco_err *err)
{
	for (size_t i = 0; i < len; i++)
		for (size_t j = i + 1; j < len; j++)
			if (ranges_overlap(map[i].inside, map[j].inside, map[i].count,
					   map[j].count) ||
			    ranges_overlap(map[i].outside, map[j].outside, map[i].count,
					   map[j].count))
				return barco_err_set(err, 0,
						     "invalid %s: ranges %u:%u:%u and %u:%u:%u "
						     "overlap",
						     what, map[i].inside, map[i].outside,
						     map[i].count, map[j].inside, map[j].outside,
						     map[j].count);
	return 0;
}

int barco_parse_env(const char *s, struct barco_err *err)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || isdigit((unsigned char)s[0]))
		return barco_err_set(err, 0,
				     "invalid environment variable '%s': expected KEY=VALUE", s);
	for (const char *p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return barco_err_set(err, 0,
					     "invalid environment variable '%s': the name may hold "
					     "only letters, digits and '_'",
					     s);
	return 0;
}

int barco_parse_name(const char *s, struct barco_err *err)
{
	size_t len = strlen(s);

	if (len == 0 || len > BARCO_NAME_MAX || !isalnum((unsigned char)s[0]))
		goto bad;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			goto bad;
	return 0;
bad:
	return barco_err_set(err, 0,
			     "invalid name '%s': use 1 to %d letters, digits, '_', '.' or '-', "
			     "starting with a letter or digit",
			     s, BARCO_NAME_MAX);
}

int barco_parse_hostname(const char *s, struct barco_err *err)
{
	size_t len = strlen(s);

	if (len == 0 || len > BARCO_HOSTNAME_MAX || strchr("-.", s[0]) || strchr("-.", s[len - 1]))
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			goto bad;
	return 0;
bad:
	return barco_err_set(err, 0,
			     "invalid hostname '%s': use 1 to %d letters, digits, '-' or '.', not "
			     "starting or ending with '-' or '.'",
			     s, BARCO_HOSTNAME_MAX);
}

int barco_random_name(char *buf, size_t size, struct barco_err *err)
{
	unsigned char bytes[6];

	if (size < 2 * sizeof(bytes) + 1)
		return barco_err_set(err, EINVAL, "random name: buffer too small");
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return barco_err_errno(err, "getrandom");
	for (size_t i = 0; i < sizeof(bytes); i++)
		(void)snprintf(buf + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}
