/*
 * The tracer's pure parts: counting events into entries, names for syscalls,
 * errnos and attach kinds, the table of ways of attaching against the BPF
 * object (opened, never loaded), barco's seccomp rules as the cross-check,
 * the JSON report (parsed back with json-c) and the --trace/--json options.
 * The tracer's questions to the kernel's BTF are tested with the reader
 * (tests/unit/test_btf.c).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cli/cli.h"
#include "base/config.h"
#include "trace/trace.h"
#include "trace.skel.h"
#include "suites.h"
#include "base/util.h"

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

/* Every group has a way; no group lists an attach kind twice (choose_next walks past it once). */
static void test_trace_ways_cover_each_group_once(void)
{
	for (int g = 0; g < BARCO_TRACE_GROUP_COUNT; g++) {
		unsigned seen[BARCO_TRACE_ATTACH_COUNT] = {0};
		size_t n_group = 0;

		for (size_t i = 0; i < barco_trace_ways_len; i++) {
			const struct barco_trace_way *way = &barco_trace_ways[i];

			if (way->group != (enum barco_trace_group)g)
				continue;
			CU_ASSERT_NOT_EQUAL(way->attach, BARCO_TRACE_ATTACH_NONE);
			CU_ASSERT_EQUAL(seen[way->attach]++, 0);
			CU_ASSERT_PTR_NOT_NULL(way->progs[0]);
			CU_ASSERT_PTR_NOT_NULL(way->targets[0]);
			n_group++;
		}
		CU_ASSERT_TRUE(n_group > 0);
	}
}

/* What a program's section makes of it (libbpf): the attach kind a way must name. */
static enum barco_trace_attach attach_of(const struct bpf_program *prog)
{
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return BARCO_TRACE_ATTACH_RAW_TP;
	case BPF_PROG_TYPE_KPROBE:
		return BARCO_TRACE_ATTACH_KPROBE;
	case BPF_PROG_TYPE_TRACING:
		if (bpf_program__expected_attach_type(prog) == BPF_TRACE_RAW_TP)
			return BARCO_TRACE_ATTACH_TP_BTF;
		if (bpf_program__expected_attach_type(prog) == BPF_TRACE_FEXIT)
			return BARCO_TRACE_ATTACH_FEXIT;
		return BARCO_TRACE_ATTACH_NONE;
	default:
		return BARCO_TRACE_ATTACH_NONE;
	}
}

static bool is_target_of(const struct barco_trace_way *way, const char *section)
{
	const char *target = strchr(section, '/');

	for (size_t i = 0; target && i < BARCO_TRACE_WAY_TARGETS && way->targets[i]; i++)
		if (strcmp(target + 1, way->targets[i]) == 0)
			return true;
	return false;
}

/* How many ways load the program called name; ret_way: the last of them. */
static size_t ways_loading(const char *name, const struct barco_trace_way **ret_way)
{
	size_t count = 0;

	for (size_t i = 0; i < barco_trace_ways_len; i++)
		for (size_t j = 0; j < BARCO_TRACE_WAY_PROGS && barco_trace_ways[i].progs[j]; j++)
			if (strcmp(barco_trace_ways[i].progs[j], name) == 0) {
				*ret_way = &barco_trace_ways[i];
				count++;
			}
	return count;
}

/*
 * Every program a way names is in probes/trace.bpf.c; every program there is
 * named by exactly one way, of its attach kind and on one of its targets.
 */
static void test_trace_ways_match_the_bpf_object(void)
{
	struct barco_trace_bpf *skel = barco_trace_bpf__open();
	struct bpf_program *prog;

	CU_ASSERT_PTR_NOT_NULL_FATAL(skel);
	for (size_t i = 0; i < barco_trace_ways_len; i++) {
		const struct barco_trace_way *way = &barco_trace_ways[i];

		for (size_t j = 0; j < BARCO_TRACE_WAY_PROGS && way->progs[j]; j++)
			CU_ASSERT_PTR_NOT_NULL(
				bpf_object__find_program_by_name(skel->obj, way->progs[j]));
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		const struct barco_trace_way *way = NULL;

		CU_ASSERT_EQUAL(ways_loading(bpf_program__name(prog), &way), 1);
		if (!way)
			continue;
		CU_ASSERT_EQUAL(attach_of(prog), way->attach);
		CU_ASSERT_TRUE(is_target_of(way, bpf_program__section_name(prog)));
	}
	barco_trace_bpf__destroy(skel);
}

/* The cross-check with barco's own tables (src/stages/seccomp.c). */
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

void barco_test_register_trace(void)
{
	static const struct barco_test tests[] = {
		{"same events counted once", test_trace_counts_same_events_once},
		{"silent checks ignore the value", test_trace_silent_checks_ignore_the_value},
		{"full table still counts", test_trace_full_table_still_counts},
		{"find by kind and comm", test_trace_find_by_kind_and_comm},
		{"names", test_trace_names},
		{"ways cover each group once", test_trace_ways_cover_each_group_once},
		{"ways match the BPF object", test_trace_ways_match_the_bpf_object},
		{"seccomp rules cross-check", test_trace_seccomp_rules},
		{"JSON parses", test_trace_json_parses},
		{"JSON when unavailable", test_trace_json_unavailable},
		{"--trace and --json", test_trace_options},
	};

	barco_test_suite_add("trace", tests, ARRAY_LEN(tests));
}
