/*
 * The reader of the kernel's BTF (src/base/btf.h). Raw BTF is a header, the
 * type section (struct btf_type records, ids from 1, each followed by data
 * whose size depends on its kind), then the string section, NUL-separated
 * names that the records point into (Documentation/bpf/btf.rst). It looks
 * at the file where it lies (the kernel lets it be mapped since 6.15) and
 * keeps only the numbers asked for; src/trace/trace_btf.c says why not libbpf.
 */
#include "base/btf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"

#define BTF_SIZE_MAX	  (256u << 20)
#define BTF_MAGIC_SWAPPED 0x9FEB

/* Per field: not met yet, answered, or absent from the struct of that name. */
enum field_state { FIELD_UNSEEN, FIELD_FOUND, FIELD_ABSENT };

/* A section of the data: within it, or an error naming it. */
static int check_section(const char *what, uint32_t hdr_len, uint32_t off, uint32_t len,
			 size_t size, struct barco_err *err)
{
	uint64_t start = (uint64_t)hdr_len + off;

	if (start + len > size)
		return barco_err_set(
			err, 0, "BTF: the %s section (%u bytes at %llu) runs past the %zu bytes",
			what, len, (unsigned long long)start, size);
	return 0;
}

static int check_header(const void *data, size_t size, struct btf_header *ret,
			struct barco_err *err)
{
	struct btf_header h;
	const char *strings;

	if (!data || size < sizeof(h))
		return barco_err_set(err, 0, "BTF: %zu bytes, shorter than its header", size);
	memcpy(&h, data, sizeof(h));
	if (h.magic == BTF_MAGIC_SWAPPED)
		return barco_err_set(err, 0, "BTF: in the other byte order (magic 0x%x)", h.magic);
	if (h.magic != BTF_MAGIC)
		return barco_err_set(err, 0, "BTF: magic 0x%x, not 0x%x", h.magic, BTF_MAGIC);
	if (h.version != BTF_VERSION)
		return barco_err_set(err, 0, "BTF: version %u, not %u", h.version, BTF_VERSION);
	if (h.hdr_len < sizeof(h) || h.hdr_len > size)
		return barco_err_set(err, 0, "BTF: header length %u, not between %zu and %zu",
				     h.hdr_len, sizeof(h), size);
	if (check_section("type", h.hdr_len, h.type_off, h.type_len, size, err) < 0 ||
	    check_section("string", h.hdr_len, h.str_off, h.str_len, size, err) < 0)
		return -1;
	strings = (const char *)data + h.hdr_len + h.str_off;
	/* Name offset 0 is the empty name (anonymous types); the last name ends in the section. */
	if (h.str_len == 0 || strings[0] != '\0')
		return barco_err_set(err, 0, "BTF: the string section does not start with a NUL");
	if (strings[h.str_len - 1] != '\0')
		return barco_err_set(err, 0, "BTF: the string section does not end with a NUL");
	*ret = h;
	return 0;
}

static int check_questions(const struct barco_btf_questions *q, struct barco_err *err)
{
	if (q->n_names > BARCO_BTF_NAMES_MAX || q->n_fields > BARCO_BTF_FIELDS_MAX)
		return barco_err_set(
			err, EINVAL, "BTF: %zu names and %zu fields asked, at most %d and %d",
			q->n_names, q->n_fields, BARCO_BTF_NAMES_MAX, BARCO_BTF_FIELDS_MAX);
	return 0;
}

int barco_btf_open_data(struct barco_btf *ret, const void *data, size_t size,
			const struct barco_btf_questions *q, struct barco_err *err)
{
	struct btf_header h = {0};

	if (check_questions(q, err) < 0 || check_header(data, size, &h, err) < 0)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->q = *q;
	ret->names_left = q->n_names;
	ret->fields_left = q->n_fields;
	ret->size = size;
	ret->types = (const uint8_t *)data + h.hdr_len + h.type_off;
	ret->types_len = h.type_len;
	ret->strings = (const char *)data + h.hdr_len + h.str_off;
	ret->strings_len = h.str_len;
	ret->next_id = 1;
	return 0;
}

/* Bytes of the record: struct btf_type and its kind's data; 0 for a kind unknown here. */
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

/* The name at off; NULL when off is outside the section (which ends with a NUL: checked). */
static const char *name_at(const struct barco_btf *b, uint32_t off)
{
	return off < b->strings_len ? b->strings + off : NULL;
}

static void note_name(struct barco_btf *b, unsigned int kind, const char *name, uint32_t id)
{
	for (size_t i = 0; i < b->q.n_names; i++) {
		if (b->ids[i] || kind != b->q.names[i].kind ||
		    strcmp(name, b->q.names[i].name) != 0)
			continue;
		b->ids[i] = id;
		b->names_left--;
	}
}

/*
 * The byte offset of member in the struct whose members follow t: 1 found,
 * 0 absent or a bitfield (no byte to read at), -1 a member's name outside
 * the string section.
 */
static int member_offset(const struct barco_btf *b, const struct btf_type *t,
			 const uint8_t *members, const char *member, uint32_t *ret)
{
	for (size_t i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		const char *name;
		struct btf_member m;
		uint32_t bits;

		memcpy(&m, members + i * sizeof(m), sizeof(m));
		name = name_at(b, m.name_off);
		if (!name)
			return -1;
		if (strcmp(name, member) != 0)
			continue;
		bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
		*ret = bits / 8;
		return bits % 8 == 0;
	}
	return 0;
}

/* The first struct of each name with members answers for that name's fields, found or not. */
static int note_struct(struct barco_btf *b, const struct btf_type *t, const char *name,
		       const uint8_t *members)
{
	for (size_t i = 0; i < b->q.n_fields; i++) {
		const struct barco_btf_field *f = &b->q.fields[i];
		uint32_t value = t->size;
		int found = 1;

		if (b->field_state[i] != FIELD_UNSEEN || strcmp(name, f->type) != 0)
			continue;
		if (f->member)
			found = member_offset(b, t, members, f->member, &value);
		if (found < 0)
			return -1;
		b->field_state[i] = found ? FIELD_FOUND : FIELD_ABSENT;
		b->field_values[i] = found ? value : 0;
		b->fields_left--;
	}
	return 0;
}

/* The walk ends here, unfinished: later questions get -1 and this reason. */
__attribute__((format(printf, 2, 3))) static void stop(struct barco_btf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	b->types = NULL;
}

/* The record at the walk's position, checked: its size, or 0 with the walk stopped. */
static size_t next_record(struct barco_btf *b, struct btf_type *ret, const char **ret_name)
{
	size_t left = b->types_len - b->pos;
	size_t rec;

	if (left < sizeof(*ret)) {
		stop(b, "BTF: malformed type %u at offset %zu: %zu bytes left, a type needs %zu",
		     b->next_id, b->pos, left, sizeof(*ret));
		return 0;
	}
	memcpy(ret, b->types + b->pos, sizeof(*ret));
	rec = record_size(ret);
	if (rec == 0) {
		stop(b, "BTF: malformed type %u at offset %zu: unknown kind %u", b->next_id, b->pos,
		     BTF_INFO_KIND(ret->info));
		return 0;
	}
	if (rec > left) {
		stop(b, "BTF: malformed type %u at offset %zu: %zu bytes, %zu left", b->next_id,
		     b->pos, rec, left);
		return 0;
	}
	*ret_name = name_at(b, ret->name_off);
	if (!*ret_name) {
		stop(b, "BTF: malformed type %u at offset %zu: name offset %u past the strings",
		     b->next_id, b->pos, ret->name_off);
		return 0;
	}
	return rec;
}

/* One record: its answers noted, the walk past it; false at the end or at a malformed record. */
static bool step(struct barco_btf *b)
{
	const char *name = NULL;
	struct btf_type t;
	size_t rec;

	if (!b->types || b->is_complete)
		return false;
	if (b->pos >= b->types_len) {
		b->is_complete = true;
		return false;
	}
	rec = next_record(b, &t, &name);
	if (rec == 0)
		return false;
	if (b->fields_left && BTF_INFO_KIND(t.info) == BTF_KIND_STRUCT && BTF_INFO_VLEN(t.info) &&
	    note_struct(b, &t, name, b->types + b->pos + sizeof(t)) < 0) {
		stop(b, "BTF: malformed type %u at offset %zu: a member's name past the strings",
		     b->next_id, b->pos);
		return false;
	}
	if (b->names_left)
		note_name(b, BTF_INFO_KIND(t.info), name, b->next_id);
	b->pos += rec;
	b->next_id++;
	return true;
}

long barco_btf_id(struct barco_btf *btf, const char *name, unsigned int kind)
{
	for (size_t i = 0; i < btf->q.n_names; i++) {
		if (btf->q.names[i].kind != kind || strcmp(btf->q.names[i].name, name) != 0)
			continue;
		while (!btf->ids[i] && step(btf))
			;
		if (btf->ids[i] || btf->is_complete)
			return btf->ids[i];
		return -1;
	}
	return -1;
}

int barco_btf_fields(struct barco_btf *btf, void *ret, struct barco_err *err)
{
	while (btf->fields_left && step(btf))
		;
	for (size_t i = 0; i < btf->q.n_fields; i++) {
		const struct barco_btf_field *f = &btf->q.fields[i];

		if (btf->field_state[i] == FIELD_FOUND)
			continue;
		if (btf->field_state[i] == FIELD_UNSEEN && !btf->is_complete)
			return barco_err_set(err, 0, "%s", btf->error);
		return barco_err_set(err, ENOENT, "BTF: this kernel has no %s%s%s", f->type,
				     f->member ? "." : "", f->member ? f->member : "");
	}
	for (size_t i = 0; i < btf->q.n_fields; i++)
		memcpy((char *)ret + btf->q.fields[i].at, &btf->field_values[i], sizeof(uint32_t));
	return 0;
}

int barco_btf_count(struct barco_btf *btf, uint32_t *ret_count, struct barco_err *err)
{
	while (step(btf))
		;
	if (!btf->is_complete)
		return barco_err_set(err, 0, "%s", btf->error);
	*ret_count = btf->next_id - 1;
	return 0;
}

/* ---- /sys/kernel/btf/vmlinux -------------------------------------------------------- */

/* Kernels before 6.15 do not let the file be mapped: a copy, then. */
static int open_copy(struct barco_btf *ret, int fd, size_t size,
		     const struct barco_btf_questions *q, struct barco_err *err)
{
	cleanup_free uint8_t *buf = malloc(size);
	size_t len = 0;

	if (!buf)
		return barco_err_errno(err, "allocating %zu bytes for the kernel's BTF", size);
	if (barco_read_full(fd, buf, size, &len) < 0)
		return barco_err_errno(err, "read");
	if (barco_btf_open_data(ret, buf, len, q, err) < 0)
		return -1;
	ret->copy = steal_pointer(&buf);
	return 0;
}

static int open_mapped(struct barco_btf *ret, int fd, size_t size,
		       const struct barco_btf_questions *q, struct barco_err *err)
{
	void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

	if (data == MAP_FAILED)
		return open_copy(ret, fd, size, q, err);
	if (barco_btf_open_data(ret, data, size, q, err) < 0) {
		(void)munmap(data, size);
		return -1;
	}
	ret->mapping = data;
	ret->mapping_size = size;
	return 0;
}

int barco_btf_open(struct barco_btf *ret, const struct barco_btf_questions *q,
		   struct barco_err *err)
{
	cleanup_close int fd = open(BARCO_BTF_VMLINUX, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return barco_err_errno(err, "open %s (the kernel's BTF: CONFIG_DEBUG_INFO_BTF)",
				       BARCO_BTF_VMLINUX);
	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, "fstat %s", BARCO_BTF_VMLINUX);
	/* sysfs gives this file its real size. */
	if (st.st_size <= 0 || (uint64_t)st.st_size > BTF_SIZE_MAX)
		return barco_err_set(err, 0, "%s: unexpected size %lld", BARCO_BTF_VMLINUX,
				     (long long)st.st_size);
	if (open_mapped(ret, fd, (size_t)st.st_size, q, err) < 0)
		return barco_err_wrap(err, "%s", BARCO_BTF_VMLINUX);
	return 0;
}

void barco_btf_close(struct barco_btf *btf)
{
	if (btf->mapping)
		(void)munmap(btf->mapping, btf->mapping_size);
	free(btf->copy);
	btf->mapping = NULL;
	btf->copy = NULL;
	if (!btf->is_complete && btf->types)
		stop(btf, "%s", "the kernel's BTF was released before this question");
}
