/*
 * probe: the pure parts from fake inputs — kernel config lookups, the
 * cgroup mode decision (filesystem types plus mountinfo), the JSON and text
 * reports of a fake run, the exit status — plus the child runner (which
 * forks, so nothing it does reaches the test process) and the check tables.
 * The BTF reader has its own suite (tests/unit/test_btf.c).
 */
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/cgroup.h"
#include "probe/probe.h"
#include "suites.h"
#include "base/util.h"

/* ---- kernel config ------------------------------------------------------------ */

static const char kconfig_text[] = "#\n"
				   "# Automatically generated file; DO NOT EDIT.\n"
				   "CONFIG_USER_NS=y\n"
				   "CONFIG_USER_NS_UNPRIVILEGED=n\n"
				   "CONFIG_OVERLAY_FS=m\n"
				   "# CONFIG_KPROBES is not set\n"
				   "CONFIG_NR_CPUS=64\n"
				   "CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n"
				   "# CONFIG_BPF_LSM_X is not set\n"
				   "CONFIG_LAST=y";

static void test_kconfig_lookup(void)
{
	char value[64];

	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_USER_NS", value, sizeof(value)),
			BARCO_KCONFIG_YES);
	CU_ASSERT_STRING_EQUAL(value, "y");
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_OVERLAY_FS", NULL, 0),
			BARCO_KCONFIG_MODULE);
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_KPROBES", value, sizeof(value)),
			BARCO_KCONFIG_NO);
	CU_ASSERT_STRING_EQUAL(value, "");
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_NR_CPUS", value, sizeof(value)),
			BARCO_KCONFIG_OTHER);
	CU_ASSERT_STRING_EQUAL(value, "64");
	CU_ASSERT_EQUAL(
		barco_kconfig_lookup(kconfig_text, "CONFIG_DEFAULT_HOSTNAME", value, sizeof(value)),
		BARCO_KCONFIG_OTHER);
	CU_ASSERT_STRING_EQUAL(value, "\"(none)\"");
	/* The last line has no newline. */
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_LAST", NULL, 0),
			BARCO_KCONFIG_YES);
}

static void test_kconfig_lookup_exact_names(void)
{
	/* A longer option with the same prefix is another option. */
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_USER_NS_UNPRIVILEGED", NULL, 0),
			BARCO_KCONFIG_NO);
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_USER", NULL, 0),
			BARCO_KCONFIG_NO);
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_BPF_LSM", NULL, 0),
			BARCO_KCONFIG_NO);
	/* Absent from the file: its dependencies were not met, so it is off. */
	CU_ASSERT_EQUAL(barco_kconfig_lookup(kconfig_text, "CONFIG_TIME_NS", NULL, 0),
			BARCO_KCONFIG_NO);
	/* No config at all: unknown, never "missing". */
	CU_ASSERT_EQUAL(barco_kconfig_lookup(NULL, "CONFIG_USER_NS", NULL, 0),
			BARCO_KCONFIG_UNKNOWN);
	CU_ASSERT_EQUAL(barco_kconfig_lookup("", "CONFIG_USER_NS", NULL, 0), BARCO_KCONFIG_NO);
}

static void test_kconfig_layer(void)
{
	static const char *const present[] = {"CONFIG_USER_NS", "CONFIG_OVERLAY_FS", NULL};
	static const char *const one_off[] = {"CONFIG_USER_NS", "CONFIG_KPROBES", "CONFIG_LAST",
					      NULL};
	struct barco_kconfig kc = {.text = (char *)kconfig_text, .source = "/proc/config.gz"};
	struct barco_kconfig none = {0};
	struct barco_report ev;
	const char *missing = "x";

	barco_report_clear(&ev);
	CU_ASSERT_EQUAL(barco_probe_kconfig_layer(&kc, present, &ev, &missing), BARCO_PROBE_PASS);
	CU_ASSERT_PTR_NULL(missing);
	CU_ASSERT_STRING_EQUAL(ev.text, "CONFIG_USER_NS=y (/proc/config.gz)\n"
					"CONFIG_OVERLAY_FS=m (/proc/config.gz)\n");
	barco_report_clear(&ev);
	CU_ASSERT_EQUAL(barco_probe_kconfig_layer(&kc, one_off, &ev, &missing), BARCO_PROBE_FAIL);
	CU_ASSERT_STRING_EQUAL(missing, "CONFIG_KPROBES");
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "CONFIG_KPROBES is not set (/proc/config.gz)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "CONFIG_LAST=y"));
	barco_report_clear(&ev);
	CU_ASSERT_EQUAL(barco_probe_kconfig_layer(&none, present, &ev, &missing),
			BARCO_PROBE_UNKNOWN);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "kernel config unreadable"));
}

/* ---- cgroup mode: filesystem types and mountinfo ---------------------------------- */

static const char hybrid_mountinfo[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char v2_mountinfo[] = "25 19 0:22 / /sys/fs/cgroup rw shared:5 - cgroup2 cgroup2 rw\n";
static const char v1_mountinfo[] =
	"30 22 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
	"33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";

static bool has_v1(const char *mountinfo)
{
	struct barco_cgroup_layout l;
	struct barco_err err = {0};

	if (barco_cgroup_layout_parse(mountinfo, &l, &err) < 0)
		return false;
	for (size_t c = 0; c < BARCO_CG_V1_COUNT; c++)
		if (l.v1_mount[c][0])
			return true;
	return false;
}

static void test_cgroup_mode_decision(void)
{
	CU_ASSERT_EQUAL(
		barco_probe_cgroup_mode(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC, has_v1(hybrid_mountinfo)),
		BARCO_CGROUP_HYBRID);
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(CGROUP2_SUPER_MAGIC, 0, has_v1(v2_mountinfo)),
			BARCO_CGROUP_V2);
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(TMPFS_MAGIC, 0, has_v1(v1_mountinfo)),
			BARCO_CGROUP_V1);
	/* cgroup2 only at unified, no v1 controller: barco uses it as v2. */
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC, false),
			BARCO_CGROUP_V2);
	/* A container's fresh sysfs hides the host's mounts that mountinfo still lists. */
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(SYSFS_MAGIC, 0, has_v1(hybrid_mountinfo)),
			BARCO_CGROUP_UNKNOWN);
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(0, 0, false), BARCO_CGROUP_UNKNOWN);
	CU_ASSERT_EQUAL(barco_probe_cgroup_mode(TMPFS_MAGIC, 0, false), BARCO_CGROUP_UNKNOWN);
}

/* ---- reports of a fake run -------------------------------------------------------- */

static int fake_check(struct barco_probe_ctx *ctx, const void *arg, struct barco_probe_result *ret,
		      struct barco_err *err)
{
	return 0;
}

static const struct barco_probe_check fake_checks[] = {
	{"userns.fake", "a \"quoted\" title", BARCO_PROBE_USERNS, true, fake_check, NULL, false},
	{"bpf.fake", "plain", BARCO_PROBE_BPF, false, fake_check, NULL, false},
};

static void fake_run(struct barco_probe_run *run, const struct barco_probe_check **checks,
		     struct barco_probe_result *results)
{
	memset(run, 0, sizeof(*run));
	memset(results, 0, 2 * sizeof(*results));
	checks[0] = &fake_checks[0];
	checks[1] = &fake_checks[1];
	run->checks = checks;
	run->results = results;
	run->n = 2;
	run->sections[BARCO_PROBE_USERNS] = run->sections[BARCO_PROBE_BPF] = true;
	(void)snprintf(run->kernel_release, sizeof(run->kernel_release), "6.0.0-test");
	run->duration_ns = 1500000;
	run->conclusions[BARCO_PROBE_USERNS][0].key = "rootless";
	(void)snprintf(run->conclusions[BARCO_PROBE_USERNS][0].value, 8, "yes");
	barco_probe_set(&results[0], BARCO_PROBE_FAIL, "fix it\nnow", "tab\there");
	barco_report_add(&results[0].evidence, "line \"1\"");
	barco_report_add(&results[0].evidence, "back\\slash \001");
	results[0].duration_ns = 250000;
	barco_probe_set(&results[1], BARCO_PROBE_PASS, NULL, "fine");
	barco_report_add(&results[1].evidence, "ok");
}

static char *render(const struct barco_probe_run *run, int mode)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	if (mode == 0)
		barco_probe_print_json(f, run);
	else
		barco_probe_print_text(f, run, mode == 2, false);
	(void)fclose(f);
	return text;
}

static void test_json_output(void)
{
	static const char expected[] =
		"{\n"
		"  \"schema_version\": 1,\n"
		"  \"kernel\": \"6.0.0-test\",\n"
		"  \"config_source\": null,\n"
		"  \"duration_ms\": 1.500,\n"
		"  \"exit_status\": 1,\n"
		"  \"counts\": {\"PASS\": 1, \"WARN\": 0, \"FAIL\": 1, \"UNKNOWN\": 0, \"SKIP\": "
		"0},\n"
		"  \"required_failed\": 1,\n"
		"  \"sections\": [\n"
		"    {\"name\": \"userns\", \"title\": \"user namespaces\", \"conclusions\": "
		"{\"rootless\": \"yes\"}, \"checks\": [\n"
		"        {\"name\": \"userns.fake\", \"title\": \"a \\\"quoted\\\" title\", "
		"\"required\": true, \"status\": \"FAIL\", \"summary\": \"tab\\there\", "
		"\"evidence\": [\"line \\\"1\\\"\", \"back\\\\slash \\u0001\"], \"hint\": \"fix "
		"it\\nnow\", "
		"\"duration_ms\": 0.250}\n"
		"    ]},\n"
		"    {\"name\": \"bpf\", \"title\": \"eBPF\", \"conclusions\": {}, \"checks\": [\n"
		"        {\"name\": \"bpf.fake\", \"title\": \"plain\", \"required\": false, "
		"\"status\": \"PASS\", \"summary\": \"fine\", \"evidence\": [\"ok\"], \"hint\": "
		"\"\", "
		"\"duration_ms\": 0.000}\n"
		"    ]}\n"
		"  ]\n"
		"}\n";
	const struct barco_probe_check *checks[2];
	struct barco_probe_result results[2];
	struct barco_probe_run run;
	char *json;

	fake_run(&run, checks, results);
	json = render(&run, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_STRING_EQUAL(json, expected);
	free(json);
}

static void test_text_output(void)
{
	const struct barco_probe_check *checks[2];
	struct barco_probe_result results[2];
	struct barco_probe_run run;
	char *plain, *color;

	fake_run(&run, checks, results);
	plain = render(&run, 1);
	color = render(&run, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(color);
	CU_ASSERT_PTR_NULL(strchr(plain, '\033'));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "  FAIL     userns.fake"));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "(required)\n           | line \"1\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "           fix: fix it\nnow\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "  => rootless: yes\n"));
	/* A PASS shows no evidence unless asked. */
	CU_ASSERT_PTR_NULL(strstr(plain, "| ok"));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "1 PASS, 0 WARN, 1 FAIL, 0 UNKNOWN; 1 required check "
					     "did not pass\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(color, "\033[31mFAIL   \033[0m"));
	CU_ASSERT_PTR_NOT_NULL(strstr(color, "\033[32mPASS   \033[0m"));
	free(plain);
	free(color);
	/* A check that needs root, for an ordinary user: counted apart, not a failure. */
	barco_probe_set(&results[0], BARCO_PROBE_SKIP, NULL, "needs root: x");
	plain = render(&run, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(plain, "  SKIP     userns.fake                  needs root: x\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(plain, "1 PASS, 0 WARN, 0 FAIL, 0 UNKNOWN; 1 SKIP (need "
					     "root); every required check passed\n"));
	free(plain);
}

static void test_exit_status(void)
{
	const struct barco_probe_check *checks[2];
	struct barco_probe_result results[2];
	struct barco_probe_run run;

	fake_run(&run, checks, results);
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_REQUIRED);
	results[0].status = BARCO_PROBE_WARN; /* works, with a caveat */
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_OK);
	results[0].status = BARCO_PROBE_SKIP; /* needs root, and barco runs rootless */
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_OK);
	results[0].status = BARCO_PROBE_UNKNOWN;
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_REQUIRED);
	results[0].status = BARCO_PROBE_PASS;
	results[1].status = BARCO_PROBE_FAIL; /* not required */
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_OK);
	results[1].is_broken = true;
	CU_ASSERT_EQUAL(barco_probe_exit_status(&run), BARCO_PROBE_EXIT_BROKEN);
	CU_ASSERT_PTR_EQUAL(barco_probe_run_find(&run, "bpf.fake"), &results[1]);
	CU_ASSERT_PTR_NULL(barco_probe_run_find(&run, "bpf.none"));
}

/* ---- evidence and children ---------------------------------------------------------- */

static void test_ev_call(void)
{
	struct barco_report ev;

	barco_report_clear(&ev);
	errno = EPERM;
	CU_ASSERT_EQUAL(barco_probe_ev_call(&ev, -1, "unshare(%s)", "CLONE_NEWNS"), -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	CU_ASSERT_EQUAL(barco_probe_ev_call(&ev, 7, "open(\"x\")"), 7);
	CU_ASSERT_EQUAL(barco_probe_ev_fail(&ev, ENOENT, "read %s", "/nope"), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_STRING_EQUAL(ev.text,
			       "unshare(CLONE_NEWNS) = -1 EPERM (Operation not permitted)\n"
			       "open(\"x\") = 7\n"
			       "read /nope = -1 ENOENT (No such file or directory)\n");
}

static int child_works(const void *arg, struct barco_report *ev, long *ret_value)
{
	barco_report_add(ev, "in the child: pid %d", (int)getpid());
	*ret_value = 42;
	return 0;
}

static int child_refused(const void *arg, struct barco_report *ev, long *ret_value)
{
	(void)barco_probe_ev_fail(ev, EACCES, "open(\"/x\")");
	return EACCES;
}

static int child_dies(const void *arg, struct barco_report *ev, long *ret_value)
{
	barco_report_add(ev, "about to die");
	/* kill(2), not raise(3): the child shares the caller's thread data. */
	(void)kill(getpid(), SIGSYS);
	return 0;
}

static int child_hangs(const void *arg, struct barco_report *ev, long *ret_value)
{
	for (;;)
		(void)pause();
	return 0;
}

static void test_in_child(void)
{
	struct barco_probe_ctx ctx = {.child_timeout_ms = 300};
	struct barco_probe_child child;
	struct barco_err err = {0};
	struct barco_report ev;
	char ours[64];

	(void)snprintf(ours, sizeof(ours), "in the child: pid %d\n", (int)getpid());
	barco_report_clear(&ev);
	CU_ASSERT_EQUAL_FATAL(barco_probe_in_child(&ctx, child_works, NULL, &ev, &child, &err), 0);
	CU_ASSERT_TRUE(barco_probe_child_ok(&child, &ev));
	CU_ASSERT_EQUAL(child.value, 42);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "in the child: pid "));
	CU_ASSERT_PTR_NULL(strstr(ev.text, ours)); /* another process wrote it */
	CU_ASSERT_EQUAL(ctx.n_pending, 1);
	barco_probe_ctx_finish(&ctx);
	CU_ASSERT_EQUAL(ctx.n_pending, 0);

	CU_ASSERT_EQUAL_FATAL(barco_probe_in_child(&ctx, child_refused, NULL, &ev, &child, &err),
			      0);
	CU_ASSERT_FALSE(barco_probe_child_ok(&child, &ev));
	CU_ASSERT_EQUAL(child.code, EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "open(\"/x\") = -1 EACCES"));
	barco_probe_ctx_finish(&ctx);
}

static void test_in_child_death_and_timeout(void)
{
	struct barco_probe_ctx ctx = {.child_timeout_ms = 300};
	struct barco_probe_child child;
	struct barco_err err = {0};
	struct barco_report ev;

	barco_report_clear(&ev);
	CU_ASSERT_EQUAL_FATAL(barco_probe_in_child(&ctx, child_dies, NULL, &ev, &child, &err), 0);
	CU_ASSERT_EQUAL(child.signal, SIGSYS);
	CU_ASSERT_FALSE(barco_probe_child_ok(&child, &ev));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "about to die\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "SIGSYS: a seccomp filter refused a syscall"));
	barco_report_clear(&ev);
	CU_ASSERT_EQUAL_FATAL(barco_probe_in_child(&ctx, child_hangs, NULL, &ev, &child, &err), 0);
	CU_ASSERT_TRUE(child.is_timeout);
	CU_ASSERT_FALSE(barco_probe_child_ok(&child, &ev));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "did not finish in time"));
	CU_ASSERT_EQUAL(ctx.n_pending, 0);
	barco_probe_ctx_finish(&ctx);
}

/* A check made of layers: pass when the attempt works, else its verdict, else its fail row. */
static void test_layers_pass_and_fail_rows(void)
{
	static const struct barco_probe_layers works = {
		.attempt = child_works,
		.pass = "it worked",
		.fail = {BARCO_PROBE_WARN, "do this", "it did not work"},
	};
	static const struct barco_probe_layers refused = {
		.attempt = child_refused,
		.pass = "it worked",
		.fail = {BARCO_PROBE_WARN, "do this", "it did not work"},
	};
	struct barco_probe_ctx ctx = {.child_timeout_ms = 300};
	struct barco_probe_result r = {0};
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_probe_check_layers(&ctx, &works, &r, &err), 0);
	CU_ASSERT_EQUAL(r.status, BARCO_PROBE_PASS);
	CU_ASSERT_STRING_EQUAL(r.summary, "it worked");
	r = (struct barco_probe_result){0};
	CU_ASSERT_EQUAL_FATAL(barco_probe_check_layers(&ctx, &refused, &r, &err), 0);
	CU_ASSERT_EQUAL(r.status, BARCO_PROBE_WARN);
	CU_ASSERT_STRING_EQUAL(r.summary, "it did not work");
	CU_ASSERT_STRING_EQUAL(r.hint, "do this");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.evidence.text, "EACCES"));
	barco_probe_ctx_finish(&ctx);
}

/* As under `git rebase -x`: started with SIGALRM ignored, and blocked too. */
static void test_in_child_timeout_with_sigalrm_ignored(void)
{
	struct barco_probe_ctx ctx = {.child_timeout_ms = 300};
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_action, now;
	struct barco_probe_child child;
	struct barco_err err = {0};
	struct barco_report ev;
	sigset_t alrm, old_mask;

	(void)sigemptyset(&alrm);
	(void)sigaddset(&alrm, SIGALRM);
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGALRM, &ign, &old_action), 0);
	CU_ASSERT_EQUAL_FATAL(sigprocmask(SIG_BLOCK, &alrm, &old_mask), 0);
	barco_report_clear(&ev);
	CU_ASSERT_EQUAL(barco_probe_in_child(&ctx, child_hangs, NULL, &ev, &child, &err), 0);
	CU_ASSERT_TRUE(child.is_timeout);
	CU_ASSERT_FALSE(barco_probe_child_ok(&child, &ev));
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.text, "did not finish in time"));
	/* The child reset its own copy: the caller still ignores SIGALRM. */
	CU_ASSERT_EQUAL(sigaction(SIGALRM, NULL, &now), 0);
	CU_ASSERT_PTR_EQUAL(now.sa_handler, SIG_IGN);
	(void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
	(void)sigaction(SIGALRM, &old_action, NULL);
	barco_probe_ctx_finish(&ctx);
}

/* ---- tables --------------------------------------------------------------------------- */

static void test_check_tables(void)
{
	size_t total = 0;

	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		const struct barco_probe_section_def *def =
			barco_probe_section_get((enum barco_probe_section)s);
		enum barco_probe_section back;
		struct barco_err err = {0};
		size_t len = strlen(def->name);

		CU_ASSERT_EQUAL(barco_probe_section_from_name(def->name, &back, &err), 0);
		CU_ASSERT_EQUAL(back, (enum barco_probe_section)s);
		CU_ASSERT_TRUE(*def->len > 0);
		for (size_t i = 0; i < *def->len; i++) {
			const struct barco_probe_check *c = &def->checks[i];

			CU_ASSERT_EQUAL(c->section, (enum barco_probe_section)s);
			CU_ASSERT_TRUE(strncmp(c->name, def->name, len) == 0 &&
				       c->name[len] == '.');
			CU_ASSERT_PTR_NOT_NULL(c->fn);
			CU_ASSERT_TRUE(c->title && c->title[0]);
			for (size_t j = 0; j < i; j++)
				CU_ASSERT_STRING_NOT_EQUAL(c->name, def->checks[j].name);
		}
		total += *def->len;
	}
	CU_ASSERT_TRUE(total >= 50);
	CU_ASSERT_PTR_NULL(barco_probe_section_get(BARCO_PROBE_SECTION_COUNT));
}

static void test_section_names_and_statuses(void)
{
	enum barco_probe_section s;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL(barco_probe_section_from_name("nosuch", &s, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown section 'nosuch'"));
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_PASS), "PASS");
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_WARN), "WARN");
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_FAIL), "FAIL");
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_UNKNOWN), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_SKIP), "SKIP");
	CU_ASSERT_STRING_EQUAL(barco_probe_status_name(BARCO_PROBE_STATUS_COUNT), "UNKNOWN");
}

static void test_btf_queries_cover_the_attachments(void)
{
	static const char *const names[] = {"btf_trace_sys_enter", "btf_trace_sys_exit",
					    "btf_trace_signal_generate", "btf_trace_cap_capable",
					    "cap_capable"};

	CU_ASSERT_TRUE(barco_probe_bpf_btf_queries_len <= BARCO_PROBE_BTF_QUERIES_MAX);
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		bool is_found = false;

		for (size_t q = 0; q < barco_probe_bpf_btf_queries_len; q++)
			is_found = is_found ||
				   strcmp(barco_probe_bpf_btf_queries[q].name, names[i]) == 0;
		CU_ASSERT_TRUE(is_found);
	}
}

void barco_test_register_probe(void)
{
	static const struct barco_test tests[] = {
		{"kconfig: lookup", test_kconfig_lookup},
		{"kconfig: exact names, absent, unknown", test_kconfig_lookup_exact_names},
		{"kconfig: the compiled-in layer", test_kconfig_layer},
		{"cgroup mode from fs types and mountinfo", test_cgroup_mode_decision},
		{"json output", test_json_output},
		{"text output, colour", test_text_output},
		{"exit status", test_exit_status},
		{"evidence lines", test_ev_call},
		{"in child: answer, value, refusal", test_in_child},
		{"in child: signal, timeout", test_in_child_death_and_timeout},
		{"layers: pass, or the fail row", test_layers_pass_and_fail_rows},
		{"in child: timeout with SIGALRM ignored",
		 test_in_child_timeout_with_sigalrm_ignored},
		{"tables", test_check_tables},
		{"section names, statuses", test_section_names_and_statuses},
		{"btf queries", test_btf_queries_cover_the_attachments},
	};

	barco_test_suite_add("probe", tests, ARRAY_LEN(tests));
}
