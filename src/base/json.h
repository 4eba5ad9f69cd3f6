#pragma once
/*
 * JSON strings (RFC 8259 section 7), one rule for every JSON barco writes
 * (state.json, `ps --json`, `probe --json`, `verify --json`, the trace):
 * quotes and backslashes escaped, \n and \t by name, every other control
 * character and DEL as \u00XX. Everything else, UTF-8 included, as is.
 */
#include <stddef.h>
#include <stdio.h>

/* Escapes s as a JSON string body (no quotes) into buf; truncates at a whole character. */
const char *barco_json_escape(const char *s, char *buf, size_t size);

/* Writes the len bytes at s to out as a JSON string, quotes included. */
void barco_json_put(FILE *out, const char *s, size_t len);
