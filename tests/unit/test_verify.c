/*
 * barco verify's table of rows (src/verify/verify_rows.c): what the other parts
 * rely on. Ids are unique (controls find rows by id, the script's output is
 * split by id); a row's comm fits the kernel's comm (TASK_COMM_LEN), or its
 * events would never match it; a row run through the helper is the link its
 * comm names, so its command starts with that comm; a row read by key has
 * one; a capability row names its capability. Running the rows is
 * tests/integration/pytest/test_trace.py's test of `barco verify`.
 */
#include <stddef.h>
#include <string.h>

#include "suites.h"
#include "runtime/lesson_skip.h"
#include "trace/trace_event.h"
#include "verify/verify.h"

static void test_verify_rows_are_well_formed(void)
{
	CU_ASSERT_TRUE(barco_verify_rows_len > 0);
	CU_ASSERT_TRUE(barco_verify_rows_len <= BARCO_VERIFY_ROWS_MAX);
	for (size_t i = 0; i < barco_verify_rows_len; i++) {
		const struct barco_verify_row *row = &barco_verify_rows[i];
		size_t comm_len = strlen(row->comm);

		CU_ASSERT_PTR_EQUAL(barco_verify_row_by_id(row->id), row);
		CU_ASSERT_PTR_NOT_NULL(row->action);
		CU_ASSERT_STRING_NOT_EQUAL(barco_verify_layer_name(row->layer), "");
		CU_ASSERT_TRUE(comm_len < BARCO_TRACE_COMM_LEN);
		CU_ASSERT_EQUAL(strncmp(row->shell, row->comm, comm_len), 0);
		CU_ASSERT_EQUAL(row->shell[comm_len], ' ');
		if (row->outcome == BARCO_VERIFY_OUTCOME_KEY)
			CU_ASSERT_PTR_NOT_NULL(row->key);
		if (row->layer == BARCO_VERIFY_LAYER_CAPABILITY)
			CU_ASSERT_TRUE(row->cap >= 0);
	}
}

/* Every skip has escapes to show, each a row that exists, and only skips may be named. */
static void test_verify_lesson_escapes(void)
{
	struct barco_err err = {0};
	int skip = -1;

	CU_ASSERT_PTR_NULL(barco_verify_lesson_escapes(BARCO_LESSON_SKIP_NONE));
	for (int s = BARCO_LESSON_SKIP_NONE + 1; s < BARCO_LESSON_SKIP_COUNT; s++) {
		const char *const *ids = barco_verify_lesson_escapes(s);

		CU_ASSERT_TRUE(ids && ids[0]);
		for (size_t i = 0; ids && ids[i]; i++)
			CU_ASSERT_PTR_NOT_NULL(barco_verify_lesson_row(ids[i]));
		CU_ASSERT_EQUAL(
			barco_lesson_skip_from_name(barco_lesson_skip_get(s)->name, &skip, &err),
			0);
		CU_ASSERT_EQUAL(skip, s);
	}
	for (size_t i = 0; i < barco_verify_lesson_rows_len; i++) {
		const struct barco_verify_row *row = &barco_verify_lesson_rows[i];

		CU_ASSERT_PTR_NULL(barco_verify_row_by_id(row->id));
		CU_ASSERT_TRUE(strlen(row->comm) < BARCO_TRACE_COMM_LEN);
		/* A row that runs the helper runs it as its comm (host_root is shell only). */
		if (strstr(row->shell, "v-"))
			CU_ASSERT_PTR_NOT_NULL(strstr(row->shell, row->comm));
	}
	CU_ASSERT_EQUAL(barco_lesson_skip_from_name("namespaces", &skip, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot be left out"));
	CU_ASSERT_EQUAL(barco_lesson_skip_from_name("exec", &skip, &err), -1);
	CU_ASSERT_EQUAL(barco_lesson_skip_from_name("seccomp ", &skip, &err), -1);
}

void barco_test_register_verify(void)
{
	CU_pSuite s = barco_test_suite("verify");

	barco_test_add(s, "rows are well formed", test_verify_rows_are_well_formed);
	barco_test_add(s, "each lesson skip has its escapes", test_verify_lesson_escapes);
}
