#pragma once
/* Each tests/unit/test_*.c registers one CUnit suite. */
#include <CUnit/CUnit.h>

void barco_test_register_parse(void);
void barco_test_register_cli(void);
void barco_test_register_exec(void);
void barco_test_register_err(void);
void barco_test_register_json(void);
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
void barco_test_register_oci_config(void);
void barco_test_register_net(void);

/*
 * Adds a suite or aborts: a registration failure is a broken test build,
 * not a test result.
 */
CU_pSuite barco_test_suite(const char *name);
void barco_test_add(CU_pSuite suite, const char *name, CU_TestFunc fn);

/* A fresh temporary directory for one test; removed by barco_test_rmtree. */
char *barco_test_tmpdir(void);
void barco_test_rmtree(const char *path);

/*
 * Runs fn(arg) in a forked child, so a test that loads a seccomp filter or
 * drops capabilities cannot poison the next one (as the kernel selftests
 * do). Returns the child's exit status, 128 + N if signal N killed it, -1
 * if it could not run.
 */
int barco_test_run_in_child(int (*fn)(const void *), const void *arg);
