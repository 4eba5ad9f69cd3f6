#pragma once
/* Each tests/unit/test_*.c registers one CUnit suite. */
#include <stddef.h>
#include <CUnit/CUnit.h>

#include "base/util.h"

struct barco_oci_spec;

void barco_test_register_parse(void);
void barco_test_register_cli(void);
void barco_test_register_exec(void);
void barco_test_register_err(void);
void barco_test_register_json(void);
void barco_test_register_util(void);
void barco_test_register_state(void);
void barco_test_register_stage(void);
void barco_test_register_cgroup(void);
void barco_test_register_caps(void);
void barco_test_register_seccomp(void);
void barco_test_register_mount(void);
void barco_test_register_report(void);
void barco_test_register_probe(void);
void barco_test_register_trace(void);
void barco_test_register_btf(void);
void barco_test_register_verify(void);
void barco_test_register_observe(void);
void barco_test_register_oci_spec(void);
void barco_test_register_oci_hooks(void);
void barco_test_register_cgroup_path(void);
void barco_test_register_oci_config(void);
void barco_test_register_net(void);
void barco_test_register_rootless(void);
void barco_test_register_idmap(void);
void barco_test_register_oci_seccomp(void);
void barco_test_register_oci_devices(void);
void barco_test_register_devices_bpf(void);

/* A config.json the OCI reader must refuse, and the start of its message. */
struct barco_test_refusal {
	const char *json;
	const char *error;
};

/* Checks that each json is refused with its error (tests/unit/test_oci_spec.c). */
void barco_test_oci_refusals(const struct barco_test_refusal *refusals, size_t len);

/* json parsed as config.json, or NULL with the refusal printed (tests/unit/test_oci_spec.c). */
struct barco_oci_spec *barco_test_oci_parse_ok(const char *json);

/*
 * Adds a suite or aborts: a registration failure is a broken test build,
 * not a test result.
 */
CU_pSuite barco_test_suite(const char *name);
void barco_test_add(CU_pSuite suite, const char *name, CU_TestFunc fn);

/* A suite's tests as a table: what each checks, and the test. */
struct barco_test {
	const char *name;
	CU_TestFunc fn;
};

/* Adds the suite name with its n tests, in the table's order; the suite. */
CU_pSuite barco_test_suite_add(const char *name, const struct barco_test *tests, size_t n);

/* A fresh temporary directory for one test; removed by barco_test_rmtree. */
char *barco_test_tmpdir(void);
void barco_test_rmtree(const char *path);

/* Writes text to dir/name, replacing it; a failure to open ends the test. */
void barco_test_write_file(const char *dir, const char *name, const char *text);

/* Fails the test, printing both, unless got starts with wanted (case i of a table). */
void barco_test_error_starts_with(size_t i, const char *got, const char *wanted);

/*
 * Runs fn(arg) in a forked child, so a test that loads a seccomp filter or
 * drops capabilities cannot poison the next one (as the kernel selftests
 * do). Returns the child's exit status, 128 + N if signal N killed it, -1
 * if it could not run.
 */
int barco_test_run_in_child(int (*fn)(const void *), const void *arg);
