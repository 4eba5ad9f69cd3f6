/* An OCI spec mapped onto struct barco_config: what the stages read, or an error naming the path.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/oci_config.h"
#include "stages/caps.h"
#include "stages/mount.h"
#include "suites.h"

#define DOC(PROC, TOP)                                                                             \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                                \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"" PROC "}" TOP "}"
#define NS(...) ",\"linux\":{\"namespaces\":[" __VA_ARGS__ "]}"
#define NS_MIN	"{\"type\":\"pid\"},{\"type\":\"mount\"}"
#define MAP	"{\"containerID\":0,\"hostID\":100000,\"size\":65536}"

/* Parses json and maps it; returns the mapping's result, *ret_spec to free. */
static int apply(const char *json, struct barco_config *cfg, struct barco_oci_spec **ret_spec,
		 struct barco_err *err)
{
	*ret_spec = NULL;
	barco_config_init(cfg);
	if (barco_oci_spec_parse(json, strlen(json), ret_spec, err) < 0) {
		fprintf(stderr, "\nparse refused: %s\n", err->msg);
		return -2;
	}
	return barco_oci_config_apply(*ret_spec, "/srv/rootfs", cfg, err);
}

static void test_runc_like_spec(void)
{
	struct barco_config cfg;
	struct barco_oci_spec *spec;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(
		apply(DOC(",\"env\":[\"A=1\"],\"cwd\":\"/"
			  "w\",\"user\":{\"uid\":0,\"gid\":0,\"umask\":18},"
			  "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_"
			  "KILL\"],"
			  "\"permitted\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]},"
			  "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]",
			  ",\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"h\""
			  ",\"linux\":{\"namespaces\":[" NS_MIN ",{\"type\":\"uts\"},"
			  "{\"type\":\"network\"}],\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
			  "\"resources\":{\"memory\":{\"limit\":1048576},"
			  "\"cpu\":{\"shares\":1024}}}"),
		      &cfg, &spec, &err),
		0);
	CU_ASSERT_STRING_EQUAL(cfg.rootfs, "/srv/rootfs");
	CU_ASSERT_TRUE(cfg.is_rootfs_readonly);
	CU_ASSERT_STRING_EQUAL(cfg.hostname, "h");
	CU_ASSERT_STRING_EQUAL(cfg.argv[0], "sh");
	CU_ASSERT_TRUE(cfg.is_env_exact);
	CU_ASSERT_EQUAL(cfg.env_len, 1);
	CU_ASSERT_STRING_EQUAL(cfg.env[0], "A=1");
	CU_ASSERT_PTR_NULL(cfg.env[1]);
	CU_ASSERT_STRING_EQUAL(cfg.workdir, "/w");
	CU_ASSERT_EQUAL(cfg.ns_flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWNET);
	CU_ASSERT_TRUE(cfg.is_userns_host);
	CU_ASSERT_TRUE(cfg.has_caps_exact);
	CU_ASSERT_EQUAL(cfg.caps_exact, 1ULL << 5);
	CU_ASSERT_TRUE(cfg.has_umask);
	CU_ASSERT_EQUAL(cfg.umask, 022);
	CU_ASSERT_EQUAL(cfg.rlimits_len, 1);
	CU_ASSERT_EQUAL(cfg.rlimits[0].resource, RLIMIT_NOFILE);
	CU_ASSERT_EQUAL(cfg.sysctls_len, 1);
	CU_ASSERT_STRING_EQUAL(cfg.sysctls[0].key, "net.ipv4.ip_forward");
	CU_ASSERT_EQUAL(cfg.memory_max_bytes, 1048576);
	/* runc's and crun's conversion: 1024 shares is weight 39. */
	CU_ASSERT_EQUAL(cfg.cpu_weight, 39);
	/* No key, no list: an empty one, not barco's defaults. */
	CU_ASSERT_PTR_NOT_NULL(cfg.masked_paths);
	CU_ASSERT_EQUAL(cfg.masked_paths_len, 0);
	CU_ASSERT_PTR_NOT_NULL(cfg.mounts);
	CU_ASSERT_EQUAL(cfg.mounts_len, 0);
	barco_oci_spec_free(spec);
}

/* Groups as given; runc's umask 022 when none is; noNewPrivileges false; no seccomp, no filter. */
static void test_groups_umask_and_privileges(void)
{
	struct barco_config cfg;
	struct barco_oci_spec *spec;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(apply(DOC(",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":"
					"[5,6]},\"noNewPrivileges\":false",
					NS(NS_MIN)),
				    &cfg, &spec, &err),
			      0);
	CU_ASSERT_EQUAL(cfg.groups_len, 2);
	CU_ASSERT_EQUAL(cfg.groups[0], 5);
	CU_ASSERT_EQUAL(cfg.groups[1], 6);
	CU_ASSERT_TRUE(cfg.has_umask);
	CU_ASSERT_EQUAL(cfg.umask, 022);
	CU_ASSERT_TRUE(cfg.is_new_privs_allowed);
	CU_ASSERT_EQUAL(cfg.seccomp, BARCO_SECCOMP_UNCONFINED);
	barco_oci_spec_free(spec);
}

static const struct {
	const char *json;
	const char *error;
} refusals[] = {
	{DOC(",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,70000]}",
	     NS(NS_MIN ",{\"type\":\"user\"}],\"uidMappings\":[" MAP "],\"gidMappings\":[" MAP)),
	 "process.user.additionalGids[1]: gid 70000 is not in linux.gidMappings"},
	{DOC(",\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}", NS(NS_MIN)),
	 "process.capabilities.effective: barco applies the bounding set"},
	{DOC(",\"user\":{\"uid\":1,\"gid\":0},\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
	     "\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]"
	     "}",
	     NS(NS_MIN)),
	 "process.capabilities.ambient: barco applies an empty set"},
	{DOC("", NS("{\"type\":\"pid\"}")), "linux.namespaces: barco needs a mount namespace"},
	{DOC("", NS("{\"type\":\"mount\"}")), "linux.namespaces: barco needs a pid namespace"},
	{DOC("", NS("{\"type\":\"pid\"},{\"type\":\"mount\",\"path\":\"/proc/1/ns/mnt\"}")),
	 "linux.namespaces: joining the mount namespace at /proc/1/ns/mnt (path) is not supported"},
	{DOC("", ",\"linux\":{\"namespaces\":[" NS_MIN ",{\"type\":\"user\"},{\"type\":"
		 "\"network\",\"path\":\"/n\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":"
		 "1000,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":"
		 "1}]}"),
	 "linux.namespaces: joining the network namespace at /n together with a new user"},
	{DOC("", NS(NS_MIN) ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"rbind\","
			    "\"rshared\"]}]"),
	 "mounts[0].options: propagation other than (r)private is not supported yet"},
};

/*
 * runc's checkTerminal: create with a terminal needs a socket to send the
 * master over, a socket needs a terminal; run relays the terminal itself.
 */
static void test_terminal_and_console_socket(void)
{
	static const struct {
		bool is_terminal, is_create;
		const char *socket;
		const char *error; /* NULL: accepted */
	} cases[] = {
		{true, false, NULL, NULL},
		{true, true, "/run/c.sock", NULL},
		{false, true, NULL, NULL},
		{true, true, NULL, "process.terminal: true needs --console-socket"},
		{false, true, "/run/c.sock", "--console-socket: process.terminal is false"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *json = cases[i].is_terminal ? DOC(",\"terminal\":true", NS(NS_MIN))
							: DOC("", NS(NS_MIN));
		struct barco_config cfg;
		struct barco_oci_spec *spec = NULL;
		struct barco_err err = {0};
		int r;

		barco_config_init(&cfg);
		CU_ASSERT_EQUAL_FATAL(barco_oci_spec_parse(json, strlen(json), &spec, &err), 0);
		cfg.is_oci_create = cases[i].is_create;
		cfg.console_socket = cases[i].socket;
		r = barco_oci_config_apply(spec, "/srv/rootfs", &cfg, &err);
		if (cases[i].error) {
			CU_ASSERT_EQUAL(r, -1);
			CU_ASSERT_NSTRING_EQUAL(err.msg, cases[i].error, strlen(cases[i].error));
		} else {
			CU_ASSERT_EQUAL(r, 0);
			CU_ASSERT_EQUAL(cfg.is_terminal, cases[i].is_terminal);
		}
		barco_oci_spec_free(spec);
	}
}

/* A pod's shared namespaces are joined by path, not created: no flag for them. */
static void test_namespace_paths_are_joined(void)
{
	struct barco_config cfg;
	struct barco_oci_spec *spec;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(
		apply(DOC("", NS(NS_MIN ",{\"type\":\"network\",\"path\":\"/run/netns/pod\"},"
					"{\"type\":\"uts\",\"path\":\"/proc/7/ns/uts\"},"
					"{\"type\":\"ipc\"}")),
		      &cfg, &spec, &err),
		0);
	CU_ASSERT_EQUAL(cfg.ns_flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC);
	CU_ASSERT_EQUAL_FATAL(cfg.ns_join_len, 2);
	CU_ASSERT_EQUAL(cfg.ns_join[0].nstype, CLONE_NEWNET);
	CU_ASSERT_STRING_EQUAL(cfg.ns_join[0].path, "/run/netns/pod");
	CU_ASSERT_EQUAL(cfg.ns_join[1].nstype, CLONE_NEWUTS);
	CU_ASSERT_STRING_EQUAL(cfg.ns_join[1].path, "/proc/7/ns/uts");
	CU_ASSERT_TRUE(cfg.is_userns_host);
	barco_oci_spec_free(spec);
}

static void test_refusals(void)
{
	for (size_t i = 0; i < ARRAY_LEN(refusals); i++) {
		struct barco_config cfg;
		struct barco_oci_spec *spec;
		struct barco_err err = {0};

		CU_ASSERT_EQUAL(apply(refusals[i].json, &cfg, &spec, &err), -1);
		barco_test_error_starts_with(i, err.msg, refusals[i].error);
		barco_oci_spec_free(spec);
	}
}

/* The config.json barco spec wrote in dir, loaded and applied as barco run --bundle does. */
static int read_back(const char *dir, struct barco_oci_spec **ret_spec, struct barco_config *cfg)
{
	static char rootfs[4096];
	struct barco_err err = {0};
	char path[4096];

	(void)snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (mkdir(path, 0755) < 0 ||
	    barco_oci_spec_load(dir, ret_spec, rootfs, sizeof(rootfs), &err) < 0)
		return -1;
	barco_config_init(cfg);
	return barco_oci_config_apply(*ret_spec, rootfs, cfg, &err);
}

/* barco spec's config.json, read back, is barco's own tables: one source for both. */
static void test_default_spec_round_trip(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	struct barco_oci_spec *spec = NULL;
	struct barco_config cfg;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_oci_spec_write_default(dir, false, &err), 0);
	CU_ASSERT_EQUAL(barco_oci_spec_write_default(dir, false, &err), -1);
	CU_ASSERT_EQUAL(err.errnum, EEXIST);
	CU_ASSERT_EQUAL_FATAL(read_back(dir, &spec, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.caps_exact, barco_caps_default_mask());
	CU_ASSERT_FALSE(cfg.is_userns_host);
	CU_ASSERT_EQUAL(cfg.uidmap_len, 1);
	CU_ASSERT_EQUAL(cfg.uidmap[0].outside, 100000);
	CU_ASSERT_EQUAL_FATAL(cfg.mounts_len, barco_mounts_len);
	for (size_t i = 0; i < barco_mounts_len; i++) {
		CU_ASSERT_STRING_EQUAL(cfg.mounts[i].target, barco_mounts[i].target);
		CU_ASSERT_STRING_EQUAL(cfg.mounts[i].fstype, barco_mounts[i].fstype);
		CU_ASSERT_EQUAL(cfg.mounts[i].flags, barco_mounts[i].flags);
		CU_ASSERT((!cfg.mounts[i].data && !barco_mounts[i].data) ||
			  (cfg.mounts[i].data && barco_mounts[i].data &&
			   strcmp(cfg.mounts[i].data, barco_mounts[i].data) == 0));
	}
	CU_ASSERT_EQUAL_FATAL(cfg.masked_paths_len, barco_masked_paths_len);
	for (size_t i = 0; i < barco_masked_paths_len; i++)
		CU_ASSERT_STRING_EQUAL(cfg.masked_paths[i], barco_masked_paths[i]);
	CU_ASSERT_EQUAL(cfg.readonly_paths_len, barco_readonly_paths_len);
	barco_oci_spec_free(spec);
	barco_test_rmtree(dir);
}

/*
 * barco spec --rootless, read back: runc's rootless changes to barco's
 * defaults (the caller as root inside, no network namespace, /sys bound).
 */
static void test_rootless_spec(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	struct barco_oci_spec *spec = NULL;
	struct barco_config cfg;
	struct barco_err err = {0};
	size_t sys = 0;

	CU_ASSERT_EQUAL_FATAL(barco_oci_spec_write_default(dir, true, &err), 0);
	CU_ASSERT_EQUAL_FATAL(read_back(dir, &spec, &cfg), 0);
	CU_ASSERT_FALSE(cfg.is_userns_host);
	CU_ASSERT_EQUAL(cfg.ns_flags & CLONE_NEWNET, 0);
	CU_ASSERT_NOT_EQUAL(cfg.ns_flags & CLONE_NEWNS, 0);
	CU_ASSERT_EQUAL(cfg.uidmap_len, 1);
	CU_ASSERT_EQUAL(cfg.uidmap[0].inside, 0);
	CU_ASSERT_EQUAL(cfg.uidmap[0].outside, geteuid());
	CU_ASSERT_EQUAL(cfg.uidmap[0].count, 1);
	CU_ASSERT_EQUAL(cfg.gidmap_len, 1);
	CU_ASSERT_EQUAL(cfg.gidmap[0].outside, getegid());
	CU_ASSERT_EQUAL_FATAL(cfg.mounts_len, barco_mounts_len);
	for (size_t i = 0; i < cfg.mounts_len; i++) {
		CU_ASSERT_STRING_NOT_EQUAL(cfg.mounts[i].fstype, "sysfs");
		if (strcmp(cfg.mounts[i].target, "/sys") != 0)
			continue;
		sys++;
		CU_ASSERT_EQUAL(cfg.mounts[i].flags & (MS_BIND | MS_REC | MS_RDONLY),
				MS_BIND | MS_REC | MS_RDONLY);
	}
	CU_ASSERT_EQUAL(sys, 1);
	barco_oci_spec_free(spec);
	barco_test_rmtree(dir);
}

void barco_test_register_oci_config(void)
{
	static const struct barco_test tests[] = {
		{"a runc-like spec", test_runc_like_spec},
		{"groups, umask, noNewPrivileges", test_groups_umask_and_privileges},
		{"namespaces with a path are joined, not created", test_namespace_paths_are_joined},
		{"what the stages cannot apply yet", test_refusals},
		{"a terminal and --console-socket go together, as in runc",
		 test_terminal_and_console_socket},
		{"barco spec round trip", test_default_spec_round_trip},
		{"barco spec --rootless: runc's rootless variant", test_rootless_spec},
	};

	barco_test_suite_add("oci_config", tests, ARRAY_LEN(tests));
}
