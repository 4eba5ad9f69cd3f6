/*
 * The tracer's pure parts: counting events into entries, names for syscalls,
 * errnos and attach kinds, barco's seccomp rules as the cross-check, the
 * JSON report (parsed back with json-c), the --trace/--json options, and the
 * reader of kernel BTF (offsets and ids from a made-up BTF blob).
 */
#include <errno.h>
#include <json-c/json.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cli.h"
#include "config.h"
#include "trace.h"
#include "trace_btf.h"
#include "suites.h"
#include "util.h"

/* Registered in tests/unit/main.c; declared here too until suites.h lists it. */
void barco_test_register_trace(void);

static struct barco_trace_event event(enum barco_trace_kind kind, int nr, int ret, int cap,
				      const char *comm)
{
	struct barco_trace_event e = {.kind = kind,
				      .pid = 4242,
				      .tid = 4242,
				      .ns_pid = 7,
				      .nr = nr,
				      .ret = ret,
				      .cap = cap};

	e.caps = cap >= 0 ? 1ull << cap : 0;
	(void)snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

static struct barco_trace_result *new_result(void)
{
	struct barco_trace_result *r = calloc(1, sizeof(*r));

	if (!r)
		abort(); /* a broken test run, not a test result */
	r->is_available = true;
	return r;
}

static void test_trace_counts_same_events_once(void)
{
	struct barco_trace_result *r = new_result();
	struct barco_trace_event a = event(BARCO_TRACE_SECCOMP, SYS_mount, -EPERM, -1, "v-mount");
	struct barco_trace_event b = event(BARCO_TRACE_SECCOMP, SYS_mount, -EPERM, -1, "other");
	struct barco_trace_event c = event(BARCO_TRACE_SECCOMP, SYS_umount2, -EPERM, -1, "v-mount");

	barco_trace_result_add(r, &a);
	barco_trace_result_add(r, &a);
	barco_trace_result_add(r, &b);
	barco_trace_result_add(r, &c);
	CU_ASSERT_EQUAL(r->received, 4);
	CU_ASSERT_EQUAL(r->len, 3);
	CU_ASSERT_EQUAL(r->entries[0].count, 2);
	CU_ASSERT_EQUAL(r->entries[0].ns_pid, 7);
	CU_ASSERT_EQUAL(r->entries[0].pid, 4242);
	CU_ASSERT_STRING_EQUAL(r->entries[1].comm, "other");
	free(r);
}

/* A silent check's syscall succeeded with some value (an fd): one entry for all of them. */
static void test_trace_silent_checks_ignore_the_value(void)
{
	struct barco_trace_result *r = new_result();

	for (int fd = 3; fd < 10; fd++) {
		struct barco_trace_event e =
			event(BARCO_TRACE_CAP_SILENT, SYS_openat, fd, CAP_SYS_ADMIN, "sh");

		barco_trace_result_add(r, &e);
	}
	CU_ASSERT_EQUAL(r->len, 1);
	CU_ASSERT_EQUAL(r->entries[0].count, 7);
	CU_ASSERT_EQUAL(r->entries[0].ret, 0);
	free(r);
}

static void test_trace_full_table_still_counts(void)
{
	struct barco_trace_result *r = new_result();

	for (int i = 0; i < BARCO_TRACE_ENTRIES_MAX + 5; i++) {
		struct barco_trace_event e = event(BARCO_TRACE_FAILED, i, -ENOENT, -1, "x");

		barco_trace_result_add(r, &e);
	}
	CU_ASSERT_EQUAL(r->len, BARCO_TRACE_ENTRIES_MAX);
	CU_ASSERT_EQUAL(r->unaggregated, 5);
	CU_ASSERT_EQUAL(r->received, BARCO_TRACE_ENTRIES_MAX + 5);
	free(r);
}

static void test_trace_find_by_kind_and_comm(void)
{
	struct barco_trace_result *r = new_result();
	struct barco_trace_event a = event(BARCO_TRACE_SECCOMP, SYS_mount, -EPERM, -1, "v-mount");
	struct barco_trace_event b =
		event(BARCO_TRACE_CAP_FAILED, SYS_mknodat, -EPERM, CAP_MKNOD, "v-mknod");
	struct barco_trace_event c = event(BARCO_TRACE_SECCOMP, SYS_bpf, -EPERM, -1, "v-bpf");
	const struct barco_trace_entry *found[4];

	barco_trace_result_add(r, &a);
	barco_trace_result_add(r, &b);
	barco_trace_result_add(r, &c);
	CU_ASSERT_EQUAL(barco_trace_result_find(r, BARCO_TRACE_SECCOMP, NULL, found, 4), 2);
	CU_ASSERT_EQUAL(barco_trace_result_find(r, BARCO_TRACE_SECCOMP, "v-bpf", found, 4), 1);
	CU_ASSERT_EQUAL(found[0]->nr, SYS_bpf);
	CU_ASSERT_EQUAL(barco_trace_result_find(r, BARCO_TRACE_CAP_FAILED, "v-mount", found, 4), 0);
	CU_ASSERT_EQUAL(barco_trace_result_find(r, BARCO_TRACE_SECCOMP, NULL, found, 1), 1);
	free(r);
}

static void test_trace_names(void)
{
	char buf[64];

	CU_ASSERT_STRING_EQUAL(barco_trace_syscall_name(SYS_mount, buf, sizeof(buf)), "mount");
	CU_ASSERT_STRING_EQUAL(barco_trace_syscall_name(SYS_clone3, buf, sizeof(buf)), "clone3");
	CU_ASSERT_STRING_EQUAL(barco_trace_syscall_name(-1, buf, sizeof(buf)), "(no syscall)");
	CU_ASSERT_STRING_EQUAL(barco_trace_syscall_name(100000, buf, sizeof(buf)),
			       "syscall_100000");
	CU_ASSERT_STRING_EQUAL(barco_trace_errno_name(-EPERM, buf, sizeof(buf)), "EPERM");
	CU_ASSERT_STRING_EQUAL(barco_trace_errno_name(ENOSYS, buf, sizeof(buf)), "ENOSYS");
	CU_ASSERT_STRING_EQUAL(barco_trace_errno_name(-9999, buf, sizeof(buf)), "E9999");
	CU_ASSERT_STRING_EQUAL(barco_trace_attach_name(BARCO_TRACE_ATTACH_TP_BTF), "tp_btf");
	CU_ASSERT_STRING_EQUAL(barco_trace_attach_name(BARCO_TRACE_ATTACH_NONE), "none");
	CU_ASSERT_STRING_EQUAL(barco_trace_group_name(BARCO_TRACE_GROUP_CAPS), "capabilities");
}

/* The cross-check with barco's own tables (src/seccomp.c). */
static void test_trace_seccomp_rules(void)
{
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("mount", BARCO_SECCOMP_DEFAULT), "refused");
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("clone", BARCO_SECCOMP_DEFAULT),
			       "argument rule");
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("chmod", BARCO_SECCOMP_DEFAULT),
			       "argument rule");
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("getpid", BARCO_SECCOMP_DEFAULT),
			       "on the allowlist: not barco's rule");
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("no_such_call", BARCO_SECCOMP_DEFAULT),
			       "not on the allowlist");
	CU_ASSERT_STRING_EQUAL(barco_trace_seccomp_rule("mount", BARCO_SECCOMP_UNCONFINED),
			       "not barco's filter");
}

/* The JSON report, parsed back: every list present, the entries where they belong. */
static void test_trace_json_parses(void)
{
	struct barco_trace_result *r = new_result();
	struct barco_trace_event a = event(BARCO_TRACE_SECCOMP, SYS_mount, -EPERM, -1, "v-\"q\"");
	struct barco_trace_event b =
		event(BARCO_TRACE_CAP_FAILED, SYS_mknodat, -EPERM, CAP_MKNOD, "mk");
	struct json_object *root, *list, *item, *v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	barco_trace_result_add(r, &a);
	barco_trace_result_add(r, &b);
	r->dropped = 3;
	barco_trace_print_json(f, r, "box", BARCO_SECCOMP_DEFAULT);
	(void)fclose(f);
	root = json_tokener_parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "seccomp", &list));
	CU_ASSERT_EQUAL(json_object_array_length(list), 1);
	item = json_object_array_get_idx(list, 0);
	CU_ASSERT_TRUE(json_object_object_get_ex(item, "syscall", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "mount");
	CU_ASSERT_TRUE(json_object_object_get_ex(item, "comm", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "v-\"q\"");
	CU_ASSERT_TRUE(json_object_object_get_ex(item, "rule", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "refused");
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "capabilities", &list));
	item = json_object_array_get_idx(list, 0);
	CU_ASSERT_TRUE(json_object_object_get_ex(item, "capability", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "CAP_MKNOD");
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "events", &v));
	CU_ASSERT_TRUE(json_object_object_get_ex(v, "dropped", &v));
	CU_ASSERT_EQUAL(json_object_get_int(v), 3);
	json_object_put(root);
	free(text);
	free(r);
}

static void test_trace_json_unavailable(void)
{
	struct barco_trace_result r = {.is_available = false};
	struct json_object *root, *v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)snprintf(r.unavailable, sizeof(r.unavailable), "no BPF here");
	barco_trace_print_json(f, &r, "box", BARCO_SECCOMP_DEFAULT);
	(void)fclose(f);
	root = json_tokener_parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "available", &v));
	CU_ASSERT_FALSE(json_object_get_boolean(v));
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "reason", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "no BPF here");
	json_object_put(root);
	free(text);
}

static int parse(int argc, char **argv, struct barco_config *cfg, bool is_step)
{
	struct barco_step_options step;
	struct barco_err err;
	int verbosity = 0;

	barco_config_init(cfg);
	return barco_cli_parse_run(argc, argv, cfg, &verbosity, is_step ? &step : NULL, &err);
}

static void test_trace_options(void)
{
	char *traced[] = {"run", "--trace", "--json", "--", "/bin/true", NULL};
	char *json_only[] = {"run", "--json", "--", "/bin/true", NULL};
	char *step[] = {"step", "--trace", "--until=caps", "--", "/bin/true", NULL};
	char *plain[] = {"run", "--", "/bin/true", NULL};
	static struct barco_config cfg;

	CU_ASSERT_EQUAL(parse(5, traced, &cfg, false), 0);
	CU_ASSERT_TRUE(cfg.is_trace);
	CU_ASSERT_TRUE(cfg.is_trace_json);
	CU_ASSERT_EQUAL(parse(3, plain, &cfg, false), 0);
	CU_ASSERT_FALSE(cfg.is_trace);
	CU_ASSERT_EQUAL(parse(4, json_only, &cfg, false), -1);
	CU_ASSERT_EQUAL(parse(5, step, &cfg, true), -1);
}

/* ---- the BTF reader (src/trace_btf.c) ---------------------------------------------- */

#if defined(__x86_64__)
#define REGS_SYSCALL_NR "orig_ax"
#else
#define REGS_SYSCALL_NR "syscallno"
#endif

/* Raw BTF built type by type: header, type section, string section. */
struct btf_blob {
	uint32_t types[512];
	size_t n_types; /* words */
	char strings[1024];
	size_t strings_len;
	uint32_t next_id;
	uint8_t raw[sizeof(struct btf_header) + 512 * 4 + 1024];
};

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

/* A struct whose members are all of type 1 (the blob's int): the reader reads names and offsets. */
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
			       .version = 1,
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

enum blob_kind { BLOB_GOOD, BLOB_NO_COMM, BLOB_BITFIELD_LEVEL };

/* Every type the tracer asks about, each struct with a decoy member first. */
static void blob_kernel(struct btf_blob *b, enum blob_kind kind)
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
	b->types[b->n_types++] = 32; /* INT's encoding word: 32 bits */
	(void)blob_type(b, "task_struct", BTF_KIND_FWD, 0, 0, false); /* a declaration: not it */
	(void)blob_struct(b, "task_struct", 3264, task, ARRAY_LEN(task), false);
	(void)blob_struct(b, "pid", 144, pid, ARRAY_LEN(pid), false);
	(void)blob_struct(b, "upid", 16, upid, ARRAY_LEN(upid), false);
	(void)blob_struct(b, "user_namespace", 672, userns, ARRAY_LEN(userns),
			  kind == BLOB_BITFIELD_LEVEL);
	(void)blob_struct(b, "pt_regs", 168, regs, ARRAY_LEN(regs), false);
	(void)blob_type(b, "btf_trace_sys_enter", BTF_KIND_TYPEDEF, 0, 1, false);
	(void)blob_type(b, "cap_capable", BTF_KIND_FUNC, 0, 1, false);
}

static void test_trace_btf_offsets_and_ids(void)
{
	static struct btf_blob b;
	struct barco_trace_btf btf;
	struct barco_trace_offsets o;
	struct barco_err err = {0};
	size_t size;

	blob_kernel(&b, BLOB_GOOD);
	size = blob_finish(&b);
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
	CU_ASSERT_FALSE(btf.is_complete);
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "btf_trace_sys_enter"), 8);
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "cap_capable"), 9);
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "btf_trace_cap_capable"), 0); /* absent */
	CU_ASSERT_TRUE(btf.is_complete);
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "not_asked_for"), -1);
	barco_trace_btf_close(&btf);
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "cap_capable"), 9); /* answers outlive the data */
}

static void test_trace_btf_names_what_is_missing(void)
{
	static struct btf_blob b;
	struct barco_trace_btf btf;
	struct barco_trace_offsets o;
	struct barco_err err = {0};
	size_t size;

	blob_kernel(&b, BLOB_NO_COMM);
	size = blob_finish(&b);
	CU_ASSERT_EQUAL_FATAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), 0);
	CU_ASSERT_EQUAL(barco_trace_btf_offsets(&btf, &o, &err), -1);
	CU_ASSERT_EQUAL(err.errnum, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "task_struct.comm"));
}

static void test_trace_btf_refuses_bad_data(void)
{
	static struct btf_blob b;
	struct barco_trace_btf btf;
	struct barco_trace_offsets o;
	struct barco_err err = {0};
	size_t size;

	blob_kernel(&b, BLOB_GOOD);
	size = blob_finish(&b);
	CU_ASSERT_EQUAL(barco_trace_btf_open_data(&btf, b.raw, 10, &err), -1);
	CU_ASSERT_EQUAL(barco_trace_btf_open_data(&btf, b.raw, size - 4, &err), -1);
	b.raw[0] ^= 0xff; /* magic */
	CU_ASSERT_EQUAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), -1);
	b.raw[0] ^= 0xff;
	/* An unknown kind in the middle stops the walk where it is. */
	b.raw[sizeof(struct btf_header) + 4 * 4 + 7] = 31 /* kind */;
	CU_ASSERT_EQUAL_FATAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), 0);
	CU_ASSERT_EQUAL(barco_trace_btf_offsets(&btf, &o, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "malformed type 2"));
	CU_ASSERT_EQUAL(barco_trace_btf_id(&btf, "cap_capable"), -1);
}

/* A bitfield member has no byte offset to read at: as good as absent. */
static void test_trace_btf_bitfield_is_not_a_field(void)
{
	static struct btf_blob b;
	struct barco_trace_btf btf;
	struct barco_trace_offsets o;
	struct barco_err err = {0};
	size_t size;

	blob_kernel(&b, BLOB_BITFIELD_LEVEL);
	size = blob_finish(&b);
	CU_ASSERT_EQUAL_FATAL(barco_trace_btf_open_data(&btf, b.raw, size, &err), 0);
	CU_ASSERT_EQUAL(barco_trace_btf_offsets(&btf, &o, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "user_namespace.level"));
}

void barco_test_register_trace(void)
{
	CU_pSuite s = barco_test_suite("trace");

	barco_test_add(s, "same events counted once", test_trace_counts_same_events_once);
	barco_test_add(s, "silent checks ignore the value",
		       test_trace_silent_checks_ignore_the_value);
	barco_test_add(s, "full table still counts", test_trace_full_table_still_counts);
	barco_test_add(s, "find by kind and comm", test_trace_find_by_kind_and_comm);
	barco_test_add(s, "names", test_trace_names);
	barco_test_add(s, "seccomp rules cross-check", test_trace_seccomp_rules);
	barco_test_add(s, "JSON parses", test_trace_json_parses);
	barco_test_add(s, "JSON when unavailable", test_trace_json_unavailable);
	barco_test_add(s, "--trace and --json", test_trace_options);
	barco_test_add(s, "BTF: offsets and ids", test_trace_btf_offsets_and_ids);
	barco_test_add(s, "BTF: names what is missing", test_trace_btf_names_what_is_missing);
	barco_test_add(s, "BTF: refuses bad data", test_trace_btf_refuses_bad_data);
	barco_test_add(s, "BTF: a bitfield is not a field", test_trace_btf_bitfield_is_not_a_field);
}
