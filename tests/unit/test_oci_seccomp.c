/* linux.seccomp of config.json: what it compiles to, what it refuses, and what the filter does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "base/config.h"
#include "runtime/oci_seccomp.h"
#include "runtime/oci_seccomp_cache.h"
#include "runtime/oci_spec.h"
#include "runtime/seccomp_agent.h"
#include "stages/seccomp.h"
#include "suites.h"

/* A minimal valid config.json whose linux.seccomp is SECCOMP. */
#define DOC(SECCOMP)                                                                               \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                                \
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"seccomp\":" SECCOMP "}}"

/* mkdir fails with EXDEV; chmod to 0700 or to 0711 (one argument, two rules) with EPERM. */
#define PROFILE                                                                                    \
	DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","       \
	    "\"SCMP_ARCH_X86\",\"SCMP_ARCH_AARCH64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"    \
	    "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\",\"no_such_call\"],"                   \
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"                                      \
	    "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["                      \
	    "{\"index\":1,\"value\":448,\"op\":\"SCMP_CMP_EQ\"},"                                  \
	    "{\"index\":1,\"value\":457,\"op\":\"SCMP_CMP_EQ\"}]},"                                \
	    "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}")

static void test_profile_compiles(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(PROFILE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(spec->seccomp);
	CU_ASSERT(spec->seccomp->program_len > 0);
	CU_ASSERT_EQUAL(spec->seccomp->flags, SECCOMP_FILTER_FLAG_LOG);
	/* mkdir, mkdirat; chmod twice (same argument: two rules); getpid repeats the default. */
	CU_ASSERT_EQUAL(spec->seccomp->rules_len, 4);
	CU_ASSERT_EQUAL_FATAL(spec->seccomp->skipped_len, 1);
	CU_ASSERT_STRING_EQUAL(spec->seccomp->skipped[0],
			       "linux.seccomp.syscalls[0].names[2]: "
			       "unknown syscall \"no_such_call\" skipped");
	barco_oci_spec_free(spec);
}

static void test_conditions_on_different_arguments_are_one_rule(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(
		DOC("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"socket\"],"
		    "\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
		    "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
		    "{\"index\":1,\"value\":15,\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(spec->seccomp->rules_len, 1);
	CU_ASSERT_EQUAL(spec->seccomp->skipped_len, 0);
	barco_oci_spec_free(spec);
}

static void test_no_seccomp_key(void)
{
	const char *json = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
			   "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{}}";
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(json);

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_PTR_NULL(spec->seccomp);
	barco_oci_spec_free(spec);
}

static const struct barco_test_refusal refusals[] = {
	{DOC("[]"), "linux.seccomp: expected an object, found an array"},
	{DOC("{}"), "linux.seccomp.defaultAction: missing"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_FOO\"}"),
	 "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\""},
	{DOC("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}"),
	 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	     "\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
	 "linux.seccomp.listenerPath: missing (SCMP_ACT_NOTIFY needs"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/a.sock\","
	     "\"syscalls\":[{\"names\":[\"mkdir\",\"sendmsg\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
	 "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/"
	     "0123456789012345678901234567890123456789012345678901234567890123456789"
	     "0123456789012345678901234567890123456789\","
	     "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
	 "linux.seccomp.listenerPath: longer than 107 bytes"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}"),
	 "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":65536}"),
	 "linux.seccomp.defaultErrnoRet: 65536 is out of range"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}"),
	 "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"x86_64\"]}"),
	 "linux.seccomp.architectures[0]: unknown architecture \"x86_64\""},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}"),
	 "linux.seccomp.flags[0]: unknown seccomp flag"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}"),
	 "linux.seccomp.syscalls: expected an array, found an object"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_KILL\"}]"
	     "}"),
	 "linux.seccomp.syscalls[0].names: missing"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"]}]}"),
	 "linux.seccomp.syscalls[0].action: missing"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[1],"
	     "\"action\":\"SCMP_ACT_KILL\"}]}"),
	 "linux.seccomp.syscalls[0].names[0]: expected a string, found an integer"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
	     "\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}"),
	 "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
	     "\"action\":\"SCMP_ACT_KILL\",\"args\":[{\"index\":6,\"value\":1,"
	     "\"op\":\"SCMP_CMP_EQ\"}]}]}"),
	 "linux.seccomp.syscalls[0].args[0].index: 6 is out of range"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
	     "\"action\":\"SCMP_ACT_KILL\",\"args\":[{\"index\":0,\"value\":1,"
	     "\"op\":\"SCMP_CMP_LIKE\"}]}]}"),
	 "linux.seccomp.syscalls[0].args[0].op: unknown comparison \"SCMP_CMP_LIKE\""},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
	     "\"action\":\"SCMP_ACT_KILL\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
	 "linux.seccomp.syscalls[0].args[0].value: missing"},
	{DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
	     "\"action\":\"SCMP_ACT_KILL\",\"args\":[{\"index\":0,\"value\":-1,"
	     "\"op\":\"SCMP_CMP_EQ\"}]}]}"),
	 "linux.seccomp.syscalls[0].args[0].value: -1 is negative"},
};

static void test_refusals_name_the_path(void)
{
	barco_test_oci_refusals(refusals, sizeof(refusals) / sizeof(refusals[0]));
}

/* In a child: load PROFILE's program as the seccomp stage does, then make the calls. */
static int profile_filters_child(const void *arg)
{
	const struct barco_oci_spec *spec = arg;
	char dir[] = "/tmp/barco-oci-seccomp.XXXXXX";
	char path[64];
	struct barco_config cfg;
	struct barco_report rep = {0};
	struct barco_err err = {0};
	int listener = -1;

	barco_config_init(&cfg);
	cfg.seccomp = BARCO_SECCOMP_PROFILE;
	cfg.seccomp_program = spec->seccomp->program;
	cfg.seccomp_program_len = spec->seccomp->program_len;
	if (!mkdtemp(dir))
		return 100;
	(void)snprintf(path, sizeof(path), "%s/d", dir);
	if (barco_seccomp_apply(&cfg, &listener, &rep, &err) < 0)
		return 101;
	if (mkdir(path, 0755) != -1 || errno != EXDEV)
		return 1;
#ifdef SYS_chmod /* the profile names chmod, which aarch64 does not have */
	if (syscall(SYS_chmod, dir, 0700) != -1 || errno != EPERM ||
	    syscall(SYS_chmod, dir, 0711) != -1 || errno != EPERM)
		return 2;
	if (syscall(SYS_chmod, dir, 0755) != 0)
		return 3;
#endif
	return rmdir(dir) == 0 ? 0 : 4;
}

static void test_profile_filters(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(PROFILE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(barco_test_run_in_child(profile_filters_child, spec), 0);
	barco_oci_spec_free(spec);
}

/* mkdir goes to the agent; listenerPath alone, with no rule that notifies, is ignored. */
#define NOTIFY_PROFILE                                                                             \
	DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\","          \
	    "\"listenerMetadata\":\"answer=EXDEV\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\"],"     \
	    "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}")

static void test_notify_profile_compiles(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(NOTIFY_PROFILE);
	struct barco_oci_spec *quiet = barco_test_oci_parse_ok(
		DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/a.sock\"}"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(quiet);
	CU_ASSERT(spec->seccomp->has_notify);
	CU_ASSERT_STRING_EQUAL(spec->seccomp->listener_path, "/run/agent.sock");
	CU_ASSERT_STRING_EQUAL(spec->seccomp->listener_metadata, "answer=EXDEV");
	/* The kernel wants TSYNC_ESRCH beside TSYNC when it returns a listener. */
	CU_ASSERT_EQUAL(spec->seccomp->flags, SECCOMP_FILTER_FLAG_TSYNC |
						      SECCOMP_FILTER_FLAG_NEW_LISTENER |
						      SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
	CU_ASSERT(!quiet->seccomp->has_notify);
	CU_ASSERT_PTR_NULL(quiet->seccomp->listener_path);
	CU_ASSERT_EQUAL(quiet->seccomp->flags, 0);
	barco_oci_spec_free(spec);
	barco_oci_spec_free(quiet);
}

/* The caller's mkdir, as the listener shows it, answered with EXDEV (seccomp_unotify(2)). */
static int answer_one(int listener)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return 12;
#ifdef SYS_mkdir
	if (req.data.nr != SYS_mkdir)
		return 13;
#endif
	resp = (struct seccomp_notif_resp){.id = req.id, .error = -EXDEV};
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? 14 : 0;
}

/* In a child: load the profile as the stages do; a grandchild's mkdir reaches us. */
static int notify_child(const void *arg)
{
	const struct barco_oci_spec *spec = arg;
	struct barco_config cfg;
	struct barco_report rep = {0};
	struct barco_err err = {0};
	int listener = -1, r, ws = 0;
	pid_t pid;

	barco_config_init(&cfg);
	cfg.seccomp = BARCO_SECCOMP_PROFILE;
	cfg.seccomp_program = spec->seccomp->program;
	cfg.seccomp_program_len = spec->seccomp->program_len;
	cfg.seccomp_flags = spec->seccomp->flags;
	if (barco_seccomp_apply(&cfg, &listener, &rep, &err) < 0 || listener < 0)
		return 11;
	pid = fork();
	if (pid == 0)
		_exit(mkdir("/nonexistent-barco-dir", 0755) == -1 && errno == EXDEV ? 0 : 1);
	r = answer_one(listener);
	if (pid < 0 || waitpid(pid, &ws, 0) != pid)
		return 15;
	return r ? r : (WIFEXITED(ws) ? WEXITSTATUS(ws) : 16);
}

static void test_notify_profile_gives_a_listener(void)
{
	struct barco_oci_spec *spec = barco_test_oci_parse_ok(NOTIFY_PROFILE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(barco_test_run_in_child(notify_child, spec), 0);
	barco_oci_spec_free(spec);
}

static void test_agent_state_json(void)
{
	struct barco_config cfg;
	char *text;

	barco_config_init(&cfg);
	(void)snprintf(cfg.name, sizeof(cfg.name), "web");
	cfg.bundle = "/b";
	cfg.seccomp_listener_metadata = "m";
	cfg.annotations_json = "{\"a\":\"1\"}";
	text = barco_seccomp_agent_state(&cfg, 42, 7, "creating");
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, "{\"ociVersion\":\"1.1.0\",\"fds\":[\"seccompFd\"],"
				     "\"pid\":42,\"metadata\":\"m\",\"state\":{"
				     "\"ociVersion\":\"1.1.0\",\"id\":\"web\","
				     "\"status\":\"creating\",\"pid\":7,\"bundle\":\"/b\","
				     "\"annotations\":{\"a\":\"1\"}}}");
	free(text);
}

/* The files in dir, not counting dot names (a store's temporary file). */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	(void)closedir(d);
	return n;
}

static bool same_program(const struct barco_oci_seccomp *a, const struct barco_oci_seccomp *b)
{
	return a->program_len == b->program_len &&
	       memcmp(a->program, b->program, a->program_len * sizeof(*a->program)) == 0;
}

/* Flips the last byte of the key in file, the profile text's closing brace. */
static void corrupt_key(const char *file, size_t key_at_end)
{
	FILE *f = fopen(file, "r+");
	int c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, (long)key_at_end, SEEK_SET), 0);
	c = fgetc(f);
	CU_ASSERT_EQUAL(fseek(f, (long)key_at_end, SEEK_SET), 0);
	(void)fputc(c ^ 1, f);
	(void)fclose(f);
}

/*
 * The cache (runtime/oci_seccomp_cache.h): the second parse of a profile
 * reads back the program the first compiled, with its flags, rule count
 * and warnings; another profile, a file whose key differs, a file or a
 * directory that is not barco's user's alone: compiled again.
 */
static void test_cache(void)
{
	char *root = barco_test_tmpdir();
	char dir[PATH_MAX], doc[512];
	struct barco_oci_spec *first, *again, *other, *spec;

	(void)snprintf(dir, sizeof(dir), "%s/cache", root);
	barco_oci_seccomp_cache_enable(dir);
	first = barco_test_oci_parse_ok(PROFILE);
	again = barco_test_oci_parse_ok(PROFILE);
	other = barco_test_oci_parse_ok(DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
					    "[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
					    "\"errnoRet\":19}]}"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_PTR_NULL(first->seccomp->cache_file);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again->seccomp->cache_file);
	CU_ASSERT_EQUAL(strncmp(again->seccomp->cache_file, dir, strlen(dir)), 0);
	CU_ASSERT(same_program(first->seccomp, again->seccomp));
	CU_ASSERT_EQUAL(again->seccomp->flags, SECCOMP_FILTER_FLAG_LOG);
	CU_ASSERT_EQUAL(again->seccomp->rules_len, 4);
	CU_ASSERT_EQUAL_FATAL(again->seccomp->skipped_len, 1);
	CU_ASSERT_STRING_EQUAL(again->seccomp->skipped[0], first->seccomp->skipped[0]);
	CU_ASSERT_PTR_NULL(other->seccomp->cache_file);
	CU_ASSERT(!same_program(first->seccomp, other->seccomp));
	CU_ASSERT_EQUAL(count_files(dir), 2);

	/* The file's key no longer the profile's: compiled again, and the file made right. */
	{
		struct stat st;
		size_t key_end;

		CU_ASSERT_EQUAL_FATAL(stat(again->seccomp->cache_file, &st), 0);
		/* The key ends where the program starts: after the 40-byte header and the key. */
		key_end = (size_t)st.st_size -
			  first->seccomp->program_len * sizeof(struct sock_filter) -
			  strlen(first->seccomp->skipped[0]) - 1 - 1;
		corrupt_key(again->seccomp->cache_file, key_end);
		spec = barco_test_oci_parse_ok(PROFILE);
		CU_ASSERT_PTR_NULL(spec->seccomp->cache_file);
		CU_ASSERT(same_program(first->seccomp, spec->seccomp));
		barco_oci_spec_free(spec);
		spec = barco_test_oci_parse_ok(PROFILE);
		CU_ASSERT_PTR_NOT_NULL(spec->seccomp->cache_file);
		barco_oci_spec_free(spec);

		/* Another user's file is not trusted. */
		CU_ASSERT_EQUAL(chown(again->seccomp->cache_file, 1, 1), 0);
		spec = barco_test_oci_parse_ok(PROFILE);
		CU_ASSERT_PTR_NULL(spec->seccomp->cache_file);
		barco_oci_spec_free(spec);
		/* Nor a directory others may write in. */
		CU_ASSERT_EQUAL(chmod(dir, 0777), 0);
		spec = barco_test_oci_parse_ok(PROFILE);
		CU_ASSERT_PTR_NULL(spec->seccomp->cache_file);
		barco_oci_spec_free(spec);
		CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	}

	/* A store's temporary file left by a killed barco goes with the next store; a new one
	 * stays. */
	{
		struct timespec old[2] = {{.tv_sec = 1}, {.tv_sec = 1}};
		char stale[PATH_MAX + 16], fresh[PATH_MAX + 16];

		(void)snprintf(stale, sizeof(stale), "%s/.0123456789abcdef.1", dir);
		(void)snprintf(fresh, sizeof(fresh), "%s/.0123456789abcdef.2", dir);
		barco_test_write_file(dir, ".0123456789abcdef.1", "half");
		barco_test_write_file(dir, ".0123456789abcdef.2", "half");
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, stale, old, 0), 0);
		spec = barco_test_oci_parse_ok(
			DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
			    "[{\"names\":[\"rmdir\"],\"action\":"
			    "\"SCMP_ACT_ERRNO\"}]}"));
		barco_oci_spec_free(spec);
		CU_ASSERT_NOT_EQUAL(access(stale, F_OK), 0);
		CU_ASSERT_EQUAL(access(fresh, F_OK), 0);
	}

	/* Full: the oldest goes, the directory never holds more than the limit. */
	for (int i = 0; i < BARCO_OCI_SECCOMP_CACHE_MAX + 3; i++) {
		(void)snprintf(doc, sizeof(doc),
			       DOC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				   "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d}]}"),
			       100 + i);
		spec = barco_test_oci_parse_ok(doc);
		barco_oci_spec_free(spec);
	}
	CU_ASSERT_EQUAL(count_files(dir), BARCO_OCI_SECCOMP_CACHE_MAX);

	barco_oci_seccomp_cache_disable();
	spec = barco_test_oci_parse_ok(PROFILE);
	CU_ASSERT_PTR_NULL(spec->seccomp->cache_file);
	barco_oci_spec_free(spec);
	barco_oci_spec_free(first);
	barco_oci_spec_free(again);
	barco_oci_spec_free(other);
	barco_test_rmtree(root);
	free(root);
}

void barco_test_register_oci_seccomp(void)
{
	CU_pSuite s = barco_test_suite("oci_seccomp");

	barco_test_add(s, "a profile compiles", test_profile_compiles);
	barco_test_add(s, "conditions on different arguments are one rule",
		       test_conditions_on_different_arguments_are_one_rule);
	barco_test_add(s, "no linux.seccomp, no profile", test_no_seccomp_key);
	barco_test_add(s, "refusals name the JSON path", test_refusals_name_the_path);
	barco_test_add(s, "the compiled profile filters", test_profile_filters);
	barco_test_add(s, "a notifying profile compiles", test_notify_profile_compiles);
	barco_test_add(s, "a notifying profile gives a listener",
		       test_notify_profile_gives_a_listener);
	barco_test_add(s, "the agent's containerProcessState", test_agent_state_json);
	barco_test_add(s, "a profile compiled before is read back from the cache", test_cache);
}
