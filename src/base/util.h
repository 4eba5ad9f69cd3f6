#pragma once
/* Small helpers shared by the modules. */
#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A flag bit and its name, for printing syscall arguments as the man pages name them. */
struct barco_flag_name {
	unsigned long flag;
	const char *name;
};

/* "A|B|C" for the bits of flags named in names (in table order); "0" when none. */
const char *barco_flags_str(const struct barco_flag_name *names, size_t n, unsigned long flags,
			    char *buf, size_t size);
