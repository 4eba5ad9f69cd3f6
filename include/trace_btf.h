#pragma once
/*
 * What the tracer needs to know about the running kernel's types, read from
 * its BTF (/sys/kernel/btf/vmlinux): the offsets of the kernel-internal
 * fields the BPF programs read (struct barco_trace_offsets), and the ids of
 * tracepoint typedefs (btf_trace_NAME: the tracepoint exists; tp_btf
 * attaches to the id) and functions (fexit attaches to the id).
 *
 * The type section is walked once, lazily: each question walks on from
 * where the last one stopped, only as far as its answer, noting on the way
 * every other answer it passes. The fields come within the first 2% of
 * vmlinux BTF, most tracepoints within the first third.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "trace_event.h"

#define BARCO_TRACE_BTF_NAMES_MAX  8
#define BARCO_TRACE_BTF_FIELDS_MAX 16

struct barco_trace_btf {
	/* The answers so far. */
	uint32_t ids[BARCO_TRACE_BTF_NAMES_MAX]; /* by the order of the names; 0: not seen */
	struct barco_trace_offsets offsets;
	uint8_t field_state[BARCO_TRACE_BTF_FIELDS_MAX];
	/* The walk. */
	const uint8_t *types;
	size_t types_len;
	const char *strings;
	size_t strings_len;
	size_t pos;	  /* of the next record in types */
	uint32_t next_id; /* its id */
	bool is_complete; /* every record seen (or the walk stopped at a malformed one) */
	char error[256];  /* why the walk stopped early, "" if it did not */
	/* What holds the data: a mapping of the file, a copy of it, or the caller's. */
	void *mapping;
	size_t mapping_size;
	void *copy;
};

/* Starts a walk of raw BTF at data (the caller's; kept until the walk ends). Pure. */
int barco_trace_btf_open_data(struct barco_trace_btf *ret, const void *data, size_t size,
			      struct barco_err *err) __attribute__((warn_unused_result));

/* The same for /sys/kernel/btf/vmlinux, mapped where the kernel allows (6.15+), else read. */
int barco_trace_btf_open(struct barco_trace_btf *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Releases the data; the answers found so far stay. */
void barco_trace_btf_close(struct barco_trace_btf *btf);

/* Every field of struct barco_trace_offsets, or an error naming the first missing. */
int barco_trace_btf_offsets(struct barco_trace_btf *btf, struct barco_trace_offsets *ret,
			    struct barco_err *err) __attribute__((warn_unused_result));

/*
 * The BTF id of a tracepoint's typedef ("btf_trace_sys_enter") or of a
 * function ("cap_capable"); 0 when the kernel has none; -1 for a name not
 * among those looked for, or when the walk could not get that far
 * (btf->error says why).
 */
long barco_trace_btf_id(struct barco_trace_btf *btf, const char *name);
