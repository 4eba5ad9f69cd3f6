/* linux.seccomp of config.json, compiled by libseccomp: see oci_seccomp.h. */
#include "runtime/oci_seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "runtime/oci_seccomp_cache.h"
#include "runtime/oci_spec_impl.h"

#define SECCOMP_PATH "linux.seccomp"

/* runtime-spec's action names; ERRNO and TRACE carry errnoRet (EPERM when absent). */
static const struct {
	const char *name;
	uint32_t action;
	bool takes_errno;
} seccomp_actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} seccomp_ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* TSYNC is accepted: the container process has one thread when it loads the filter. */
static const struct {
	const char *name;
	unsigned int flag;
} seccomp_flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

/* The syscall argument indexes seccomp can test (struct seccomp_data.args). */
#define SECCOMP_ARGS_MAX 6

static int unknown_word(const char *path, const char *what, const char *word, struct barco_err *err)
{
	char q[96];

	return barco_err_set(err, 0, "%s: unknown %s %s", path, what,
			     barco_oci_quote(q, sizeof(q), word));
}

static int parse_action(struct json_object *v, const char *path, const char *key,
			const char *errno_key, uint32_t *ret, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	const char *name = NULL;
	uint64_t errno_ret = EPERM;
	int has_errno;

	if (barco_oci_require(barco_oci_get_string(v, path, key, &name, err), path, key, err) < 0)
		return -1;
	has_errno = barco_oci_get_uint(v, path, errno_key, 0xffff, &errno_ret, err);
	if (has_errno < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(seccomp_actions); i++) {
		if (strcmp(name, seccomp_actions[i].name) != 0)
			continue;
		if (has_errno && !seccomp_actions[i].takes_errno)
			return barco_err_set(err, 0,
					     "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
					     "take one",
					     barco_oci_path_key(p, path, errno_key));
		*ret = seccomp_actions[i].action | (seccomp_actions[i].takes_errno ? errno_ret : 0);
		return 0;
	}
	return unknown_word(barco_oci_path_key(p, path, key), "seccomp action", name, err);
}

/* "SCMP_ARCH_X86_64" is libseccomp's "x86_64". */
static int parse_arch(const char *word, const char *path, uint32_t *ret, struct barco_err *err)
{
	static const char prefix[] = "SCMP_ARCH_";
	char name[32];
	size_t len = strlen(word);

	if (strncmp(word, prefix, sizeof(prefix) - 1) != 0 ||
	    len - (sizeof(prefix) - 1) >= sizeof(name))
		return unknown_word(path, "architecture", word, err);
	for (size_t i = sizeof(prefix) - 1; i <= len; i++)
		name[i - (sizeof(prefix) - 1)] = (char)tolower((unsigned char)word[i]);
	*ret = seccomp_arch_resolve_name(name);
	if (*ret == 0)
		return unknown_word(path, "architecture", word, err);
	return 0;
}

static int add_architectures(struct barco_oci_seccomp *s, struct json_object *sc,
			     struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	cleanup_free const char **names = NULL;
	size_t len = 0;
	uint32_t arch = 0;
	int r;

	if (barco_oci_get_strings(sc, SECCOMP_PATH, "architectures", false, &names, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		(void)snprintf(p, sizeof(p), SECCOMP_PATH ".architectures[%zu]", i);
		if (parse_arch(names[i], p, &arch, err) < 0)
			return -1;
		/* The native architecture is in the filter from the start: EEXIST. */
		r = seccomp_arch_add(s->ctx, arch);
		if (r < 0 && r != -EEXIST)
			return barco_err_set(err, -r, "%s: seccomp_arch_add", p);
	}
	return 0;
}

static int parse_flags(struct barco_oci_seccomp *s, struct json_object *sc, struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	cleanup_free const char **names = NULL;
	size_t len = 0;

	if (barco_oci_get_strings(sc, SECCOMP_PATH, "flags", false, &names, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		size_t f = 0;

		while (f < ARRAY_LEN(seccomp_flags) && strcmp(names[i], seccomp_flags[f].name) != 0)
			f++;
		(void)snprintf(p, sizeof(p), SECCOMP_PATH ".flags[%zu]", i);
		if (f == ARRAY_LEN(seccomp_flags))
			return unknown_word(p, "seccomp flag", names[i], err);
		s->flags |= seccomp_flags[f].flag;
	}
	return 0;
}

static int parse_arg(struct json_object *v, const char *path, struct scmp_arg_cmp *ret,
		     struct barco_err *err)
{
	char p[BARCO_OCI_PATH_MAX];
	uint64_t index = 0, value = 0, value_two = 0;
	const char *op = NULL;
	size_t i = 0;

	if (json_object_get_type(v) != json_type_object)
		return barco_err_set(err, 0, "%s: expected an object", path);
	if (barco_oci_require(
		    barco_oci_get_uint(v, path, "index", SECCOMP_ARGS_MAX - 1, &index, err), path,
		    "index", err) < 0 ||
	    barco_oci_require(barco_oci_get_uint(v, path, "value", UINT64_MAX, &value, err), path,
			      "value", err) < 0 ||
	    barco_oci_get_uint(v, path, "valueTwo", UINT64_MAX, &value_two, err) < 0 ||
	    barco_oci_require(barco_oci_get_string(v, path, "op", &op, err), path, "op", err) < 0)
		return -1;
	while (i < ARRAY_LEN(seccomp_ops) && strcmp(op, seccomp_ops[i].name) != 0)
		i++;
	if (i == ARRAY_LEN(seccomp_ops))
		return unknown_word(barco_oci_path_key(p, path, "op"), "comparison", op, err);
	/* MASKED_EQ: (arg & value) == valueTwo, libseccomp's datum_a and datum_b. */
	*ret = (struct scmp_arg_cmp){(unsigned int)index, seccomp_ops[i].op, value, value_two};
	return 0;
}

/* The conditions of one rule, and whether two of them test the same argument. */
struct seccomp_conds {
	struct scmp_arg_cmp cmp[SECCOMP_ARGS_MAX * 4];
	size_t len;
	bool is_split; /* each condition is a rule of its own (runc does the same) */
};

static int parse_args(struct json_object *v, const char *path, struct seccomp_conds *ret,
		      struct barco_err *err)
{
	char base[BARCO_OCI_PATH_MAX];
	char p[BARCO_OCI_PATH_MAX];
	struct json_object *arr = NULL;
	unsigned int seen = 0;

	ret->len = 0;
	ret->is_split = false;
	if (barco_oci_get_array(v, path, "args", ARRAY_LEN(ret->cmp), &arr, &ret->len, err) < 0)
		return -1;
	barco_oci_path_key(base, path, "args");
	for (size_t i = 0; i < ret->len; i++) {
		if (parse_arg(json_object_array_get_idx(arr, i), barco_oci_path_index(p, base, i),
			      &ret->cmp[i], err) < 0)
			return -1;
		ret->is_split |= (seen >> ret->cmp[i].arg) & 1;
		seen |= 1u << ret->cmp[i].arg;
	}
	return 0;
}

static int skip_name(struct barco_oci_seccomp *s, const char *path, const char *name,
		     struct barco_err *err)
{
	char q[96];
	char **grown = reallocarray(s->skipped, s->skipped_len + 1, sizeof(*s->skipped));

	if (!grown)
		return barco_err_errno(err, "%s", path);
	s->skipped = grown;
	if (asprintf(&s->skipped[s->skipped_len], "%s: unknown syscall %s skipped", path,
		     barco_oci_quote(q, sizeof(q), name)) < 0)
		return barco_err_errno(err, "%s", path);
	s->skipped_len++;
	return 0;
}

static int add_rules(struct barco_oci_seccomp *s, int nr, uint32_t action,
		     const struct seccomp_conds *c, const char *path, struct barco_err *err)
{
	size_t rules = c->is_split ? c->len : 1;
	int r;

	if (s->rules_len + rules > BARCO_OCI_SECCOMP_RULES_MAX)
		return barco_err_set(err, 0, "%s: more than %d seccomp rules in all", path,
				     BARCO_OCI_SECCOMP_RULES_MAX);
	for (size_t i = 0; i < rules; i++) {
		if (c->is_split)
			r = seccomp_rule_add_array(s->ctx, action, nr, 1, &c->cmp[i]);
		else
			r = seccomp_rule_add_array(s->ctx, action, nr, (unsigned int)c->len,
						   c->cmp);
		if (r < 0)
			return barco_err_set(err, -r, "%s: libseccomp refused the rule", path);
		s->rules_len++;
	}
	return 0;
}

/*
 * The container hands its listener to barco with sendmsg(2) right after
 * loading the filter: a notified sendmsg would wait for an agent that has
 * not got the listener yet (runc refuses write(2), its carrier, likewise).
 */
static int check_notified(struct barco_oci_seccomp *s, const char *name, const char *path,
			  struct barco_err *err)
{
	s->has_notify = true;
	if (strcmp(name, "sendmsg") == 0)
		return barco_err_set(err, 0,
				     "%s: SCMP_ACT_NOTIFY cannot be used for sendmsg (the "
				     "container hands the listener to barco with it)",
				     path);
	return 0;
}

static int parse_syscall(struct barco_oci_spec *spec, struct json_object *v, const char *path,
			 struct barco_err *err)
{
	struct barco_oci_seccomp *s = spec->seccomp;
	char p[BARCO_OCI_PATH_MAX];
	char base[BARCO_OCI_PATH_MAX];
	cleanup_free const char **names = NULL;
	struct seccomp_conds conds;
	uint32_t action = 0, default_action = 0;
	size_t len = 0;

	if (barco_oci_require(barco_oci_get_strings(v, path, "names", false, &names, &len, err),
			      path, "names", err) < 0 ||
	    parse_action(v, path, "action", "errnoRet", &action, err) < 0 ||
	    parse_args(v, path, &conds, err) < 0)
		return -1;
	/* libseccomp refuses a rule that repeats the default action (EACCES): it changes nothing.
	 */
	if (seccomp_attr_get(s->ctx, SCMP_FLTATR_ACT_DEFAULT, &default_action) == 0 &&
	    action == default_action)
		return 0;
	barco_oci_path_key(base, path, "names");
	for (size_t i = 0; i < len; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);

		barco_oci_path_index(p, base, i);
		if (action == SCMP_ACT_NOTIFY && check_notified(s, names[i], p, err) < 0)
			return -1;
		if (nr == __NR_SCMP_ERROR ? skip_name(s, p, names[i], err) < 0
					  : add_rules(s, nr, action, &conds, p, err) < 0)
			return -1;
	}
	return 0;
}

/* libseccomp 2.5 exports to a file descriptor only: a memfd, read back. */
static int export_program(struct barco_oci_seccomp *s, struct barco_err *err)
{
	cleanup_close int fd = memfd_create("barco-seccomp", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return barco_err_errno(err, SECCOMP_PATH ": memfd_create");
	r = seccomp_export_bpf(s->ctx, fd);
	if (r < 0)
		return barco_err_set(err, -r, SECCOMP_PATH ": seccomp_export_bpf");
	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, SECCOMP_PATH ": fstat");
	s->program_len = (size_t)st.st_size / sizeof(*s->program);
	if (s->program_len == 0 || s->program_len > BPF_MAXINSNS)
		return barco_err_set(err, E2BIG,
				     SECCOMP_PATH ": the filter compiles to %zu instructions "
						  "(the kernel takes 1 to %d)",
				     s->program_len, BPF_MAXINSNS);
	s->program = malloc((size_t)st.st_size);
	if (!s->program)
		return barco_err_errno(err, SECCOMP_PATH);
	if (pread(fd, s->program, (size_t)st.st_size, 0) != st.st_size)
		return barco_err_errno(err, SECCOMP_PATH ": read the exported filter");
	return 0;
}

/*
 * listenerPath and listenerMetadata (runtime-spec 1.1): the agent's socket,
 * read only when a rule notifies. The listener fd itself is the kernel's
 * answer to SECCOMP_FILTER_FLAG_NEW_LISTENER (seccomp_unotify(2)); with
 * TSYNC the kernel wants TSYNC_ESRCH too, since a TSYNC failure would
 * otherwise be reported as a thread id where the fd belongs.
 */
static int parse_listener(struct barco_oci_seccomp *s, struct json_object *sc,
			  struct barco_err *err)
{
	if (barco_oci_get_string(sc, SECCOMP_PATH, "listenerPath", &s->listener_path, err) < 0 ||
	    barco_oci_get_string(sc, SECCOMP_PATH, "listenerMetadata", &s->listener_metadata, err) <
		    0)
		return -1;
	if (!s->has_notify) {
		s->listener_path = s->listener_metadata = NULL;
		return 0;
	}
	if (!s->listener_path || !s->listener_path[0])
		return barco_err_set(err, 0,
				     SECCOMP_PATH ".listenerPath: missing (SCMP_ACT_NOTIFY needs "
						  "the unix socket of a seccomp agent)");
	if (strlen(s->listener_path) >= BARCO_OCI_LISTENER_PATH_MAX)
		return barco_err_set(err, ENAMETOOLONG,
				     SECCOMP_PATH ".listenerPath: longer than %d bytes (a unix "
						  "socket's sun_path)",
				     BARCO_OCI_LISTENER_PATH_MAX - 1);
	s->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	if (s->flags & SECCOMP_FILTER_FLAG_TSYNC)
		s->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	return 0;
}

static int compile(struct barco_oci_spec *spec, struct json_object *sc, struct barco_err *err)
{
	struct barco_oci_seccomp *s = spec->seccomp;
	uint32_t default_action = 0;

	if (parse_action(sc, SECCOMP_PATH, "defaultAction", "defaultErrnoRet", &default_action,
			 err) < 0)
		return -1;
	/* Every call would wait for an agent, barco's own sendmsg of the listener first. */
	if (default_action == SCMP_ACT_NOTIFY)
		return barco_err_set(err, 0,
				     SECCOMP_PATH ".defaultAction: SCMP_ACT_NOTIFY cannot be the "
						  "default action (as runc)");
	s->ctx = seccomp_init(default_action);
	if (!s->ctx)
		return barco_err_set(err, EINVAL, SECCOMP_PATH ": seccomp_init");
	/* A binary tree of syscall numbers rather than a chain: shorter, and faster to run. */
	(void)seccomp_attr_set(s->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (add_architectures(s, sc, err) < 0 || parse_flags(s, sc, err) < 0 ||
	    barco_oci_each_object(sc, SECCOMP_PATH, "syscalls", BARCO_OCI_ARRAY_MAX, parse_syscall,
				  spec, err) < 0 ||
	    parse_listener(s, sc, err) < 0)
		return -1;
	return export_program(s, err);
}

int barco_oci_parse_seccomp(struct barco_oci_spec *spec, struct json_object *lx,
			    struct barco_err *err)
{
	struct json_object *sc = NULL;
	int found = barco_oci_get(lx, "linux", "seccomp", json_type_object, &sc, err);
	cleanup_free char *key = NULL;
	size_t key_len = 0;
	int r;

	if (found <= 0)
		return found;
	spec->seccomp = calloc(1, sizeof(*spec->seccomp));
	if (!spec->seccomp)
		return barco_err_errno(err, SECCOMP_PATH);
	/* The same profile as an earlier container's: what libseccomp made then. */
	key = barco_oci_seccomp_cache_key(sc, &key_len);
	if (key && barco_oci_seccomp_cache_load(key, key_len, spec->seccomp))
		return parse_listener(spec->seccomp, sc, err);
	r = compile(spec, sc, err);
	seccomp_release(spec->seccomp->ctx);
	spec->seccomp->ctx = NULL;
	if (r == 0 && key)
		barco_oci_seccomp_cache_store(key, key_len, spec->seccomp);
	return r;
}

void barco_oci_seccomp_free(struct barco_oci_seccomp *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->skipped_len; i++)
		free(s->skipped[i]);
	free(s->skipped);
	free(s->program);
	free(s->cache_file);
	free(s);
}
