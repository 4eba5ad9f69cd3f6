/* The OCI config.json reader: each field read as written, each refusal naming its JSON path. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/oci_spec.h"
#include "suites.h"

/* A minimal valid config.json with PROC added inside process and TOP at the top level. */
#define DOC(PROC, TOP)                                                                             \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                                \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"" PROC "}" TOP "}"

struct barco_oci_spec *barco_test_oci_parse_ok(const char *json)
{
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};

	if (barco_oci_spec_parse(json, strlen(json), &spec, &err) < 0)
		fprintf(stderr, "\nunexpected refusal: %s\n  of %s\n", err.msg, json);
	return spec;
}

static void test_minimal_document(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(DOC("", ""));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_STRING_EQUAL(spec->oci_version, "1.0.2");
	CU_ASSERT_STRING_EQUAL(spec->root_path, "rootfs");
	CU_ASSERT_FALSE(spec->is_root_readonly);
	CU_ASSERT_EQUAL(spec->args_len, 1);
	CU_ASSERT_STRING_EQUAL(spec->args[0], "sh");
	CU_ASSERT_PTR_NULL(spec->args[1]);
	/* No environment given, none made up: barco's defaults are for its own CLI. */
	CU_ASSERT_EQUAL(spec->env_len, 0);
	CU_ASSERT_STRING_EQUAL(spec->cwd, "/");
	CU_ASSERT_EQUAL(spec->uid, 0);
	CU_ASSERT_PTR_NULL(spec->hostname);
	CU_ASSERT_EQUAL(spec->mounts_len, 0);
	for (int ns = 0; ns < BARCO_OCI_NS_COUNT; ns++)
		CU_ASSERT_FALSE(spec->ns[ns].is_listed);
	CU_ASSERT_PTR_NULL(spec->annotations);
	barco_oci_spec_free(spec);
}

static void test_process_fields(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(DOC(
		",\"args\":[\"/bin/echo\",\"a b\",\"\"],\"env\":[\"PATH=/bin\",\"X=\",\"A.B=1\"],"
		"\"cwd\":\"/tmp\",\"terminal\":false,\"noNewPrivileges\":true,"
		"\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"
		"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}]",
		",\"root\":{\"path\":\"/abs/root\",\"readonly\":true}"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_STRING_EQUAL(spec->root_path, "/abs/root");
	CU_ASSERT_TRUE(spec->is_root_readonly);
	CU_ASSERT_EQUAL(spec->args_len, 3);
	CU_ASSERT_STRING_EQUAL(spec->args[1], "a b");
	CU_ASSERT_STRING_EQUAL(spec->args[2], "");
	CU_ASSERT_EQUAL(spec->env_len, 3);
	CU_ASSERT_STRING_EQUAL(spec->env[1], "X=");
	CU_ASSERT_STRING_EQUAL(spec->env[2], "A.B=1");
	CU_ASSERT_PTR_NULL(spec->env[3]);
	CU_ASSERT_STRING_EQUAL(spec->cwd, "/tmp");
	CU_ASSERT_TRUE(spec->is_no_new_privileges);
	CU_ASSERT_FALSE(spec->is_terminal);
	CU_ASSERT_EQUAL(spec->uid, 1000);
	CU_ASSERT_EQUAL(spec->gid, 100);
	CU_ASSERT_TRUE(spec->has_umask);
	CU_ASSERT_EQUAL(spec->umask, 022);
	CU_ASSERT_EQUAL(spec->additional_gids_len, 2);
	CU_ASSERT_EQUAL(spec->additional_gids[1], 6);
	CU_ASSERT_EQUAL(spec->rlimits_len, 1);
	CU_ASSERT_EQUAL(spec->rlimits[0].resource, RLIMIT_NOFILE);
	CU_ASSERT_EQUAL(spec->rlimits[0].hard, 1024);
	CU_ASSERT_EQUAL(spec->rlimits[0].soft, 512);
	barco_oci_spec_free(spec);
}

static void test_capabilities(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(
		DOC(",\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
		    "\"effective\":[\"CAP_KILL\"],\"inheritable\":[],"
		    "\"permitted\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_KILL\"]}",
		    ""));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(spec->caps[BARCO_OCI_CAPS_BOUNDING], (1ULL << 5) | (1ULL << 0));
	CU_ASSERT_EQUAL(spec->caps[BARCO_OCI_CAPS_EFFECTIVE], 1ULL << 5);
	CU_ASSERT_EQUAL(spec->caps[BARCO_OCI_CAPS_INHERITABLE], 0);
	CU_ASSERT_EQUAL(spec->caps[BARCO_OCI_CAPS_PERMITTED], 1ULL << 10);
	CU_ASSERT_EQUAL(spec->caps[BARCO_OCI_CAPS_AMBIENT], 1ULL << 5);
	barco_oci_spec_free(spec);
}

static void test_mount_options_split(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(DOC(
		"",
		",\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/data\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\","
		"\"rw\",\"rslave\"]},{\"destination\":\"/x\",\"type\":\"proc\"}]"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL_FATAL(spec->mounts_len, 3);
	CU_ASSERT_STRING_EQUAL(spec->mounts[0].type, "tmpfs");
	CU_ASSERT_EQUAL(spec->mounts[0].flags, MS_NOSUID | MS_STRICTATIME);
	CU_ASSERT_STRING_EQUAL(spec->mounts[0].data, "mode=755,size=65536k");
	CU_ASSERT_EQUAL(spec->mounts[0].propagation, 0);
	/* "rw" after "ro" clears it, as mount(8) reads them left to right. */
	CU_ASSERT_STRING_EQUAL(spec->mounts[1].type, "");
	CU_ASSERT_STRING_EQUAL(spec->mounts[1].source, "/srv");
	CU_ASSERT_EQUAL(spec->mounts[1].flags, MS_BIND | MS_REC);
	CU_ASSERT_EQUAL(spec->mounts[1].propagation, MS_SLAVE | MS_REC);
	CU_ASSERT_STRING_EQUAL(spec->mounts[1].data, "");
	CU_ASSERT_STRING_EQUAL(spec->mounts[2].source, "");
	barco_oci_spec_free(spec);
}

static void test_linux_fields(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(DOC(
		"",
		",\"hostname\":\"box\",\"annotations\":{\"a\":\"1\"},\"linux\":{"
		"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":\"user\"},"
		"{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1},"
		"{\"containerID\":1,\"hostID\":300000,\"size\":10}],"
		"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
		"\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"cgroupsPath\":\"/a/b\","
		"\"resources\":{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":64},"
		"\"cpu\":{\"shares\":512}}}"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_STRING_EQUAL(spec->hostname, "box");
	CU_ASSERT_TRUE(spec->ns[BARCO_OCI_NS_PID].is_listed);
	CU_ASSERT_PTR_NULL(spec->ns[BARCO_OCI_NS_PID].path);
	CU_ASSERT_FALSE(spec->ns[BARCO_OCI_NS_MOUNT].is_listed);
	CU_ASSERT_STRING_EQUAL(spec->ns[BARCO_OCI_NS_NETWORK].path, "/proc/1/ns/net");
	CU_ASSERT_EQUAL(spec->uidmap_len, 1);
	CU_ASSERT_EQUAL(spec->uidmap[0].outside, 100000);
	CU_ASSERT_EQUAL(spec->uidmap[0].count, 65536);
	CU_ASSERT_EQUAL(spec->gidmap_len, 2);
	CU_ASSERT_EQUAL(spec->gidmap[1].inside, 1);
	CU_ASSERT_EQUAL(spec->masked_paths_len, 1);
	CU_ASSERT_STRING_EQUAL(spec->readonly_paths[1], "/proc/bus");
	CU_ASSERT_EQUAL(spec->sysctl_len, 1);
	CU_ASSERT_STRING_EQUAL(spec->sysctl[0].key, "net.ipv4.ip_forward");
	CU_ASSERT_STRING_EQUAL(spec->sysctl[0].value, "1");
	CU_ASSERT_STRING_EQUAL(spec->cgroups_path, "/a/b");
	CU_ASSERT_EQUAL(spec->memory_limit_bytes, 67108864);
	CU_ASSERT_EQUAL(spec->pids_limit, 64);
	CU_ASSERT_EQUAL(spec->cpu_shares, 512);
	CU_ASSERT_PTR_NOT_NULL(spec->annotations);
	barco_oci_spec_free(spec);
}

/* The spec's "unlimited" values (-1) and unknown keys at every level. */
static void test_unlimited_and_unknown_keys(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(
		DOC(",\"someday\":{\"x\":[1]}", ",\"windows\":{},\"linux\":{\"future\":1,"
						"\"resources\":{\"memory\":{\"limit\":-1},"
						"\"pids\":{\"limit\":-1}}},\"hostname\":\"\""));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(spec->memory_limit_bytes, 0);
	CU_ASSERT_EQUAL(spec->pids_limit, 0);
	barco_oci_spec_free(spec);
}

static const struct barco_test_refusal refusals[] = {
	{"", "not valid JSON"},
	{"[1]", "the top level is not a JSON object"},
	{DOC("", "") " x", "not valid JSON: text after the object"},
	{"{\"root\":{\"path\":\"r\"}}", "ociVersion: missing"},
	{"{\"ociVersion\":1}", "ociVersion: expected a string, found an integer"},
	{"{\"ociVersion\":\"2.0\"}", "ociVersion: \"2.0\" is not a runtime-spec 1.x version"},
	{"{\"ociVersion\":\"1.0\"}", "root: missing"},
	{"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"../up\"}}",
	 "root.path: \"../up\" leads out"},
	{"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"a/../../up\"}}",
	 "root.path: \"a/../../up\""},
	{"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
	 "root.readonly: expected a boolean, found a string"},
	{"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"}}", "process: missing"},
	{DOC(",\"args\":[]", ""), "process.args: the command is empty"},
	{DOC(",\"args\":\"sh\"", ""), "process.args: expected an array, found a string"},
	{DOC(",\"args\":[\"sh\",2]", ""), "process.args[1]: expected a string, found an integer"},
	{DOC(",\"args\":[\"s\\u0000h\"]", ""), "process.args[0]: the string holds a NUL"},
	{DOC(",\"env\":[\"NOEQUALS\"]", ""), "process.env[0]: \"NOEQUALS\" is not KEY=VALUE"},
	{DOC(",\"cwd\":\"rel\"", ""), "process.cwd: \"rel\" is not an absolute path"},
	{DOC(",\"cwd\":\"/a/../..\"", ""), "process.cwd: \"/a/../..\" holds a \"..\""},
	{DOC(",\"user\":{\"uid\":-1,\"gid\":0}", ""), "process.user.uid: -1 is negative"},
	{DOC(",\"user\":{\"uid\":0}", ""), "process.user.gid: missing"},
	{DOC(",\"user\":{\"uid\":1.5,\"gid\":0}", ""), "process.user.uid: expected an integer"},
	{DOC(",\"user\":{\"uid\":4294967295,\"gid\":0}", ""),
	 "process.user.uid: 4294967295 is out"},
	{DOC(",\"user\":{\"uid\":0,\"gid\":0,\"umask\":512}", ""),
	 "process.user.umask: 512 is out"},
	{DOC(",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,\"2\"]}", ""),
	 "process.user.additionalGids[1]: expected an integer"},
	{DOC(",\"capabilities\":{\"effective\":[\"CAP_FOO\"]}", ""),
	 "process.capabilities.effective[0]: unknown capability \"CAP_FOO\""},
	{DOC(",\"capabilities\":{\"bounding\":[\"ALL\"]}", ""),
	 "process.capabilities.bounding[0]: unknown capability \"ALL\""},
	{DOC(",\"capabilities\":[]", ""), "process.capabilities: expected an object"},
	{DOC(",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]", ""),
	 "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
	{DOC(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]", ""),
	 "process.rlimits[0]: soft 2 is above hard 1"},
	{DOC(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1}]", ""),
	 "process.rlimits[0].soft: missing"},
	{DOC(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":1,\"soft\":1},"
	     "{\"type\":\"RLIMIT_CORE\",\"hard\":1,\"soft\":1}]",
	     ""),
	 "process.rlimits[1].type: RLIMIT_CORE is listed twice"},
	{DOC(",\"terminal\":1", ""), "process.terminal: expected a boolean"},
	{DOC("", ",\"hostname\":\"-bad-\""), "hostname: "},
	{DOC("", ",\"hostname\":\"box\""), "hostname: setting it needs a new uts namespace"},
	{DOC("", ",\"mounts\":{}"), "mounts: expected an array, found an object"},
	{DOC("", ",\"mounts\":[{\"type\":\"proc\"}]"), "mounts[0].destination: missing"},
	{DOC("", ",\"mounts\":[{\"destination\":\"proc\"}]"),
	 "mounts[0].destination: \"proc\" is not an absolute path"},
	{DOC("", ",\"mounts\":[{\"destination\":\"/a/../../etc\"}]"),
	 "mounts[0].destination: \"/a/../../etc\" holds a \"..\""},
	{DOC("", ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",7]}]"),
	 "mounts[0].options[1]: expected a string"},
	{DOC("", ",\"linux\":[]"), "linux: expected an object, found an array"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},"
		 "{\"type\":\"foo\"}]}"),
	 "linux.namespaces[2].type: unknown namespace type \"foo\""},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
	 "linux.namespaces[1].type: the pid namespace is listed twice"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"net\",\"path\":\"x\"}]}"),
	 "linux.namespaces[0].type: unknown namespace type \"net\""},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"x\"}]}"),
	 "linux.namespaces[0].path: \"x\" is not an absolute path"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}"),
	 "linux.uidMappings: a new user namespace needs uid and gid mappings"},
	{DOC("", ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}"),
	 "linux.uidMappings: id mappings need a new user namespace"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
		 "{\"containerID\":5,\"hostID\":5000,\"size\":10}],"
		 "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}"),
	 "invalid linux.uidMappings: ranges 0:1000:10 and 5:5000:10 overlap"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}"),
	 "linux.uidMappings[0]: the range 0+0 is empty"},
	{DOC("", ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1}]}"),
	 "linux.uidMappings[0].size: missing"},
	{DOC("", ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}"),
	 "linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path"},
	{DOC("", ",\"linux\":{\"readonlyPaths\":[true]}"),
	 "linux.readonlyPaths[0]: expected a string, found a boolean"},
	{DOC("", ",\"linux\":{\"sysctl\":{\"kernel..x\":\"1\"}}"),
	 "linux.sysctl: \"kernel..x\" is not a sysctl name"},
	{DOC("", ",\"linux\":{\"sysctl\":{\"../../etc\":\"1\"}}"),
	 "linux.sysctl: \"../../etc\" is not a sysctl name"},
	{DOC("", ",\"linux\":{\"sysctl\":{\"kernel.x\":1}}"),
	 "linux.sysctl.kernel.x: expected a string, found an integer"},
	{DOC("", ",\"linux\":{\"cgroupsPath\":[]}"), "linux.cgroupsPath: expected a string"},
	{DOC("", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":-5}}}"),
	 "linux.resources.memory.limit: -5 is negative"},
	{DOC("", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":18446744073709551615}}}"),
	 "linux.resources.memory.limit: 18446744073709551615 is out of range"},
	{DOC("", ",\"linux\":{\"resources\":{\"pids\":{}}}"),
	 "linux.resources.pids.limit: missing"},
	{DOC("", ",\"linux\":{\"resources\":{\"cpu\":{\"shares\":1000000}}}"),
	 "linux.resources.cpu.shares: 1000000 is out of range"},
	{DOC("", ",\"annotations\":{\"a\":1}"),
	 "annotations.a: expected a string, found an integer"},
};

void barco_test_oci_refusals(const struct barco_test_refusal *rows, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		struct barco_oci_spec *spec = NULL;
		struct barco_err err = {0};
		int r = barco_oci_spec_parse(rows[i].json, strlen(rows[i].json), &spec, &err);

		CU_ASSERT_EQUAL(r, -1);
		CU_ASSERT_PTR_NULL(spec);
		barco_test_error_starts_with(i, err.msg, rows[i].error);
		barco_oci_spec_free(spec);
	}
}

static void test_refusals_name_the_path(void)
{
	barco_test_oci_refusals(refusals, ARRAY_LEN(refusals));
}

/* A hostile size: more entries than barco takes are refused before any is allocated. */
static void test_huge_arrays_are_refused(void)
{
	size_t n = BARCO_OCI_ARRAY_MAX + 1;
	size_t size = n * 4 + 256;
	cleanup_free char *json = malloc(size);
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	len = (size_t)snprintf(json, size,
			       "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{"
			       "\"cwd\":\"/\",\"args\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, size - len, "%s\"a\"", i ? "," : "");
	(void)snprintf(json + len, size - len, "]}}");
	CU_ASSERT_EQUAL(barco_oci_spec_parse(json, strlen(json), &spec, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "process.args: 1025 entries, barco takes at most 1024");
	/* Nesting deeper than the parser's limit is an error, not a stack overflow. */
	memset(json, '[', size - 1);
	json[size - 1] = '\0';
	CU_ASSERT_EQUAL(barco_oci_spec_parse(json, strlen(json), &spec, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not valid JSON"));
}

/* root.path on disk: relative to the bundle, and a symbolic link out of it is refused. */
static void test_load_resolves_root_in_bundle(void)
{
	cleanup_free char *dir = barco_test_tmpdir();
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};
	char rootfs[PATH_MAX];
	char want[PATH_MAX];
	char link[PATH_MAX];

	barco_test_write_file(dir, "config.json", DOC("", ""));
	CU_ASSERT_EQUAL(barco_oci_spec_load(dir, &spec, rootfs, sizeof(rootfs), &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "config.json: root.path: 'rootfs'"));
	(void)snprintf(want, sizeof(want), "%s/rootfs", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(want, 0755), 0);
	CU_ASSERT_EQUAL_FATAL(barco_oci_spec_load(dir, &spec, rootfs, sizeof(rootfs), &err), 0);
	CU_ASSERT_STRING_EQUAL(rootfs, want);
	barco_oci_spec_free(spec);
	CU_ASSERT_EQUAL(rmdir(want), 0);
	(void)snprintf(link, sizeof(link), "%s/rootfs", dir);
	CU_ASSERT_EQUAL_FATAL(symlink("/", link), 0);
	spec = NULL;
	CU_ASSERT_EQUAL(barco_oci_spec_load(dir, &spec, rootfs, sizeof(rootfs), &err), -1);
	CU_ASSERT_PTR_NULL(spec);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "config.json: root.path: 'rootfs' leads out of the "
					       "bundle (to '/')"));
	barco_test_write_file(dir, "config.json", "{\"ociVersion\":\"1.0\"");
	CU_ASSERT_EQUAL(barco_oci_spec_load(dir, &spec, rootfs, sizeof(rootfs), &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "config.json: not valid JSON"));
	barco_test_rmtree(dir);
}

/* exec --process FILE: the "process" object alone, errors named under "process". */
static void test_process_file(void)
{
	static const char text[] = "{\"args\":[\"sh\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
				   "\"user\":{\"uid\":7,\"gid\":8},\"terminal\":true}";
	static const char no_args[] = "{\"cwd\":\"/\"}";
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_oci_process_parse(text, strlen(text), &spec, &err), 0);
	CU_ASSERT_STRING_EQUAL(spec->args[0], "sh");
	CU_ASSERT_STRING_EQUAL(spec->cwd, "/tmp");
	CU_ASSERT_STRING_EQUAL(spec->env[0], "A=1");
	CU_ASSERT_EQUAL(spec->uid, 7);
	CU_ASSERT_EQUAL(spec->gid, 8);
	CU_ASSERT_TRUE(spec->is_terminal);
	CU_ASSERT_PTR_NULL(spec->root_path);
	barco_oci_spec_free(spec);
	spec = NULL;
	CU_ASSERT_EQUAL(barco_oci_process_parse(no_args, strlen(no_args), &spec, &err), -1);
	CU_ASSERT_PTR_NULL(spec);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "process.args: missing"));
	CU_ASSERT_EQUAL(barco_oci_process_parse("[1]", 3, &spec, &err), -1);
	CU_ASSERT_PTR_NULL(spec);
	CU_ASSERT_EQUAL(barco_oci_process_parse("{nope", 5, &spec, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not valid JSON"));
}

/* update --resources: absent is 0, -1 lifts, a negative pids limit is -1, bad input named. */
static void test_resources_document(void)
{
	static const char text[] = "{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":-7},"
				   "\"cpu\":{\"shares\":512},\"blockIO\":{}}";
	static const char pids_only[] = "{\"pids\":{\"limit\":9}}";
	static const char bad_memory[] = "{\"memory\":{\"limit\":-5}}";
	static const char bad_type[] = "{\"cpu\":{\"shares\":\"x\"}}";
	struct barco_oci_resources r;
	struct barco_err err = {0};

	CU_ASSERT_EQUAL_FATAL(barco_oci_resources_parse(text, strlen(text), &r, &err), 0);
	CU_ASSERT_EQUAL(r.memory_limit, -1);
	CU_ASSERT_EQUAL(r.pids_limit, -1);
	CU_ASSERT_EQUAL(r.cpu_shares, 512);
	CU_ASSERT_EQUAL_FATAL(barco_oci_resources_parse(pids_only, strlen(pids_only), &r, &err), 0);
	CU_ASSERT_EQUAL(r.memory_limit, 0);
	CU_ASSERT_EQUAL(r.pids_limit, 9);
	CU_ASSERT_EQUAL(r.cpu_shares, 0);
	CU_ASSERT_EQUAL(barco_oci_resources_parse(bad_memory, strlen(bad_memory), &r, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "memory.limit: -5 is negative"));
	CU_ASSERT_EQUAL(barco_oci_resources_parse(bad_type, strlen(bad_type), &r, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cpu.shares"));
	CU_ASSERT_EQUAL(barco_oci_resources_parse("[]", 2, &r, &err), -1);
}

void barco_test_register_oci_spec(void)
{
	static const struct barco_test tests[] = {
		{"minimal document", test_minimal_document},
		{"process fields", test_process_fields},
		{"capabilities", test_capabilities},
		{"mount options split", test_mount_options_split},
		{"linux fields", test_linux_fields},
		{"unlimited values and unknown keys", test_unlimited_and_unknown_keys},
		{"refusals name the JSON path", test_refusals_name_the_path},
		{"huge arrays are refused", test_huge_arrays_are_refused},
		{"load resolves root inside the bundle", test_load_resolves_root_in_bundle},
		{"exec's process file", test_process_file},
		{"update's resources document", test_resources_document},
	};

	barco_test_suite_add("oci_spec", tests, ARRAY_LEN(tests));
}
