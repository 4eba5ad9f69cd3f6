/*
 * The tracer's reader of the kernel's BTF (Documentation/bpf/btf.rst,
 * include/uapi/linux/btf.h): a header, the type section (struct btf_type
 * records, ids from 1, each followed by data whose size depends on its
 * kind), then the strings. The records cannot be indexed without reading
 * them all, so questions are answered by walking them in order, once, only
 * as far as the questions asked so far need (include/trace_btf.h).
 *
 * Why not libbpf: CO-RE relocations and tp_btf or fexit targets make libbpf
 * (1.1, Debian 12) read the whole of /sys/kernel/btf/vmlinux 4 KB at a time,
 * copy it and index its 127,000 types: 11 MB of fresh memory and 50-70 ms
 * at every `barco run --trace` on the development host (a guest where each
 * page fault is expensive; about 6 ms when the memory is already there).
 * This reader looks at the file where it lies (the kernel lets it be mapped
 * since 6.15) and keeps only the dozen numbers asked for: the offsets take
 * about 0.3 ms there, the btf_trace_cap_capable typedef 1 ms more, the
 * whole walk 2-3 ms.
 *
 * src/probe_btf.c is the probe's reader of the same format (type ids only);
 * the two could become one.
 */
#include "trace_btf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define BTF_VMLINUX  "/sys/kernel/btf/vmlinux"
#define BTF_SIZE_MAX (256u << 20)

#if defined(__x86_64__)
#define REGS_SYSCALL_NR "orig_ax"
#elif defined(__aarch64__)
#define REGS_SYSCALL_NR "syscallno"
#else
#error "barco's tracer knows where the syscall number is on x86-64 and arm64 only"
#endif

/* Named types: a tracepoint's typedef tells it exists (tp_btf attaches to it), a function fexit. */
static const struct {
	const char *name;
	unsigned int kind;
} names[] = {
	{"btf_trace_sys_enter", BTF_KIND_TYPEDEF},
	{"btf_trace_sys_exit", BTF_KIND_TYPEDEF},
	{"btf_trace_signal_generate", BTF_KIND_TYPEDEF},
	{"btf_trace_cap_capable", BTF_KIND_TYPEDEF},
	{"cap_capable", BTF_KIND_FUNC},
};

_Static_assert(ARRAY_LEN(names) <= BARCO_TRACE_BTF_NAMES_MAX, "names do not fit in ids[]");

#define AT(field) offsetof(struct barco_trace_offsets, field)

/* The fields probes/trace.bpf.c reads; member NULL: the struct's size. Every one is needed. */
static const struct {
	const char *type;
	const char *member;
	size_t at; /* where the answer goes in struct barco_trace_offsets */
} fields[] = {
	{"task_struct", "pid", AT(task_pid)},
	{"task_struct", "tgid", AT(task_tgid)},
	{"task_struct", "comm", AT(task_comm)},
	{"task_struct", "group_leader", AT(task_group_leader)},
	{"task_struct", "thread_pid", AT(task_thread_pid)},
	{"pid", "level", AT(pid_level)},
	{"pid", "numbers", AT(pid_numbers)},
	{"upid", NULL, AT(upid_size)},
	{"upid", "nr", AT(upid_nr)},
	{"user_namespace", "level", AT(userns_level)},
	{"pt_regs", REGS_SYSCALL_NR, AT(regs_syscall_nr)},
};

#define FIELDS ARRAY_LEN(fields)

_Static_assert(ARRAY_LEN(fields) <= BARCO_TRACE_BTF_FIELDS_MAX, "fields do not fit");

/* Per field: not met yet, answered, or absent from the struct of that name. */
enum field_state { FIELD_UNSEEN, FIELD_FOUND, FIELD_ABSENT };

int barco_trace_btf_open_data(struct barco_trace_btf *ret, const void *data, size_t size,
			      struct barco_err *err)
{
	struct btf_header h;

	if (!data || size < sizeof(h))
		return barco_err_set(err, EINVAL, "BTF: %zu bytes, shorter than its header", size);
	memcpy(&h, data, sizeof(h));
	if (h.magic != BTF_MAGIC)
		return barco_err_set(err, EINVAL, "BTF: magic 0x%x, not 0x%x", h.magic, BTF_MAGIC);
	if ((uint64_t)h.hdr_len + h.type_off + h.type_len > size ||
	    (uint64_t)h.hdr_len + h.str_off + h.str_len > size || h.str_len == 0)
		return barco_err_set(err, EINVAL, "BTF: sections run past the %zu bytes", size);
	if (((const char *)data)[h.hdr_len + h.str_off + h.str_len - 1] != '\0')
		return barco_err_set(err, EINVAL, "BTF: string section not NUL-terminated");
	memset(ret, 0, sizeof(*ret));
	ret->types = (const uint8_t *)data + h.hdr_len + h.type_off;
	ret->types_len = h.type_len;
	ret->strings = (const char *)data + h.hdr_len + h.str_off;
	ret->strings_len = h.str_len;
	ret->next_id = 1;
	return 0;
}

/* Bytes of the record (struct btf_type and its kind's data); 0 for a kind this reader does not
 * know. */
static size_t record_size(const struct btf_type *t)
{
	size_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
		return sizeof(*t) + sizeof(uint32_t);
	case BTF_KIND_ARRAY:
		return sizeof(*t) + sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return sizeof(*t) + vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return sizeof(*t) + vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return sizeof(*t) + vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(*t) + sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return sizeof(*t) + vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(*t) + sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return sizeof(*t) + vlen * sizeof(struct btf_enum64);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return sizeof(*t);
	default:
		return 0;
	}
}

/* The name at off, "" when out of range (the section ends with a NUL: checked). */
static const char *name_at(const struct barco_trace_btf *b, uint32_t off)
{
	return off < b->strings_len ? b->strings + off : "";
}

static void note_name(struct barco_trace_btf *b, const struct btf_type *t, uint32_t id)
{
	const char *name = name_at(b, t->name_off);

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (!b->ids[i] && BTF_INFO_KIND(t->info) == names[i].kind &&
		    strcmp(name, names[i].name) == 0)
			b->ids[i] = id;
}

/* The byte offset of member in the struct whose members follow t; -1 if absent or a bitfield. */
static long member_offset(const struct barco_trace_btf *b, const struct btf_type *t,
			  const uint8_t *members, const char *member)
{
	for (size_t i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		struct btf_member m;
		uint32_t bits;

		memcpy(&m, members + i * sizeof(m), sizeof(m));
		if (strcmp(name_at(b, m.name_off), member) != 0)
			continue;
		bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
		return bits % 8 == 0 ? (long)(bits / 8) : -1;
	}
	return -1;
}

/* The first struct of each name with members answers for that name's fields, found or not. */
static void note_struct(struct barco_trace_btf *b, const struct btf_type *t, const uint8_t *members)
{
	const char *name = name_at(b, t->name_off);

	for (size_t i = 0; i < FIELDS; i++) {
		uint32_t value;
		long off;

		if (b->field_state[i] != FIELD_UNSEEN || strcmp(name, fields[i].type) != 0)
			continue;
		off = fields[i].member ? member_offset(b, t, members, fields[i].member)
				       : (long)t->size;
		b->field_state[i] = off >= 0 ? FIELD_FOUND : FIELD_ABSENT;
		value = (uint32_t)off;
		if (off >= 0)
			memcpy((char *)&b->offsets + fields[i].at, &value, sizeof(value));
	}
}

/* The walk ends here, unfinished: later questions get -1 and this reason. */
__attribute__((format(printf, 2, 3))) static void stop(struct barco_trace_btf *b, const char *fmt,
						       ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	b->types = NULL;
}

/* One record: its answers noted, the walk past it; false at the end or at a malformed record. */
static bool step(struct barco_trace_btf *b)
{
	struct btf_type t;
	size_t rec = 0;

	if (!b->types || b->is_complete)
		return false;
	if (b->pos >= b->types_len) {
		b->is_complete = true;
		return false;
	}
	if (b->pos + sizeof(t) <= b->types_len) {
		memcpy(&t, b->types + b->pos, sizeof(t));
		rec = record_size(&t);
	}
	if (rec == 0 || b->pos + rec > b->types_len) {
		stop(b, "BTF: malformed type %u at offset %zu", b->next_id, b->pos);
		return false;
	}
	if (BTF_INFO_KIND(t.info) == BTF_KIND_STRUCT && BTF_INFO_VLEN(t.info))
		note_struct(b, &t, b->types + b->pos + sizeof(t));
	else
		note_name(b, &t, b->next_id);
	b->pos += rec;
	b->next_id++;
	return true;
}

static bool fields_done(const struct barco_trace_btf *b)
{
	for (size_t i = 0; i < FIELDS; i++)
		if (b->field_state[i] == FIELD_UNSEEN)
			return false;
	return true;
}

int barco_trace_btf_offsets(struct barco_trace_btf *btf, struct barco_trace_offsets *ret,
			    struct barco_err *err)
{
	while (!fields_done(btf) && step(btf))
		;
	for (size_t i = 0; i < FIELDS; i++) {
		if (btf->field_state[i] == FIELD_FOUND)
			continue;
		if (btf->field_state[i] == FIELD_UNSEEN && !btf->is_complete)
			return barco_err_set(err, EINVAL, "%s", btf->error);
		return barco_err_set(err, ENOENT, "BTF: this kernel has no %s%s%s", fields[i].type,
				     fields[i].member ? "." : "",
				     fields[i].member ? fields[i].member : "");
	}
	*ret = btf->offsets;
	return 0;
}

long barco_trace_btf_id(struct barco_trace_btf *btf, const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(names[i].name, name) != 0)
			continue;
		while (!btf->ids[i] && step(btf))
			;
		if (btf->ids[i] || btf->is_complete)
			return btf->ids[i];
		return -1;
	}
	return -1;
}

static int read_full(int fd, uint8_t *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

/* Kernels before 6.15 do not let the file be mapped: a copy, then. */
static int open_copy(struct barco_trace_btf *ret, int fd, size_t size, struct barco_err *err)
{
	cleanup_free uint8_t *buf = malloc(size);
	size_t len = 0;

	if (!buf)
		return barco_err_errno(err, "allocating %zu bytes for the kernel's BTF", size);
	if (read_full(fd, buf, size, &len) < 0)
		return barco_err_errno(err, "read");
	if (barco_trace_btf_open_data(ret, buf, len, err) < 0)
		return -1;
	ret->copy = steal_pointer(&buf);
	return 0;
}

static int open_mapped(struct barco_trace_btf *ret, int fd, size_t size, struct barco_err *err)
{
	void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

	if (data == MAP_FAILED)
		return open_copy(ret, fd, size, err);
	if (barco_trace_btf_open_data(ret, data, size, err) < 0) {
		(void)munmap(data, size);
		return -1;
	}
	ret->mapping = data;
	ret->mapping_size = size;
	return 0;
}

int barco_trace_btf_open(struct barco_trace_btf *ret, struct barco_err *err)
{
	cleanup_close int fd = open(BTF_VMLINUX, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return barco_err_errno(err, "open %s (the kernel's BTF: CONFIG_DEBUG_INFO_BTF)",
				       BTF_VMLINUX);
	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, "fstat %s", BTF_VMLINUX);
	/* sysfs gives this file its real size. */
	if (st.st_size <= 0 || (uint64_t)st.st_size > BTF_SIZE_MAX)
		return barco_err_set(err, EINVAL, "%s: unexpected size %lld", BTF_VMLINUX,
				     (long long)st.st_size);
	if (open_mapped(ret, fd, (size_t)st.st_size, err) < 0)
		return barco_err_wrap(err, "%s", BTF_VMLINUX);
	return 0;
}

void barco_trace_btf_close(struct barco_trace_btf *btf)
{
	if (btf->mapping)
		(void)munmap(btf->mapping, btf->mapping_size);
	free(btf->copy);
	btf->mapping = NULL;
	btf->copy = NULL;
	if (!btf->is_complete && btf->types)
		stop(btf, "%s", "the kernel's BTF was released before this question");
}
