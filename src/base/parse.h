#pragma once
/*
 * Pure parsers for command-line values. No I/O, no globals: each is unit
 * tested. On failure they fill err with a message naming the bad value.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "base/config.h"
#include "base/err.h"

/* "512", "64K", "256M", "1G" (binary units, case-insensitive). Zero and overflow are errors. */
int barco_parse_size(const char *s, uint64_t *ret_bytes, struct barco_err *err)
	__attribute__((warn_unused_result));

/* A decimal integer in [min, max]; what names the option in messages. */
int barco_parse_uint(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *ret,
		     struct barco_err *err) __attribute__((warn_unused_result));

/* "INSIDE:OUTSIDE:COUNT", COUNT >= 1, no 32-bit overflow. */
int barco_parse_idmap(const char *s, struct barco_idmap *ret_map, struct barco_err *err)
	__attribute__((warn_unused_result));

/* True when id lies inside some range of the map. */
bool barco_idmap_contains(const struct barco_idmap *map, size_t len, uint32_t id);

/* Ranges may not overlap inside or outside (the kernel refuses it too). */
int barco_idmap_validate(const struct barco_idmap *map, size_t len, const char *what,
			 struct barco_err *err) __attribute__((warn_unused_result));

/* "K=V" with a non-empty K made of [A-Za-z0-9_] not starting with a digit. */
int barco_parse_env(const char *s, struct barco_err *err) __attribute__((warn_unused_result));

/* Container name: [A-Za-z0-9][A-Za-z0-9_.-]{0,62}. */
int barco_parse_name(const char *s, struct barco_err *err) __attribute__((warn_unused_result));

/* Hostname: 1..64 chars of [A-Za-z0-9.-], not starting or ending with '-' or '.'. */
int barco_parse_hostname(const char *s, struct barco_err *err) __attribute__((warn_unused_result));

/* A random short id (12 hex digits) into buf (size >= 13). */
int barco_random_name(char *buf, size_t size, struct barco_err *err)
	__attribute__((warn_unused_result));
