/* linux.devices and linux.resources.devices: what is read, what is refused, the rules' text. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/oci_spec.h"
#include "stages/devices.h"
#include "suites.h"

/* A minimal valid config.json with LINUX as the linux object. */
#define DOC(LINUX)                                                                                 \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                                \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":" LINUX "}"

static void test_devices_read(void)
{
	const char *json = DOC(
		"{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
		"\"fileMode\":416,\"uid\":0,\"gid\":5},{\"path\":\"/dev/p\",\"type\":\"p\"}],"
		"\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":-1,\"access\":\"rw\"}]}}");
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};
	char text[64];

	CU_ASSERT_EQUAL_FATAL(barco_oci_spec_parse(json, strlen(json), &spec, &err), 0);
	CU_ASSERT_EQUAL_FATAL(spec->devices_len, 2);
	CU_ASSERT_STRING_EQUAL(spec->devices[0].path, "/dev/fuse");
	CU_ASSERT_EQUAL(spec->devices[0].mode, S_IFCHR | 0640);
	CU_ASSERT_EQUAL(spec->devices[0].major, 10);
	CU_ASSERT_EQUAL(spec->devices[0].minor, 229);
	CU_ASSERT_EQUAL(spec->devices[0].gid, 5);
	/* No fileMode: 0666, as runc. */
	CU_ASSERT_EQUAL(spec->devices[1].mode, S_IFIFO | 0666);
	CU_ASSERT_EQUAL_FATAL(spec->device_rules_len, 2);
	CU_ASSERT_STRING_EQUAL(barco_devices_rule_text(&spec->device_rules[0], text, sizeof(text)),
			       "a *:* rwm");
	CU_ASSERT_FALSE(spec->device_rules[0].is_allow);
	CU_ASSERT_STRING_EQUAL(barco_devices_rule_text(&spec->device_rules[1], text, sizeof(text)),
			       "c 10:* rw");
	CU_ASSERT_TRUE(spec->device_rules[1].is_allow);
	barco_oci_spec_free(spec);
}

static const struct barco_test_refusal refusals[] = {
	{DOC("{\"devices\":{}}"), "linux.devices: expected an array, found an object"},
	{DOC("{\"devices\":[{\"type\":\"c\"}]}"), "linux.devices[0].path: missing"},
	{DOC("{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]}"),
	 "linux.devices[0].type: unknown device type \"q\""},
	{DOC("{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1}]}"),
	 "linux.devices[0].minor: missing"},
	{DOC("{\"devices\":[{\"path\":\"/dev/../etc/x\",\"type\":\"p\"}]}"),
	 "linux.devices[0].path: \"/dev/../etc/x\" holds a \"..\""},
	{DOC("{\"devices\":[{\"path\":\"/etc/x\",\"type\":\"p\"}]}"),
	 "linux.devices[0].path: \"/etc/x\": barco makes device nodes under /dev only"},
	{DOC("{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"p\",\"fileMode\":65535}]}"),
	 "linux.devices[0].fileMode: 65535 is out of range"},
	{DOC("{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}"),
	 "linux.resources.devices[0].allow: missing"},
	{DOC("{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}"),
	 "linux.resources.devices[0].access: \"rwx\" is not made of r, w and m"},
	{DOC("{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}}"),
	 "linux.resources.devices[0].type: unknown device type \"u\""},
	{DOC("{\"resources\":{\"devices\":[{\"allow\":true,\"major\":-2}]}}"),
	 "linux.resources.devices[0].major: -2 is not a device number or -1"},
};

static void test_refusals_name_the_path(void)
{
	barco_test_oci_refusals(refusals, sizeof(refusals) / sizeof(refusals[0]));
}

/* update --resources: devices is the whole new list; absent, nothing changes. */
static void test_update_devices(void)
{
	static const char doc[] = "{\"pids\":{\"limit\":5},\"devices\":[{\"allow\":false,"
				  "\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
				  "\"major\":42,\"minor\":0,\"access\":\"r\"}]}";
	static const char bad[] = "{\"devices\":[{\"access\":\"rwm\"}]}";
	static const char none[] = "{\"pids\":{\"limit\":5}}";
	struct barco_oci_resources res = {0};
	struct barco_err err = {0};
	char text[64];

	CU_ASSERT_EQUAL_FATAL(barco_oci_resources_parse(doc, strlen(doc), &res, &err), 0);
	CU_ASSERT_EQUAL(res.pids_limit, 5);
	CU_ASSERT_EQUAL_FATAL(res.device_rules_len, 2);
	CU_ASSERT_FALSE(res.device_rules[0].is_allow);
	CU_ASSERT_STRING_EQUAL(barco_devices_rule_text(&res.device_rules[1], text, sizeof(text)),
			       "c 42:0 r");
	barco_oci_resources_free(&res);
	CU_ASSERT_PTR_NULL(res.device_rules);
	CU_ASSERT_EQUAL(barco_oci_resources_parse(bad, strlen(bad), &res, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "devices[0].allow: missing");
	CU_ASSERT_PTR_NULL(res.device_rules);
	CU_ASSERT_EQUAL_FATAL(barco_oci_resources_parse(none, strlen(none), &res, &err), 0);
	CU_ASSERT_PTR_NULL(res.device_rules);
}

void barco_test_register_oci_devices(void)
{
	CU_pSuite s = barco_test_suite("oci_devices");

	barco_test_add(s, "devices and rules are read", test_devices_read);
	barco_test_add(s, "refusals name the JSON path", test_refusals_name_the_path);
	barco_test_add(s, "update's devices: the whole new list", test_update_devices);
}
