/*
 * The reader of kernel BTF (src/base/btf.c) on made-up BTF blobs: ids, counts
 * and fields, how far the walk goes, every way the data can be malformed,
 * and the questions the tracer asks of it (src/trace/trace_btf.c). Each
 * malformed blob is opened from a buffer of its exact size, so that the
 * ASan build of the unit tests catches a read past the end.
 */
#include <errno.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/btf.h"
#include "trace/trace_btf.h"
#include "suites.h"
#include "base/util.h"

/* Raw BTF built type by type: header, type section, string section. */
struct btf_blob {
	uint32_t types[512];
	size_t n_types; /* words */
	char strings[1024];
	size_t strings_len;
	uint32_t next_id;
	uint8_t raw[sizeof(struct btf_header) + 512 * 4 + 1024];
};

#define HDR sizeof(struct btf_header)

static void blob_init(struct btf_blob *b)
{
	memset(b, 0, sizeof(*b));
	b->strings_len = 1; /* offset 0: the empty name */
	b->next_id = 1;
}

static uint32_t blob_str(struct btf_blob *b, const char *s)
{
	uint32_t off = (uint32_t)b->strings_len;

	memcpy(b->strings + off, s, strlen(s) + 1);
	b->strings_len += strlen(s) + 1;
	return off;
}

static void blob_words(struct btf_blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b->types[b->n_types++] = 0;
}

static uint32_t blob_type(struct btf_blob *b, const char *name, unsigned int kind, uint32_t vlen,
			  uint32_t size_or_type, bool kflag)
{
	b->types[b->n_types++] = name ? blob_str(b, name) : 0;
	b->types[b->n_types++] = ((uint32_t)kflag << 31) | (kind << 24) | vlen;
	b->types[b->n_types++] = size_or_type;
	return b->next_id++;
}

struct member {
	const char *name;
	uint32_t bit_offset;
};

/* A struct whose members are all of type 1: the reader reads names and offsets. */
static uint32_t blob_struct(struct btf_blob *b, const char *name, uint32_t size,
			    const struct member *m, size_t n, bool kflag)
{
	uint32_t id = blob_type(b, name, BTF_KIND_STRUCT, (uint32_t)n, size, kflag);

	for (size_t i = 0; i < n; i++) {
		b->types[b->n_types++] = blob_str(b, m[i].name);
		b->types[b->n_types++] = 1;
		b->types[b->n_types++] = m[i].bit_offset;
	}
	return id;
}

static size_t blob_finish(struct btf_blob *b)
{
	struct btf_header h = {.magic = BTF_MAGIC,
			       .version = BTF_VERSION,
			       .hdr_len = sizeof(h),
			       .type_off = 0,
			       .type_len = (uint32_t)(b->n_types * 4),
			       .str_off = (uint32_t)(b->n_types * 4),
			       .str_len = (uint32_t)b->strings_len};

	memcpy(b->raw, &h, sizeof(h));
	memcpy(b->raw + sizeof(h), b->types, b->n_types * 4);
	memcpy(b->raw + sizeof(h) + b->n_types * 4, b->strings, b->strings_len);
	return sizeof(h) + b->n_types * 4 + b->strings_len;
}

/* [1] INT "int"; [2] STRUCT "s" {a; b}; [3] TYPEDEF "btf_trace_x"; [4] FUNC "f". */
static size_t blob_small(struct btf_blob *b)
{
	const struct member s[] = {{"a", 0}, {"b", 32}};

	blob_init(b);
	(void)blob_type(b, "int", BTF_KIND_INT, 0, 4, false);
	blob_words(b, 1);
	(void)blob_struct(b, "s", 8, s, ARRAY_LEN(s), false);
	(void)blob_type(b, "btf_trace_x", BTF_KIND_TYPEDEF, 0, 1, false);
	(void)blob_type(b, "f", BTF_KIND_FUNC, 0, 1, false);
	return blob_finish(b);
}

static const struct barco_btf_name small_names[] = {
	{"btf_trace_x", BTF_KIND_TYPEDEF},
	{"f", BTF_KIND_FUNC},
	{"missing", BTF_KIND_FUNC},
};
static const struct barco_btf_field small_fields[] = {{"s", "b", 0}, {"s", NULL, sizeof(uint32_t)}};
static const struct barco_btf_questions small_q = {small_names, ARRAY_LEN(small_names),
						   small_fields, ARRAY_LEN(small_fields)};

/* ---- answers --------------------------------------------------------------------- */

/* One type of every kind, with the data its size depends on (btf.rst "Type Encoding"). */
static size_t blob_every_kind(struct btf_blob *b)
{
	const struct member members[] = {{"a", 0}};

	blob_init(b);
	(void)blob_type(b, "int", BTF_KIND_INT, 0, 4, false);
	blob_words(b, 1);
	(void)blob_type(b, NULL, BTF_KIND_PTR, 0, 1, false);
	(void)blob_type(b, NULL, BTF_KIND_ARRAY, 0, 0, false);
	blob_words(b, 3);
	(void)blob_type(b, "u", BTF_KIND_UNION, 2, 4, false);
	blob_words(b, 2 * 3);
	(void)blob_struct(b, "s", 4, members, ARRAY_LEN(members), false);
	(void)blob_type(b, "e", BTF_KIND_ENUM, 3, 4, false);
	blob_words(b, 3 * 2);
	(void)blob_type(b, "fw", BTF_KIND_FWD, 0, 0, false);
	(void)blob_type(b, "btf_trace_x", BTF_KIND_TYPEDEF, 0, 1, false); /* [8] */
	(void)blob_type(b, NULL, BTF_KIND_VOLATILE, 0, 1, false);
	(void)blob_type(b, NULL, BTF_KIND_CONST, 0, 1, false);
	(void)blob_type(b, NULL, BTF_KIND_RESTRICT, 0, 1, false);
	(void)blob_type(b, NULL, BTF_KIND_FUNC_PROTO, 2, 1, false);
	blob_words(b, 2 * 2);
	(void)blob_type(b, "f", BTF_KIND_FUNC, 0, 12, false); /* [13] */
	(void)blob_type(b, "v", BTF_KIND_VAR, 0, 1, false);   /* [14] */
	blob_words(b, 1);
	(void)blob_type(b, ".data", BTF_KIND_DATASEC, 1, 4, false);
	blob_words(b, 3);
	(void)blob_type(b, "float", BTF_KIND_FLOAT, 0, 8, false);
	(void)blob_type(b, "tag", BTF_KIND_DECL_TAG, 0, 12, false);
	blob_words(b, 1);
	(void)blob_type(b, "tt", BTF_KIND_TYPE_TAG, 0, 1, false);
	(void)blob_type(b, "e64", BTF_KIND_ENUM64, 1, 8, false); /* [19] */
	blob_words(b, 3);
	(void)blob_type(b, "f", BTF_KIND_TYPEDEF, 0, 1, false); /* [20] */
	return blob_finish(b);
}

static void test_btf_every_kind_and_count(void)
{
	static const struct barco_btf_name names[] = {
		{"btf_trace_x", BTF_KIND_TYPEDEF},
		{"f", BTF_KIND_FUNC},
		{"f", BTF_KIND_TYPEDEF},
		{"btf_trace", BTF_KIND_TYPEDEF}, /* a prefix */
		{"u", BTF_KIND_UNION},
		{"s", BTF_KIND_STRUCT},
		{"v", BTF_KIND_VAR},
		{"e64", BTF_KIND_ENUM64},
	};
	const struct barco_btf_questions q = {names, ARRAY_LEN(names), NULL, 0};
	static struct btf_blob b;
	struct barco_err err = {0};
	struct barco_btf btf;
	uint32_t count = 0;
	size_t size = blob_every_kind(&b);

	CU_ASSERT_EQUAL_FATAL(barco_btf_open_data(&btf, b.raw, size, &q, &err), 0);
	CU_ASSERT_EQUAL(btf.size, size);
	CU_ASSERT_EQUAL_FATAL(barco_btf_count(&btf, &count, &err), 0);
	CU_ASSERT_EQUAL(count, 20);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "btf_trace_x", BTF_KIND_TYPEDEF), 8);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "f", BTF_KIND_FUNC), 13);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "f", BTF_KIND_TYPEDEF), 20);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "btf_trace", BTF_KIND_TYPEDEF), 0);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "u", BTF_KIND_UNION), 4);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "s", BTF_KIND_STRUCT), 5);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "v", BTF_KIND_VAR), 14);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "e64", BTF_KIND_ENUM64), 19);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "int", BTF_KIND_INT), -1); /* not asked about */
	barco_btf_close(&btf);
}

static void test_btf_walks_only_as_far_as_asked(void)
{
	static struct btf_blob b;
	struct barco_err err = {0};
	struct barco_btf btf;
	uint32_t values[2];
	size_t size = blob_small(&b);
	size_t pos;

	CU_ASSERT_EQUAL_FATAL(barco_btf_open_data(&btf, b.raw, size, &small_q, &err), 0);
	CU_ASSERT_EQUAL_FATAL(barco_btf_fields(&btf, values, &err), 0);
	CU_ASSERT_EQUAL(values[0], 4);
	CU_ASSERT_EQUAL(values[1], 8);
	/* The walk stopped past "s", the struct asked about. */
	CU_ASSERT_EQUAL(btf.next_id, 3);
	CU_ASSERT_FALSE(btf.is_complete);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "btf_trace_x", BTF_KIND_TYPEDEF), 3);
	pos = btf.pos;
	/* Noted on the way to the typedef: no further walk. */
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "btf_trace_x", BTF_KIND_TYPEDEF), 3);
	CU_ASSERT_EQUAL(btf.pos, pos);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "f", BTF_KIND_FUNC), 4);
	barco_btf_close(&btf);
	/* Answers outlive the data; a question that needs more of it does not. */
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "f", BTF_KIND_FUNC), 4);
	CU_ASSERT_EQUAL(barco_btf_id(&btf, "missing", BTF_KIND_FUNC), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(btf.error, "released"));
}

static void test_btf_absent_fields(void)
{
	const struct member s[] = {{"a", 0}, {"bits", (3u << 24) | 33}}; /* 3 bits at bit 33 */
	const struct member later[] = {{"nosuch", 64}};
	static const struct barco_btf_field asked[] = {
		{"s", NULL, 0}, {"s", "a", 0}, {"s", "nosuch", 0}, {"s", "bits", 0}, {"t", "a", 0}};
	static struct btf_blob b;
	struct barco_err err = {0};
	struct barco_btf btf;
	size_t size;

	blob_init(&b);
	(void)blob_type(&b, "int", BTF_KIND_INT, 0, 4, false);
	blob_words(&b, 1);
	(void)blob_type(&b, "s", BTF_KIND_STRUCT, 0, 99, false); /* no members: not the one */
	(void)blob_struct(&b, "s", 8, s, ARRAY_LEN(s), true);
	(void)blob_struct(&b, "s", 16, later, 1, false); /* the first with members answered */
	size = blob_finish(&b);
	for (size_t i = 0; i < ARRAY_LEN(asked); i++) {
		const struct barco_btf_questions q = {NULL, 0, &asked[i], 1};
		uint32_t value = 12345;

		CU_ASSERT_EQUAL_FATAL(barco_btf_open_data(&btf, b.raw, size, &q, &err), 0);
		if (i < 2) {
			CU_ASSERT_EQUAL(barco_btf_fields(&btf, &value, &err), 0);
			CU_ASSERT_EQUAL(value, i == 0 ? 8 : 0);
		} else {
			CU_ASSERT_EQUAL(barco_btf_fields(&btf, &value, &err), -1);
			CU_ASSERT_EQUAL(err.errnum, ENOENT);
			CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, asked[i].member));
			CU_ASSERT_EQUAL(value, 12345); /* untouched */
		}
		barco_btf_close(&btf);
	}
}

static void test_btf_refuses_too_many_questions(void)
{
	static const struct barco_btf_name names[BARCO_BTF_NAMES_MAX + 1] = {{"x", 1}};
	const struct barco_btf_questions q = {names, ARRAY_LEN(names), NULL, 0};
	static struct btf_blob b;
	struct barco_err err = {0};
	struct barco_btf btf;
	size_t size = blob_small(&b);

	CU_ASSERT_EQUAL(barco_btf_open_data(&btf, b.raw, size, &q, &err), -1);
	CU_ASSERT_EQUAL(err.errnum, EINVAL);
}

/* ---- malformed data ---------------------------------------------------------------- */

/*
 * Opens b's first size bytes, with the bytes at `at` (width 1, 2 or 4;
 * 0: none) set to value, from a buffer of exactly that size.
 */
static int open_mutated(const struct btf_blob *b, size_t size, size_t at, unsigned int width,
			uint32_t value, struct barco_btf *ret, uint8_t **ret_buf,
			struct barco_err *err)
{
	uint8_t *buf = malloc(size ? size : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memcpy(buf, b->raw, size);
	if (width == 1)
		buf[at] = (uint8_t)value;
	else if (width == 2)
		memcpy(buf + at, &(uint16_t){(uint16_t)value}, 2);
	else if (width == 4)
		memcpy(buf + at, &value, 4);
	*ret_buf = buf;
	return barco_btf_open_data(ret, buf, size, &small_q, err);
}

struct mutation {
	const char *what;
	size_t at;
	unsigned int width;
	uint32_t value;
	size_t cut; /* bytes taken off the end */
	const char *msg;
};

static void test_btf_refuses_bad_headers(void)
{
	static const struct mutation rows[] = {
		{"magic", 0, 2, 0x1234, 0, "magic 0x1234, not 0xeb9f"},
		{"big-endian", 0, 2, 0x9feb, 0, "other byte order"},
		{"version", 2, 1, 2, 0, "version 2, not 1"},
		{"short header", 4, 4, 8, 0, "header length 8"},
		{"long header", 4, 4, 0xffffffff, 0, "header length 4294967295"},
		{"type_off wraps", 8, 4, 0xfffffff0, 0, "the type section"},
		{"type_len", 12, 4, 0x10000, 0, "the type section (65536 bytes at 24)"},
		{"str_off", 16, 4, 0xffffffff, 0, "the string section"},
		{"str_len wraps", 20, 4, 0xffffffff, 0, "the string section"},
		{"no strings", 20, 4, 0, 0, "does not start with a NUL"},
		{"truncated", 0, 0, 0, 1, "the string section (25 bytes at 100) runs past the 124"},
		{"no types", 0, 0, 0, 25 + 76 + 1, "23 bytes, shorter than its header"},
	};
	static struct btf_blob b;
	size_t size = blob_small(&b);

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		size_t n = size - rows[i].cut;
		struct barco_err err = {0};
		struct barco_btf btf = {.next_id = 42};
		uint8_t *buf = NULL;

		CU_ASSERT_EQUAL(open_mutated(&b, n, rows[i].at, rows[i].width, rows[i].value, &btf,
					     &buf, &err),
				-1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, rows[i].msg));
		CU_ASSERT_EQUAL(err.errnum, 0);
		CU_ASSERT_EQUAL(btf.next_id, 42); /* untouched */
		free(buf);
	}
}

static void test_btf_refuses_bad_strings(void)
{
	static struct btf_blob b;
	size_t size = blob_small(&b);
	size_t strings = HDR + b.n_types * 4;
	struct barco_err err = {0};
	struct barco_btf btf;
	uint8_t *buf = NULL;

	CU_ASSERT_EQUAL(open_mutated(&b, size, strings, 1, 'x', &btf, &buf, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not start with a NUL"));
	free(buf);
	CU_ASSERT_EQUAL(open_mutated(&b, size, size - 1, 1, 'x', &btf, &buf, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not end with a NUL"));
	free(buf);
}

/* A walk stopped by a malformed record: every later question says why. */
static void check_stopped(struct barco_btf *btf, const char *msg)
{
	struct barco_err err = {0};
	uint32_t values[2];
	uint32_t count;

	CU_ASSERT_EQUAL(barco_btf_count(btf, &count, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	CU_ASSERT_EQUAL(err.errnum, 0);
	/* The fields are found before a malformed record past "s", and stay found. */
	if (barco_btf_fields(btf, values, &err) < 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	CU_ASSERT_EQUAL(barco_btf_id(btf, "f", BTF_KIND_FUNC), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(btf->error, msg));
}

static void test_btf_refuses_bad_records(void)
{
	/* blob_small's records: [1] at 0, [2] "s" at 16, [3] at 52, [4] at 64, 76 bytes. */
	const struct mutation rows[] = {
		{"unknown kind", HDR + 16 + 7, 1, 31, 0, "type 2 at offset 16: unknown kind 31"},
		{"kind 0", HDR + 16 + 7, 1, 0, 0, "type 2 at offset 16: unknown kind 0"},
		{"vlen", HDR + 16 + 4, 2, 0xffff, 0, "type 2 at offset 16: 786432 bytes, 60 left"},
		{"name", HDR + 52, 4, 4000, 0, "type 3 at offset 52: name offset 4000 past"},
		{"member name", HDR + 16 + 12 + 12, 4, 4000, 0, "type 2 at offset 16: a member's"},
		{"cut record", 12, 4, 76 - 4, 0, "type 4 at offset 64: 8 bytes left"},
	};
	static struct btf_blob b;
	size_t size = blob_small(&b);

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct barco_err err = {0};
		struct barco_btf btf;
		uint8_t *buf = NULL;

		CU_ASSERT_EQUAL_FATAL(open_mutated(&b, size, rows[i].at, rows[i].width,
						   rows[i].value, &btf, &buf, &err),
				      0);
		check_stopped(&btf, rows[i].msg);
		barco_btf_close(&btf);
		free(buf);
	}
}

/* ---- the tracer's questions (src/trace/trace_btf.c) -------------------------------------- */

#if defined(__x86_64__)
#define REGS_SYSCALL_NR "orig_ax"
#else
#define REGS_SYSCALL_NR "syscallno"
#endif

enum blob_kind { BLOB_GOOD, BLOB_NO_COMM, BLOB_BITFIELD_LEVEL };

/* Every type the tracer asks about, each struct with a decoy member first. */
static size_t blob_kernel(struct btf_blob *b, enum blob_kind kind)
{
	const struct member task[] = {
		{"state", 0},		{"pid", 32 * 8},
		{"tgid", 33 * 8},	{"group_leader", 40 * 8},
		{"thread_pid", 48 * 8}, {kind == BLOB_NO_COMM ? "cmd" : "comm", 100 * 8}};
	const struct member pid[] = {{"count", 0}, {"level", 4 * 8}, {"numbers", 96 * 8}};
	const struct member upid[] = {{"nr", 0}, {"ns", 8 * 8}};
	/* With kflag, an offset is 24 bits of offset and 8 of bitfield size: 3 bits at bit 1601. */
	const struct member userns[] = {
		{"uid_map", 0}, {"level", kind == BLOB_BITFIELD_LEVEL ? (3u << 24) | 1601 : 1600}};
	const struct member regs[] = {{"r15", 0}, {REGS_SYSCALL_NR, 120 * 8}};

	blob_init(b);
	(void)blob_type(b, "int", BTF_KIND_INT, 0, 4, false);
	blob_words(b, 1);
	(void)blob_type(b, "task_struct", BTF_KIND_FWD, 0, 0, false); /* a declaration: not it */
	(void)blob_struct(b, "task_struct", 3264, task, ARRAY_LEN(task), false);
	(void)blob_struct(b, "pid", 144, pid, ARRAY_LEN(pid), false);
	(void)blob_struct(b, "upid", 16, upid, ARRAY_LEN(upid), false);
	(void)blob_struct(b, "user_namespace", 672, userns, ARRAY_LEN(userns),
			  kind == BLOB_BITFIELD_LEVEL);
	(void)blob_struct(b, "pt_regs", 168, regs, ARRAY_LEN(regs), false);
	(void)blob_type(b, "btf_trace_sys_enter", BTF_KIND_TYPEDEF, 0, 1, false);
	(void)blob_type(b, "cap_capable", BTF_KIND_FUNC, 0, 1, false);
	return blob_finish(b);
}

static void test_trace_btf_offsets_and_ids(void)
{
	static struct btf_blob b;
	struct barco_trace_btf btf;
	struct barco_trace_offsets o;
	struct barco_err err = {0};
	size_t size = blob_kernel(&b, BLOB_GOOD);

	CU_ASSERT_EQUAL_FATAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), 0);
	CU_ASSERT_EQUAL_FATAL(barco_trace_btf_offsets(&btf, &o, &err), 0);
	CU_ASSERT_EQUAL(o.task_pid, 32);
	CU_ASSERT_EQUAL(o.task_tgid, 33);
	CU_ASSERT_EQUAL(o.task_group_leader, 40);
	CU_ASSERT_EQUAL(o.task_thread_pid, 48);
	CU_ASSERT_EQUAL(o.task_comm, 100);
	CU_ASSERT_EQUAL(o.pid_level, 4);
	CU_ASSERT_EQUAL(o.pid_numbers, 96);
	CU_ASSERT_EQUAL(o.upid_size, 16);
	CU_ASSERT_EQUAL(o.upid_nr, 0);
	CU_ASSERT_EQUAL(o.userns_level, 200);
	CU_ASSERT_EQUAL(o.regs_syscall_nr, 120);
	/* Lazy: the walk stopped at pt_regs, the last struct asked about. */
	CU_ASSERT_FALSE(btf.reader.is_complete);
	CU_ASSERT_EQUAL(barco_btf_id(&btf.reader, "btf_trace_sys_enter", BTF_KIND_TYPEDEF), 8);
	CU_ASSERT_EQUAL(barco_btf_id(&btf.reader, "cap_capable", BTF_KIND_FUNC), 9);
	CU_ASSERT_EQUAL(barco_btf_id(&btf.reader, "btf_trace_cap_capable", BTF_KIND_TYPEDEF), 0);
	CU_ASSERT_TRUE(btf.reader.is_complete);
	barco_btf_close(&btf.reader);
}

/* A missing member, or a bitfield (no byte offset to read at): named in the error. */
static void test_trace_btf_names_what_is_missing(void)
{
	static const struct {
		enum blob_kind kind;
		const char *missing;
	} rows[] = {{BLOB_NO_COMM, "task_struct.comm"},
		    {BLOB_BITFIELD_LEVEL, "user_namespace.level"}};
	static struct btf_blob b;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		size_t size = blob_kernel(&b, rows[i].kind);
		struct barco_trace_btf btf;
		struct barco_trace_offsets o;
		struct barco_err err = {0};

		CU_ASSERT_EQUAL_FATAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), 0);
		CU_ASSERT_EQUAL(barco_trace_btf_offsets(&btf, &o, &err), -1);
		CU_ASSERT_EQUAL(err.errnum, ENOENT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, rows[i].missing));
		barco_btf_close(&btf.reader);
	}
}

void barco_test_register_btf(void)
{
	static const struct barco_test tests[] = {
		{"every kind, ids, count", test_btf_every_kind_and_count},
		{"walks only as far as asked", test_btf_walks_only_as_far_as_asked},
		{"absent fields", test_btf_absent_fields},
		{"too many questions", test_btf_refuses_too_many_questions},
		{"bad headers", test_btf_refuses_bad_headers},
		{"bad string section", test_btf_refuses_bad_strings},
		{"bad records", test_btf_refuses_bad_records},
		{"tracer: offsets and ids", test_trace_btf_offsets_and_ids},
		{"tracer: names what is missing", test_trace_btf_names_what_is_missing},
	};

	barco_test_suite_add("btf", tests, ARRAY_LEN(tests));
}
