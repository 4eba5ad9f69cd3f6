#pragma once
/*
 * barco's reader of the kernel's BTF (/sys/kernel/btf/vmlinux; the format:
 * Documentation/bpf/btf.rst, include/uapi/linux/btf.h). Its two users ask
 * different questions of the same walk: `barco probe` the type ids that
 * tp_btf and fexit programs name, and the number of types (src/probe/probe_bpf.c);
 * `barco run --trace` the offsets of the kernel-internal fields its programs
 * read and whether a tracepoint exists (src/trace/trace_btf.c, src/trace/trace_attach.c).
 *
 * The questions come first, at open: the type records cannot be indexed
 * without reading them all, so they are walked in order, once, lazily:
 * each answer asked for walks on from where the last one stopped, only as
 * far as it needs, noting on the way every other answer it passes.
 *
 * Nothing in the data is trusted: every length and offset is checked
 * against the bytes there are before it is followed, and a record that
 * does not fit, a kind this reader does not know or a name outside the
 * string section stops the walk with a message that says where.
 */
#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define BARCO_BTF_VMLINUX    "/sys/kernel/btf/vmlinux"
#define BARCO_BTF_NAMES_MAX  8
#define BARCO_BTF_FIELDS_MAX 16

/* A named type to find the id of: btf_trace_NAME (BTF_KIND_TYPEDEF), a function (BTF_KIND_FUNC). */
struct barco_btf_name {
	const char *name;
	unsigned int kind; /* BTF_KIND_* */
};

/*
 * A member's byte offset in a struct, or with member NULL the struct's
 * size. The first struct of that name that has members answers.
 */
struct barco_btf_field {
	const char *type;
	const char *member;
	size_t at; /* where the answer (a uint32_t) goes in the caller's struct (offsetof) */
};

/* What to look for: the caller's tables, which must outlive the reader. */
struct barco_btf_questions {
	const struct barco_btf_name *names;
	size_t n_names;
	const struct barco_btf_field *fields;
	size_t n_fields;
};

struct barco_btf {
	struct barco_btf_questions q;
	/* The answers so far, by the order of the questions. */
	uint32_t ids[BARCO_BTF_NAMES_MAX]; /* 0: not seen (yet) */
	uint32_t field_values[BARCO_BTF_FIELDS_MAX];
	uint8_t field_state[BARCO_BTF_FIELDS_MAX];
	size_t names_left; /* questions not answered yet */
	size_t fields_left;
	/* The walk. */
	size_t size; /* bytes of BTF */
	const uint8_t *types;
	size_t types_len;
	const char *strings;
	size_t strings_len;
	size_t pos;	  /* of the next record in types */
	uint32_t next_id; /* its id */
	bool is_complete; /* every record seen */
	char error[256];  /* why the walk stopped early, "" if it did not */
	/* What holds the data: a mapping of the file, a copy of it, or the caller's. */
	void *mapping;
	size_t mapping_size;
	void *copy;
};

/*
 * Checks the header of raw BTF at data (the caller's, kept until the reader
 * is closed) and starts a walk for the questions q. Pure. ret is untouched
 * on failure, which says what is wrong (errnum 0: not a syscall's failure).
 */
int barco_btf_open_data(struct barco_btf *ret, const void *data, size_t size,
			const struct barco_btf_questions *q, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * The same for /sys/kernel/btf/vmlinux, mapped where the kernel allows
 * (6.15+), else read. A failure to open or read it has an errnum; BTF that
 * is not valid has none.
 */
int barco_btf_open(struct barco_btf *ret, const struct barco_btf_questions *q,
		   struct barco_err *err) __attribute__((warn_unused_result));

/* Releases the data; the answers found so far stay. */
void barco_btf_close(struct barco_btf *btf);

/*
 * The id of the type name of kind among the questions: 0 when the BTF has
 * none; -1 for a name not asked about, or when the walk could not get that
 * far (btf->error says why).
 */
long barco_btf_id(struct barco_btf *btf, const char *name, unsigned int kind);

/*
 * Every field asked about, each at its `at` in ret (as systemd's
 * configuration tables place values with offsetof), or an error naming
 * the first missing (ENOENT) or why the walk stopped; ret untouched then.
 */
int barco_btf_fields(struct barco_btf *btf, void *ret, struct barco_err *err)
	__attribute__((warn_unused_result));

/* Walks to the end: the number of types, or why the walk stopped. */
int barco_btf_count(struct barco_btf *btf, uint32_t *ret_count, struct barco_err *err)
	__attribute__((warn_unused_result));
