#pragma once
/*
 * What every libFuzzer target shares. barco's parsers take C strings, so
 * the fuzzer's bytes are copied into a NUL-terminated buffer of their own
 * (malloc'd to the exact size, so ASan catches a read one past the end).
 * A broken invariant is a crash (abort), which libFuzzer reports and saves
 * as an input to replay: see tests/fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a C string (it ends at its first NUL byte, as argv strings do). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline void fuzz_fail(const char *what, const char *input)
{
	fprintf(stderr, "fuzz invariant broken: %s (input '%s')\n", what, input);
	abort();
}

#define FUZZ_CHECK(cond, input)                                                                    \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(#cond, (input));                                                 \
	} while (0)

/*
 * A refusal must say something (barco prints err.msg as its one line on
 * stderr) and stay inside its buffer.
 */
static inline void fuzz_check_err(const struct barco_err *err, const char *input)
{
	size_t len = strnlen(err->msg, sizeof(err->msg));

	FUZZ_CHECK(len > 0, input);
	FUZZ_CHECK(len < sizeof(err->msg), input);
}

/* A check of one input read as a C string: FUZZ_CHECK what must hold. */
typedef void fuzz_string_check(const char *input);

static inline int fuzz_run_string_checks(const uint8_t *data, size_t size,
					 fuzz_string_check *const *checks, size_t n)
{
	char *s = fuzz_cstring(data, size);

	for (size_t i = 0; i < n; i++)
		checks[i](s);
	free(s);
	return 0;
}

/* The entry point of a target made of string checks, run in the order given. */
#define FUZZ_STRING_TARGET(...)                                                                    \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		static fuzz_string_check *const checks[] = {__VA_ARGS__};                          \
                                                                                                   \
		return fuzz_run_string_checks(data, size, checks, ARRAY_LEN(checks));              \
	}

/*
 * Splits data at NUL bytes into at most max strings (the last one
 * NUL-terminated by the copy); returns the count. *ret_buf is to be freed.
 */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **ret_buf, char **out,
				size_t max)
{
	char *buf = fuzz_cstring(data, size);
	size_t n = 0;

	for (size_t i = 0; n < max && i <= size;) {
		out[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	*ret_buf = buf;
	return n;
}
