/*
 * Capability names, masks, and barco_caps_apply in forked children (the
 * CUnit process itself never changes its credentials).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stages/caps.h"
#include "base/cleanup.h"
#include "base/util.h"
#include "suites.h"

#define DEFAULT_MASK UINT64_C(0x00000000a80425fb)

struct apply_case {
	uint64_t keep;
	uid_t uid;
	gid_t gid;
	bool in_userns;
	const char *report_must_contain;
};

/* One "CapEff:\t000001ffffffffff" line of /proc/self/status. */
static int status_mask(const char *field, uint64_t *ret)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t len = strlen(field);

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			return sscanf(line + len + 1, "%lx", ret) == 1 ? 0 : -1;
	}
	return -1;
}

static void test_name_round_trip(void)
{
	struct barco_err err = {0};

	for (int cap = 0; cap <= 40; cap++) {
		const char *name = barco_cap_name(cap);
		char *libcap_name = cap_to_name(cap);
		char lower[64];
		int got = -1;

		CU_ASSERT_EQUAL(strncmp(name, "CAP_", 4), 0);
		/* the table agrees with libcap's own ("cap_net_admin") */
		if (!libcap_name) {
			CU_FAIL("cap_to_name returned NULL");
			continue;
		}
		CU_ASSERT_EQUAL(strcasecmp(name, libcap_name), 0);
		(void)cap_free(libcap_name);

		CU_ASSERT_EQUAL(barco_cap_from_name(name, &got, &err), 0);
		CU_ASSERT_EQUAL(got, cap);
		got = -1;
		CU_ASSERT_EQUAL(barco_cap_from_name(name + 4, &got, &err), 0);
		CU_ASSERT_EQUAL(got, cap);
		for (size_t i = 0; i <= strlen(name); i++)
			lower[i] = (char)tolower((unsigned char)name[i]);
		got = -1;
		CU_ASSERT_EQUAL(barco_cap_from_name(lower, &got, &err), 0);
		CU_ASSERT_EQUAL(got, cap);
		got = -1;
		CU_ASSERT_EQUAL(barco_cap_from_name(lower + 4, &got, &err), 0);
		CU_ASSERT_EQUAL(got, cap);
	}
}

static void test_name_variants(void)
{
	static const char *const all[] = {"ALL", "all", "All", "CAP_ALL"};
	static const char *const bad[] = {"NET_ADMINX", "CAP_", "", "CAP_CAP_CHOWN", "42"};
	struct barco_err err = {0};
	int got;

	CU_ASSERT_EQUAL(barco_cap_from_name("NET_ADMIN", &got, &err), 0);
	CU_ASSERT_EQUAL(got, CAP_NET_ADMIN);
	CU_ASSERT_EQUAL(barco_cap_from_name("cap_net_admin", &got, &err), 0);
	CU_ASSERT_EQUAL(got, CAP_NET_ADMIN);
	CU_ASSERT_STRING_EQUAL(barco_cap_name(CAP_NET_ADMIN), "CAP_NET_ADMIN");
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		got = 0;
		CU_ASSERT_EQUAL(barco_cap_from_name(all[i], &got, &err), 0);
		CU_ASSERT_EQUAL(got, -2);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		got = 7;
		CU_ASSERT_EQUAL(barco_cap_from_name(bad[i], &got, &err), -1);
		CU_ASSERT_EQUAL(got, 7);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "capabilities(7)"));
		if (*bad[i])
			CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i]));
	}
	CU_ASSERT_STRING_EQUAL(barco_cap_name(-1), "CAP_?");
	CU_ASSERT_STRING_EQUAL(barco_cap_name(41), "CAP_?");
	CU_ASSERT_STRING_EQUAL(barco_cap_name(64), "CAP_?");
}

static void test_default_mask(void)
{
	uint64_t seen = 0;

	CU_ASSERT_EQUAL(barco_caps_allowlist_len, 14);
	for (size_t i = 0; i < barco_caps_allowlist_len; i++) {
		int cap = barco_caps_allowlist[i];

		CU_ASSERT_FALSE(seen & (UINT64_C(1) << cap));
		seen |= UINT64_C(1) << cap;
	}
	CU_ASSERT_EQUAL(barco_caps_default_mask(), DEFAULT_MASK);
	CU_ASSERT_EQUAL(seen, DEFAULT_MASK);
	CU_ASSERT_FALSE(barco_caps_default_mask() & (UINT64_C(1) << CAP_SYS_ADMIN));
	CU_ASSERT_FALSE(barco_caps_default_mask() & (UINT64_C(1) << CAP_NET_ADMIN));
	CU_ASSERT_FALSE(barco_caps_default_mask() & (UINT64_C(1) << CAP_BPF));
}

static void test_compute(void)
{
	uint64_t net_admin = UINT64_C(1) << CAP_NET_ADMIN;
	uint64_t chown_bit = UINT64_C(1) << CAP_CHOWN;
	uint64_t high = UINT64_C(7) << 38; /* PERFMON, BPF, CHECKPOINT_RESTORE */

	CU_ASSERT_EQUAL(barco_caps_compute(0, 0, 40), DEFAULT_MASK);
	CU_ASSERT_EQUAL(barco_caps_compute(net_admin, 0, 40), DEFAULT_MASK | net_admin);
	CU_ASSERT_EQUAL(barco_caps_compute(0, chown_bit, 40), DEFAULT_MASK & ~chown_bit);
	/* drop wins over add, as with docker --cap-add X --cap-drop X */
	CU_ASSERT_EQUAL(barco_caps_compute(net_admin, net_admin, 40), DEFAULT_MASK);
	CU_ASSERT_EQUAL(barco_caps_compute(UINT64_MAX, 0, 40), (UINT64_C(1) << 41) - 1);
	CU_ASSERT_EQUAL(barco_caps_compute(0, UINT64_MAX, 40), 0);
	/* a kernel that stops at CAP_AUDIT_READ (37) never sees bits 38..40 */
	CU_ASSERT_EQUAL(barco_caps_compute(high, 0, 37), DEFAULT_MASK);
	CU_ASSERT_EQUAL(barco_caps_compute(high, 0, 40), DEFAULT_MASK | high);
	CU_ASSERT_EQUAL(barco_caps_compute(UINT64_C(1) << 63, 0, 63),
			DEFAULT_MASK | (UINT64_C(1) << 63));
}

static void test_last_cap(void)
{
	struct barco_err err = {0};
	int last = -1;

	CU_ASSERT_EQUAL_FATAL(barco_caps_last_cap(&last, &err), 0);
	CU_ASSERT(last >= CAP_AUDIT_READ);
	/* the kernel agrees: last is a valid bounding-set entry, last + 1 is not */
	CU_ASSERT(prctl(PR_CAPBSET_READ, last, 0, 0, 0) >= 0);
	CU_ASSERT_EQUAL(prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
}

static int write_file(const char *path, const char *text)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	return 0;
}

/* Root of a fresh user namespace, as the container is (minus the id shift). */
static int enter_userns(void)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1") < 0 ||
	    write_file("/proc/self/gid_map", "0 0 1") < 0)
		return -1;
	return 0;
}

static int check_mask(const char *field, uint64_t want)
{
	uint64_t got;

	if (status_mask(field, &got) < 0) {
		(void)fprintf(stderr, "caps child: no %s in /proc/self/status\n", field);
		return -1;
	}
	if (got != want) {
		(void)fprintf(stderr, "caps child: %s = %016lx, want %016lx\n", field, got, want);
		return -1;
	}
	return 0;
}

static int check_identity(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid)
		return -1;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid)
		return -1;
	return 0;
}

static int apply_child(const void *arg)
{
	const struct apply_case *c = arg;
	struct barco_report rep = {0};
	struct barco_err err = {0};
	uint64_t bset_before, want;

	if (c->in_userns && enter_userns() < 0)
		return 10;
	if (status_mask("CapBnd", &bset_before) < 0)
		return 11;
	if (barco_caps_apply(c->keep, c->uid, c->gid, NULL, 0, &rep, &err) < 0) {
		(void)fprintf(stderr, "caps child: %s (errno %d)\n", err.msg, err.errnum);
		return 12;
	}
	want = c->uid == 0 ? c->keep & bset_before : 0;
	if (check_mask("CapBnd", c->keep & bset_before) < 0 || check_mask("CapPrm", want) < 0 ||
	    check_mask("CapEff", want) < 0 || check_mask("CapInh", 0) < 0 ||
	    check_mask("CapAmb", 0) < 0)
		return 13;
	if (check_identity(c->uid, c->gid) < 0 || getgroups(0, NULL) != 0)
		return 14;
	if (c->report_must_contain && !strstr(rep.text, c->report_must_contain)) {
		(void)fprintf(stderr, "caps child: report lacks \"%s\":\n%s",
			      c->report_must_contain, rep.text);
		return 15;
	}
	return 0;
}

static void test_apply_root(void)
{
	struct apply_case c = {
		.keep = DEFAULT_MASK,
		.report_must_contain = "prctl(PR_CAPBSET_DROP, …) = 0 for 27 capabilities: "
				       "CAP_DAC_READ_SEARCH, CAP_LINUX_IMMUTABLE, ",
	};

	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
	c.report_must_contain = "capset(permitted=effective=0x00000000a80425fb, inheritable=0) = 0";
	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
	c.report_must_contain = "PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) = 0";
	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
}

static void test_apply_custom_set(void)
{
	struct apply_case c = {
		.keep = (DEFAULT_MASK | (UINT64_C(1) << CAP_NET_ADMIN)) &
			~(UINT64_C(1) << CAP_CHOWN),
		.report_must_contain = "setgroups(0, NULL) = 0",
	};

	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
	/* keeping everything (bits past cap_last_cap included) must not fail */
	c.keep = UINT64_MAX;
	c.report_must_contain = "nothing to drop";
	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
	c.keep = 0;
	c.report_must_contain = "capset(permitted=effective=0x0000000000000000, inheritable=0) = 0";
	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
}

static void test_apply_unprivileged_user(void)
{
	struct apply_case c = {
		.keep = DEFAULT_MASK,
		.uid = 1000,
		.gid = 1000,
		.report_must_contain = "setresuid(1000, 1000, 1000) = 0",
	};

	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
}

static void test_apply_in_userns(void)
{
	struct apply_case c = {
		.keep = DEFAULT_MASK,
		.in_userns = true,
		.report_must_contain = "setgroups(0, NULL) = -1 EPERM (/proc/self/setgroups is",
	};

	CU_ASSERT_EQUAL(barco_test_run_in_child(apply_child, &c), 0);
}

/* After the drop, a capability outside keep can be regained by no means. */
static int regain_child(const void *arg)
{
	struct barco_report rep = {0};
	struct barco_err err = {0};
	cap_value_t admin = CAP_SYS_ADMIN;
	cap_t caps;

	(void)arg;
	if (barco_caps_apply(DEFAULT_MASK, 0, 0, NULL, 0, &rep, &err) < 0)
		return 10;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) == 0 || errno != EPERM)
		return 11;
	caps = cap_get_proc();
	if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, 1, &admin, CAP_SET) < 0)
		return 12;
	if (cap_set_proc(caps) == 0 || errno != EPERM)
		return 13;
	(void)cap_free(caps);
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		return 14;
	return 0;
}

static void test_dropped_cannot_be_regained(void)
{
	CU_ASSERT_EQUAL(barco_test_run_in_child(regain_child, NULL), 0);
}

void barco_test_register_caps(void)
{
	static const struct barco_test tests[] = {
		{"names round-trip 0..40 (and agree with libcap)", test_name_round_trip},
		{"name variants, ALL, unknown names", test_name_variants},
		{"default mask is the 14 OCI capabilities", test_default_mask},
		{"compute: add, drop, last_cap", test_compute},
		{"cap_last_cap agrees with the kernel", test_last_cap},
		{"apply as root: bounding = permitted = effective = allowlist; inheritable, "
		 "ambient empty",
		 test_apply_root},
		{"apply a custom, full and empty set", test_apply_custom_set},
		{"apply uid 1000: only the bounding set", test_apply_unprivileged_user},
		{"apply in a user namespace (setgroups deny)", test_apply_in_userns},
		{"dropped capabilities cannot be regained", test_dropped_cannot_be_regained},
	};

	barco_test_suite_add("caps", tests, ARRAY_LEN(tests));
}
