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

void barco_test_register_verify(void)
{
	CU_pSuite s = barco_test_suite("verify");

	barco_test_add(s, "rows are well formed", test_verify_rows_are_well_formed);
}
