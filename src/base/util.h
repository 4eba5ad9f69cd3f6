#pragma once
/* Small helpers shared by the modules. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A flag bit and its name, for printing syscall arguments as the man pages name them. */
struct barco_flag_name {
	unsigned long flag;
	const char *name;
};

/* "A|B|C" for the bits of flags named in names (in table order); "0" when none. */
const char *barco_flags_str(const struct barco_flag_name *names, size_t n, unsigned long flags,
			    char *buf, size_t size);

/* CLOCK_MONOTONIC in nanoseconds: for durations. */
uint64_t barco_now_ns(void);

/* Reads until size bytes or end of file, again when a signal interrupts; -1 with errno. */
int barco_read_full(int fd, void *buf, size_t size, size_t *ret_len);

/*
 * Reads fd to its end (a pipe, a /proc file: no size known ahead) into a
 * malloc()ed, NUL-terminated *ret_buf (the caller frees it); *ret_len, if
 * given, without the NUL. -1 with errno, EFBIG when it holds more than max.
 */
int barco_read_all(int fd, size_t max, char **ret_buf, size_t *ret_len);

/*
 * From /proc/PID/stat: the state letter (R, S, Z…) and the start time
 * (clock ticks after boot), which tells a process from a later one that
 * got its pid. -1 with errno when there is no such process.
 */
int barco_proc_stat(pid_t pid, char *ret_state, unsigned long long *ret_start);

/* mkdir -p: path and its missing parents with mode (existing ones are fine); -1 with errno. */
int barco_mkdir_p(const char *path, mode_t mode);

/* waitpid(pid, ret_wstatus, 0), again when a signal interrupts it; -1 with errno. */
pid_t barco_waitpid(pid_t pid, int *ret_wstatus);
