/*
 * The seccomp policy compiled by libseccomp, one rule per syscall in a
 * linear chain: the reference barco's compiler (seccomp_emit.c) is checked
 * against, at build time (seccomp-gen.c) and in the unit tests; never
 * loaded.
 */
#include "seccomp_compile.h"

#include <errno.h>
/* libseccomp's; barco's own headers are included by their folder ("stages/seccomp.h"). */
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"

static void filter_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

#define cleanup_filter __attribute__((cleanup(filter_releasep)))

/*
 * The syscall number on this architecture, or -1 when it has none:
 * libseccomp answers __NR_SCMP_ERROR for names it does not know and a
 * negative pseudo-number for names of other architectures (chown32 on
 * x86_64).
 */
int barco_seccomp_resolve(const char *name, struct barco_seccomp_counts *counts)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR) {
		log_debug("seccomp: %s unknown to this libseccomp, skipped", name);
		counts->unknown++;
		return -1;
	}
	if (nr < 0) {
		counts->not_on_arch++;
		return -1;
	}
	return nr;
}

static int add_allowed(scmp_filter_ctx ctx, struct barco_seccomp_counts *counts,
		       struct barco_err *err)
{
	for (size_t i = 0; i < barco_seccomp_allowed_len; i++) {
		int nr = barco_seccomp_resolve(barco_seccomp_allowed[i], counts);
		int rc;

		if (nr < 0)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_rule_add(ALLOW, %s)",
					     barco_seccomp_allowed[i]);
		counts->allowed++;
	}
	return 0;
}

/*
 * "Low 32 bits != value", exactly. The kernel reads ioctl's cmd and
 * socket's family as 32-bit ints, but libseccomp compares all 64 bits
 * (SCMP_A1_32 only truncates the datum, not the argument), so a plain
 * SCMP_CMP_NE lets TIOCSTI | 1 << 32 through. A value differs from TIOCSTI
 * in its low 32 bits exactly when one of those bits differs: one masked
 * compare per bit, ORed (rules for the same syscall are alternatives).
 */
static int add_low32_ne(scmp_filter_ctx ctx, int nr, const struct barco_seccomp_rule *rule)
{
	for (unsigned int bit = 0; bit < 32; bit++) {
		uint64_t mask = UINT64_C(1) << bit;
		int rc = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, mask, ~rule->value & mask));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_conditional_rule(scmp_filter_ctx ctx, int nr, const struct barco_seccomp_rule *rule)
{
	switch (rule->kind) {
	case BARCO_SECCOMP_ALLOW_BITS_CLEAR:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, rule->value, 0));
	case BARCO_SECCOMP_ALLOW_LOW32_NE:
		return add_low32_ne(ctx, nr, rule);
	case BARCO_SECCOMP_ALLOW_LOW32_EQ:
		return seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_CMP(rule->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, rule->value));
	case BARCO_SECCOMP_ENOSYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	}
	return -EINVAL;
}

static int add_conditional(scmp_filter_ctx ctx, struct barco_seccomp_counts *counts,
			   struct barco_err *err)
{
	for (size_t i = 0; i < barco_seccomp_rules_len; i++) {
		const struct barco_seccomp_rule *rule = &barco_seccomp_rules[i];
		int nr = barco_seccomp_resolve(rule->name, counts);
		int rc;

		if (nr < 0)
			continue;
		rc = add_conditional_rule(ctx, nr, rule);
		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_rule_add(%s, conditional rule %zu)",
					     rule->name, i);
		counts->conditional++;
	}
	return 0;
}

static int set_attributes(scmp_filter_ctx ctx, struct barco_err *err)
{
	static const struct {
		enum scmp_filter_attr attr;
		uint32_t value;
		const char *name;
	} attrs[] = {
		/* a syscall of another ABI (int 0x80, x32) is an attack, not a program */
		{SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "SCMP_FLTATR_ACT_BADARCH"},
		/* barco sets no_new_privs itself, visibly, before loading */
		{SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP"},
		/* the kernel's errno rather than libseccomp's ECANCELED */
		{SCMP_FLTATR_API_SYSRAWRC, 1, "SCMP_FLTATR_API_SYSRAWRC"},
	};

	for (size_t i = 0; i < ARRAY_LEN(attrs); i++) {
		int rc = seccomp_attr_set(ctx, attrs[i].attr, attrs[i].value);

		if (rc < 0)
			return barco_err_set(err, -rc, "seccomp_attr_set(%s)", attrs[i].name);
	}
	return 0;
}

/*
 * libseccomp compiles on export as on load: export once into memory and
 * load exactly those instructions with seccomp(2), so the program is built
 * once and the report counts what the kernel got.
 */
static int export_program(scmp_filter_ctx ctx, struct sock_filter **ret_insns, size_t *ret_len,
			  struct barco_err *err)
{
	cleanup_close int fd = memfd_create("barco-seccomp-bpf", MFD_CLOEXEC);
	cleanup_free struct sock_filter *insns = NULL;
	struct stat st;
	int rc;

	if (fd < 0)
		return barco_err_errno(err, "memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return barco_err_set(err, -rc, "seccomp_export_bpf");
	if (fstat(fd, &st) < 0)
		return barco_err_errno(err, "fstat the exported filter");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return barco_err_set(err, EINVAL, "exported filter of %lld bytes",
				     (long long)st.st_size);
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return barco_err_set(err, ENOMEM, "filter of %lld bytes", (long long)st.st_size);
	if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size)
		return barco_err_errno(err, "read the exported filter");
	*ret_len = (size_t)st.st_size / sizeof(struct sock_filter);
	*ret_insns = steal_pointer(&insns);
	return 0;
}

static int build_filter(scmp_filter_ctx *ret_ctx, struct barco_seccomp_counts *counts,
			struct barco_err *err)
{
	cleanup_filter scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));

	if (!ctx)
		return barco_err_set(err, ENOMEM, "seccomp_init(SCMP_ACT_ERRNO(EPERM))");
	if (set_attributes(ctx, err) < 0 || add_allowed(ctx, counts, err) < 0 ||
	    add_conditional(ctx, counts, err) < 0)
		return -1;
	*ret_ctx = steal_pointer(&ctx);
	return 0;
}

int barco_seccomp_compile_libseccomp(struct sock_filter **ret_insns, size_t *ret_len,
				     struct barco_seccomp_counts *ret_counts, struct barco_err *err)
{
	cleanup_filter scmp_filter_ctx ctx = NULL;
	struct barco_seccomp_counts counts = {0};

	if (build_filter(&ctx, &counts, err) < 0)
		return barco_err_wrap(err, "seccomp: building the filter");
	if (export_program(ctx, ret_insns, ret_len, err) < 0)
		return barco_err_wrap(err, "seccomp: compiling the filter");
	*ret_counts = counts;
	return 0;
}
