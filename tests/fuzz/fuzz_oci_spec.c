/*
 * An OCI bundle's config.json: barco_oci_spec_parse on anything an engine
 * or a hostile bundle can hand it. What it accepts must be what the stages
 * can use as it is: a non-empty NULL-terminated command, KEY=VALUE
 * environment entries, absolute paths without "..", no namespace twice,
 * id ranges that do not overlap, soft rlimits under hard ones.
 */
#include "fuzz.h"
#include "base/parse.h"
#include "runtime/oci_spec.h"

static void check_strings(const char *const *list, size_t len, const char *s)
{
	FUZZ_CHECK(list != NULL && list[len] == NULL, s);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(list[i] != NULL, s);
}

static bool is_clean_abs(const char *p)
{
	return p[0] == '/' && !strstr(p, "/../") &&
	       !(strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0);
}

static void check_process(const struct barco_oci_spec *spec, const char *s)
{
	check_strings((const char *const *)spec->args, spec->args_len, s);
	FUZZ_CHECK(spec->args_len > 0 && spec->args[0][0], s);
	if (spec->env) {
		check_strings(spec->env, spec->env_len, s);
		for (size_t i = 0; i < spec->env_len; i++)
			FUZZ_CHECK(strchr(spec->env[i], '=') > spec->env[i], s);
	}
	FUZZ_CHECK(is_clean_abs(spec->cwd), s);
	FUZZ_CHECK(spec->uid != (uid_t)-1 && spec->gid != (gid_t)-1, s);
	FUZZ_CHECK(spec->umask <= 0777, s);
	for (size_t i = 0; i < spec->rlimits_len; i++)
		FUZZ_CHECK(spec->rlimits[i].soft <= spec->rlimits[i].hard, s);
}

static void check_linux(const struct barco_oci_spec *spec, const char *s)
{
	struct barco_err err = {0};

	for (size_t i = 0; i < spec->mounts_len; i++) {
		FUZZ_CHECK(is_clean_abs(spec->mounts[i].destination), s);
		FUZZ_CHECK(spec->mounts[i].data && spec->mounts[i].type, s);
	}
	for (int ns = 0; ns < BARCO_OCI_NS_COUNT; ns++)
		FUZZ_CHECK(!spec->ns[ns].path || spec->ns[ns].path[0] == '/', s);
	FUZZ_CHECK(barco_idmap_validate(spec->uidmap, spec->uidmap_len, "u", &err) == 0, s);
	FUZZ_CHECK(barco_idmap_validate(spec->gidmap, spec->gidmap_len, "g", &err) == 0, s);
	FUZZ_CHECK(!spec->uidmap_len || spec->ns[BARCO_OCI_NS_USER].is_listed, s);
	for (size_t i = 0; i < spec->masked_paths_len; i++)
		FUZZ_CHECK(is_clean_abs(spec->masked_paths[i]), s);
	for (size_t i = 0; i < spec->sysctl_len; i++)
		FUZZ_CHECK(!strchr(spec->sysctl[i].key, '/') && !strstr(spec->sysctl[i].key, ".."),
			   s);
	FUZZ_CHECK(spec->memory_limit_bytes >= 0 && spec->pids_limit >= 0, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	struct barco_oci_spec *spec = NULL;
	struct barco_err err = {0};

	/* The whole input, NUL bytes included: the reader takes a length. */
	if (barco_oci_spec_parse((const char *)data, size, &spec, &err) < 0) {
		fuzz_check_err(&err, s);
		FUZZ_CHECK(spec == NULL, s);
	} else {
		FUZZ_CHECK(spec->root_path[0] && strncmp(spec->root_path, "../", 3) != 0, s);
		check_process(spec, s);
		check_linux(spec, s);
		barco_oci_spec_free(spec);
	}
	free(s);
	return 0;
}
