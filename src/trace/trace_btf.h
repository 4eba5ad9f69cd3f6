#pragma once
/*
 * What the tracer asks of the kernel's BTF (the reader: src/base/btf.h):
 * the offsets of the kernel-internal fields the BPF programs read (struct
 * barco_trace_offsets), and the ids of tracepoint typedefs (btf_trace_NAME:
 * the tracepoint exists; tp_btf attaches to the id) and of functions (fexit
 * attaches to the id), which src/trace/trace_attach.c asks with barco_btf_id().
 * The fields come within the first 2% of vmlinux BTF, most tracepoints
 * within the first third: the reader walks only that far.
 */
#include <stddef.h>

#include "base/btf.h"
#include "base/err.h"
#include "trace/trace_event.h"

/* The kernel's BTF, open with the tracer's questions. */
struct barco_trace_btf {
	struct barco_btf reader;
};

/* Starts a walk of raw BTF at data (the caller's; kept until the walk ends). Pure. */
int barco_trace_btf_open_data(struct barco_trace_btf *ret, const void *data, size_t size,
			      struct barco_err *err) __attribute__((warn_unused_result));

/* The same for /sys/kernel/btf/vmlinux. */
int barco_trace_btf_open(struct barco_trace_btf *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Every field of struct barco_trace_offsets, or an error naming the first missing. */
int barco_trace_btf_offsets(struct barco_trace_btf *btf, struct barco_trace_offsets *ret,
			    struct barco_err *err) __attribute__((warn_unused_result));
