/* What `barco step --diff` compares: /proc text parsed, and two snapshots diffed. */
#include <string.h>

#include "runtime/observe.h"
#include "suites.h"

static const char status_before[] = "Name:\tsh\n"
				    "Uid:\t0\t0\t0\t0\n"
				    "Gid:\t0\t0\t0\t0\n"
				    "NSpid:\t4242\t1\n"
				    "CapInh:\t0000000000000000\n"
				    "CapPrm:\t000001ffffffffff\n"
				    "CapEff:\t000001ffffffffff\n"
				    "CapBnd:\t000001ffffffffff\n"
				    "CapAmb:\t0000000000000000\n"
				    "NoNewPrivs:\t0\n"
				    "Seccomp:\t0\n"
				    "Seccomp_filters:\t0\n";

static const char status_after[] = "Name:\tsh\n"
				   "Uid:\t100000\t100000\t100000\t100000\n"
				   "Gid:\t0\t0\t0\t0\n"
				   "NSpid:\t4242\t1\n"
				   "CapInh:\t0000000000000000\n"
				   "CapPrm:\t00000000a80425fb\n"
				   "CapEff:\t00000000a80425fb\n"
				   "CapBnd:\t00000000a80425fb\n"
				   "CapAmb:\t0000000000000000\n"
				   "NoNewPrivs:\t1\n"
				   "Seccomp:\t2\n"
				   "Seccomp_filters:\t1\n";

/* The host's mounts, then the container's after pivot_root (ids differ: not a change). */
static const char mounts_host[] =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n";

static const char mounts_copy[] =
	"122 101 254:0 / / rw,relatime master:1 - ext4 /dev/vda rw\n"
	"123 122 0:21 / /proc rw,nosuid,nodev,noexec,relatime master:12 - proc proc rw\n"
	"124 122 0:22 / /sys rw,nosuid,nodev,noexec,relatime master:2 - sysfs sysfs rw\n";

static const char mounts_container[] =
	"200 150 254:0 /var/lib/barco/rootfs / rw,relatime - ext4 /dev/vda rw\n"
	"201 200 0:50 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n";

static const struct barco_observe_change *find(const struct barco_observe_diff *d, const char *what)
{
	for (size_t i = 0; i < d->len; i++)
		if (strcmp(d->changes[i].what, what) == 0)
			return &d->changes[i];
	return NULL;
}

static void test_observe_parse_status(void)
{
	static struct barco_observe o;

	memset(&o, 0, sizeof(o));
	barco_observe_parse_status(status_after, &o);
	CU_ASSERT_EQUAL(o.caps[3], 0xa80425fbULL);
	CU_ASSERT_EQUAL(o.caps[0], 0);
	CU_ASSERT_EQUAL(o.no_new_privs, 1);
	CU_ASSERT_EQUAL(o.seccomp, 2);
	CU_ASSERT_EQUAL(o.seccomp_filters, 1);
	CU_ASSERT_STRING_EQUAL(o.uid, "100000 100000 100000 100000");
	CU_ASSERT_STRING_EQUAL(o.nspid, "4242 1");
	/* A line missing (an old kernel without Seccomp_filters) is -1, not 0. */
	barco_observe_parse_status("Seccomp:\t0\n", &o);
	CU_ASSERT_EQUAL(o.seccomp_filters, -1);
}

static void test_observe_diff_caps_seccomp_ids(void)
{
	static struct barco_observe a, b;
	static struct barco_observe_diff d;
	const struct barco_observe_change *c;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	barco_observe_parse_status(status_before, &a);
	barco_observe_parse_status(status_after, &b);
	barco_observe_diff(&a, &b, &d);
	c = find(&d, "CapBnd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->from, "000001ffffffffff");
	CU_ASSERT_STRING_EQUAL(c->to, "00000000a80425fb");
	CU_ASSERT_PTR_NOT_NULL(strstr(c->detail, "-CAP_SYS_ADMIN "));
	CU_ASSERT_PTR_NULL(strstr(c->detail, "CAP_CHOWN"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c->detail, "(41 -> 14)"));
	CU_ASSERT_PTR_NULL(find(&d, "CapInh"));
	CU_ASSERT_STRING_EQUAL(find(&d, "Seccomp")->to, "2");
	CU_ASSERT_STRING_EQUAL(find(&d, "NoNewPrivs")->from, "0");
	CU_ASSERT_STRING_EQUAL(find(&d, "Uid")->to, "100000 100000 100000 100000");
	CU_ASSERT_PTR_NULL(find(&d, "Gid"));
	CU_ASSERT_PTR_NULL(find(&d, "NSpid"));
	/* Added capabilities are named with '+'. */
	barco_observe_diff(&b, &a, &d);
	CU_ASSERT_PTR_NOT_NULL(strstr(find(&d, "CapEff")->detail, "+CAP_SYS_ADMIN "));
}

static void test_observe_mounts(void)
{
	static struct barco_observe a, b, c;
	static struct barco_observe_diff d;
	const struct barco_observe_change *m;

	barco_observe_parse_mountinfo(mounts_host, &a);
	barco_observe_parse_mountinfo(mounts_copy, &b);
	barco_observe_parse_mountinfo(mounts_container, &c);
	CU_ASSERT_EQUAL(a.mounts_len, 3);
	CU_ASSERT_STRING_EQUAL(a.root, "/ on /dev/vda (ext4)");
	/* A new mount namespace copies the mounts: new ids and propagation, nothing added. */
	barco_observe_diff(&a, &b, &d);
	CU_ASSERT_EQUAL(d.len, 0);
	barco_observe_diff(&b, &c, &d);
	m = find(&d, "mounts");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->detail, "+2 mounts, -3 mounts");
	CU_ASSERT_STRING_EQUAL(m->from, "3");
	CU_ASSERT_STRING_EQUAL(m->to, "2");
	CU_ASSERT_STRING_EQUAL(find(&d, "root")->to, "/var/lib/barco/rootfs on /dev/vda (ext4)");
}

static void test_observe_cgroups_and_namespaces(void)
{
	static struct barco_observe a, b;
	static struct barco_observe_diff d;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	barco_observe_parse_cgroup("4:memory:/user.slice\n1:cpu:/\n0::/init.scope\n", &a);
	barco_observe_parse_cgroup("4:memory:/barco/box\n1:cpu:/\n0::/barco/box\n", &b);
	CU_ASSERT_EQUAL(a.cgroups_len, 3);
	CU_ASSERT_STRING_EQUAL(a.cgroups[2].hierarchy, "0:");
	CU_ASSERT_STRING_EQUAL(a.cgroups[2].path, "/init.scope");
	a.ns[1] = 4026531841ULL; /* mnt */
	b.ns[1] = 4026532270ULL;
	a.ns[0] = b.ns[0] = 4026531837ULL; /* user: the same */
	(void)strcpy(a.hostname, "host");
	(void)strcpy(b.hostname, "box");
	barco_observe_diff(&a, &b, &d);
	CU_ASSERT_STRING_EQUAL(find(&d, "cgroup 4:memory")->to, "/barco/box");
	CU_ASSERT_STRING_EQUAL(find(&d, "cgroup 0:")->from, "/init.scope");
	CU_ASSERT_PTR_NULL(find(&d, "cgroup 1:cpu"));
	CU_ASSERT_STRING_EQUAL(find(&d, "ns/mnt")->to, "4026532270");
	CU_ASSERT_PTR_NULL(find(&d, "ns/user"));
	CU_ASSERT_STRING_EQUAL(find(&d, "hostname")->to, "box");
	CU_ASSERT_EQUAL(d.len, 4);
}

void barco_test_register_observe(void)
{
	static const struct barco_test tests[] = {
		{"status lines", test_observe_parse_status},
		{"capabilities, seccomp, ids", test_observe_diff_caps_seccomp_ids},
		{"mounts", test_observe_mounts},
		{"cgroups, namespaces, hostname", test_observe_cgroups_and_namespaces},
	};

	barco_test_suite_add("observe", tests, ARRAY_LEN(tests));
}
