/*
 * Raw BTF as /sys/kernel/btf/vmlinux holds it (Documentation/bpf/btf.rst),
 * read by src/base/btf.c for the bpf probes and the tracer: any bytes, including
 * headers whose offsets and lengths point outside the data, records whose
 * lengths run past the type section, and names outside the strings.
 *
 * Each input is walked twice: lazily, fields then names, as the tracer
 * asks (and once more through its questions, src/trace/trace_btf.c), and whole,
 * the count first, as the probe asks. The two walks must agree on every
 * answer, and a walk that fails must say why.
 */
#include "base/btf.h"
#include "fuzz.h"
#include "trace/trace_btf.h"

#define N_NAMES	 4
#define N_FIELDS 4

static const struct barco_btf_name names[N_NAMES] = {
	{"task_struct", BTF_KIND_TYPEDEF},
	{"cap_capable", BTF_KIND_FUNC},
	{"btf_trace_sys_enter", BTF_KIND_TYPEDEF},
	{"", BTF_KIND_FUNC},
};

/* Each answer's place: its index in struct answers' values, in bytes. */
static const struct barco_btf_field fields[N_FIELDS] = {
	{"proto", "int", 0},
	{"proto", NULL, 4},
	{"task_struct", "pid", 8},
	{"upid", NULL, 12},
};

static const struct barco_btf_questions questions = {names, N_NAMES, fields, N_FIELDS};

struct answers {
	int fields_rc;
	uint32_t values[N_FIELDS];
	long ids[N_NAMES];
};

static void ask(struct barco_btf *btf, struct answers *ret)
{
	struct barco_err err = {0};

	memset(ret, 0, sizeof(*ret));
	ret->fields_rc = barco_btf_fields(btf, ret->values, &err);
	if (ret->fields_rc < 0)
		fuzz_check_err(&err, "(btf fields)");
	for (size_t i = 0; i < N_NAMES; i++)
		ret->ids[i] = barco_btf_id(btf, names[i].name, names[i].kind);
}

/* The whole walk: when it ends, every answer is final and the lazy walk found the same. */
static void check_whole(struct barco_btf *whole, const struct answers *lazy, size_t size)
{
	struct barco_err err = {0};
	struct answers after;
	uint32_t count = 0;

	if (barco_btf_count(whole, &count, &err) < 0) {
		fuzz_check_err(&err, "(btf count)");
		return;
	}
	/* Every type record is at least 12 bytes. */
	FUZZ_CHECK(count <= size / 12, "(btf)");
	ask(whole, &after);
	FUZZ_CHECK(after.fields_rc == lazy->fields_rc, "(btf)");
	FUZZ_CHECK(memcmp(after.values, lazy->values, sizeof(after.values)) == 0, "(btf)");
	for (size_t i = 0; i < N_NAMES; i++) {
		FUZZ_CHECK(after.ids[i] >= 0 && after.ids[i] <= (long)count, "(btf)");
		FUZZ_CHECK(after.ids[i] == lazy->ids[i], "(btf)");
	}
}

static void check_tracer(const uint8_t *data, size_t size)
{
	struct barco_trace_offsets offsets;
	struct barco_err err = {0};
	struct barco_trace_btf btf;

	if (barco_trace_btf_open_data(&btf, data, size, &err) < 0) {
		fuzz_check_err(&err, "(trace btf)");
		return;
	}
	if (barco_trace_btf_offsets(&btf, &offsets, &err) < 0)
		fuzz_check_err(&err, "(trace btf offsets)");
	FUZZ_CHECK(barco_btf_id(&btf.reader, "cap_capable", BTF_KIND_FUNC) >= -1, "(trace btf)");
	barco_btf_close(&btf.reader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan catches any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	struct barco_err err = {0};
	struct barco_btf lazy;
	struct barco_btf whole;
	struct answers answers;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (barco_btf_open_data(&lazy, copy, size, &questions, &err) == 0) {
		FUZZ_CHECK(barco_btf_open_data(&whole, copy, size, &questions, &err) == 0, "(btf)");
		ask(&lazy, &answers);
		check_whole(&whole, &answers, size);
		barco_btf_close(&lazy);
		barco_btf_close(&whole);
		check_tracer(copy, size);
	} else {
		fuzz_check_err(&err, "(btf)");
	}
	free(copy);
	return 0;
}
