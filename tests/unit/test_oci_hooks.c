/*
 * OCI hooks (runtime/oci_hooks.h): config.json's "hooks" read and checked,
 * and hooks run: state on stdin, failures and timeouts named. The hooks are
 * /bin/sh, run in a forked child of the test so nothing leaks into CUnit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "runtime/oci_hooks.h"
#include "runtime/oci_spec.h"
#include "suites.h"

#define DOC(HOOKS)                                                                                 \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                                \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"annotations\":{\"k\":\"v\"},"             \
	"\"hooks\":" HOOKS "}"

static void test_hooks_read(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(
		DOC("{\"createRuntime\":[{\"path\":\"/bin/a\",\"args\":[\"a\",\"1\"],"
		    "\"env\":[\"X=1\"],\"timeout\":5},{\"path\":\"/bin/b\"}],"
		    "\"poststop\":[],\"future\":[{}]}"));
	const struct barco_oci_hooks *h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	h = &spec->hooks;
	CU_ASSERT_EQUAL(h->len[BARCO_OCI_HOOK_CREATE_RUNTIME], 2);
	CU_ASSERT_STRING_EQUAL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][0].path, "/bin/a");
	CU_ASSERT_STRING_EQUAL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][0].args[1], "1");
	CU_ASSERT_STRING_EQUAL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][0].env[0], "X=1");
	CU_ASSERT_EQUAL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][0].timeout_s, 5);
	CU_ASSERT_PTR_NULL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][1].args);
	CU_ASSERT_EQUAL(h->list[BARCO_OCI_HOOK_CREATE_RUNTIME][1].timeout_s, 0);
	CU_ASSERT_FALSE(barco_oci_hooks_has(h, BARCO_OCI_HOOK_POSTSTOP));
	CU_ASSERT_TRUE(barco_oci_hooks_has(h, BARCO_OCI_HOOK_CREATE_RUNTIME));
	barco_oci_spec_free(spec);
}

static const struct barco_test_refusal refusals[] = {
	{DOC("[]"), "hooks: expected an object"},
	{DOC("{\"prestart\":{}}"), "hooks.prestart: expected an array"},
	{DOC("{\"createRuntime\":[{\"args\":[]}]}"), "hooks.createRuntime[0].path: missing"},
	{DOC("{\"createRuntime\":[{\"path\":\"hook\"}]}"),
	 "hooks.createRuntime[0].path: \"hook\" is not an absolute path"},
	{DOC("{\"createContainer\":[{\"path\":\"/h\",\"args\":[1]}]}"),
	 "hooks.createContainer[0].args[0]: expected a string"},
	{DOC("{\"startContainer\":[{\"path\":\"/h\",\"env\":\"X=1\"}]}"),
	 "hooks.startContainer[0].env: expected an array"},
	{DOC("{\"poststart\":[{\"path\":\"/h\",\"timeout\":0}]}"),
	 "hooks.poststart[0].timeout: 0 seconds"},
	{DOC("{\"poststop\":[{\"path\":\"/h\",\"timeout\":\"1\"}]}"),
	 "hooks.poststop[0].timeout: expected an integer"},
	{DOC("{\"poststop\":[7]}"), "hooks.poststop[0]: expected an object"},
};

static void test_hooks_refused(void)
{
	barco_test_oci_refusals(refusals, ARRAY_LEN(refusals));
}

/* A spec whose createRuntime hook is sh -c SCRIPT (timeout_s when not 0). */
static struct barco_oci_spec *sh_hook(const char *script, unsigned timeout_s)
{
	char json[1024];

	(void)snprintf(json, sizeof(json),
		       DOC("{\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
			   "\"%s\"],\"env\":[\"HOOK=yes\"]%s}]}"),
		       script, timeout_s ? ",\"timeout\":1" : "");
	return barco_test_oci_parse_ok(json);
}

static int run_sh(const char *script, unsigned timeout_s, struct barco_report *rep,
		  struct barco_err *err)
{
	struct barco_oci_spec *spec = sh_hook(script, timeout_s);
	char *state;
	int r;

	if (!spec)
		return -2;
	state = barco_oci_hooks_state(&spec->hooks, "c1", "/b", "creating", 42);
	r = barco_oci_hooks_run(&spec->hooks, BARCO_OCI_HOOK_CREATE_RUNTIME, state, false, rep,
				err);
	free(state);
	barco_oci_spec_free(spec);
	return r;
}

static void test_hook_gets_state_and_env(void)
{
	char path[] = "/tmp/barco-hook-test.XXXXXX";
	char script[256];
	char got[512] = "";
	struct barco_report rep = {0};
	struct barco_err err = {0};
	int fd = mkstemp(path);
	ssize_t n;

	CU_ASSERT_FATAL(fd >= 0);
	(void)snprintf(script, sizeof(script), "echo $HOOK $(cat) > %s", path);
	CU_ASSERT_EQUAL(run_sh(script, 0, &rep, &err), 0);
	n = read(fd, got, sizeof(got) - 1);
	CU_ASSERT(n > 0);
	CU_ASSERT_STRING_EQUAL(got, "yes {\"ociVersion\":\"1.1.0\",\"id\":\"c1\",\"status\":"
				    "\"creating\",\"pid\":42,\"bundle\":\"/b\",\"annotations\":{"
				    "\"k\":\"v\"}}\n");
	CU_ASSERT_PTR_NOT_NULL(
		strstr(rep.text, "hooks.createRuntime[0]: fork, execve(\"/bin/sh\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(rep.text, "= exit status 0"));
	(void)close(fd);
	(void)unlink(path);
}

static void test_hook_failure_and_timeout(void)
{
	struct barco_report rep = {0};
	struct barco_err err = {0};
	uint64_t start;

	CU_ASSERT_EQUAL(run_sh("echo oops; exit 3", 0, &rep, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg,
			       "hooks.createRuntime[0] /bin/sh: exit status 3, output: oops ");
	start = barco_now_ns();
	CU_ASSERT_EQUAL(run_sh("exec sleep 20", 1, &rep, &err), -1);
	CU_ASSERT(barco_now_ns() - start < 5000000000ull);
	CU_ASSERT_STRING_EQUAL(
		err.msg,
		"hooks.createRuntime[0] /bin/sh: killed by SIGKILL after its timeout of 1 s");
}

void barco_test_register_oci_hooks(void)
{
	static const struct barco_test tests[] = {
		{"hooks read", test_hooks_read},
		{"bad hooks refused with their JSON path", test_hooks_refused},
		{"a hook gets the state on stdin and its env", test_hook_gets_state_and_env},
		{"a failing hook and a timed out hook are named", test_hook_failure_and_timeout},
	};

	barco_test_suite_add("oci_hooks", tests, ARRAY_LEN(tests));
}
