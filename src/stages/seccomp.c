/*
 * Seccomp at container start: no_new_privs, then the filter of the policy
 * in src/stages/seccomp_policy.c. barco compiled that policy when it was built
 * (tools/seccomp/seccomp-gen.c → build/seccomp_bpf.h); here the instructions
 * are handed to seccomp(2) as they are. A build for another architecture
 * fails closed: the program's first instructions kill a process whose
 * syscalls are not of the architecture it was compiled for.
 */
#include "stages/seccomp.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "base/util.h"

#include "seccomp_bpf.h"

_Static_assert(ARRAY_LEN(seccomp_bpf) <= BPF_MAXINSNS, "seccomp filter longer than BPF_MAXINSNS");

const struct sock_filter *const barco_seccomp_program = seccomp_bpf;
const size_t barco_seccomp_program_len = ARRAY_LEN(seccomp_bpf);
const struct barco_seccomp_counts barco_seccomp_program_counts = SECCOMP_BPF_COUNTS;
const char barco_seccomp_program_compiler[] = SECCOMP_BPF_COMPILER;

/*
 * With SECCOMP_FILTER_FLAG_NEW_LISTENER, seccomp(2) returns the listener:
 * the fd on which a supervisor receives the calls the filter notifies
 * (seccomp_unotify(2)); it goes to *ret_listener (close-on-exec, as the
 * kernel makes it), -1 without the flag.
 */
static int load_program(const struct sock_filter *program, size_t len, unsigned int flags,
			int *ret_listener, struct barco_report *rep, struct barco_err *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)len,
		/* seccomp(2) only reads the program; the cast drops const for its struct */
		.filter = (struct sock_filter *)program,
	};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);

	if (r < 0)
		return barco_err_errno(err, "seccomp(SECCOMP_SET_MODE_FILTER, %#x, …)", flags);
	barco_report_add(rep, "seccomp(SECCOMP_SET_MODE_FILTER, %#x, {%zu BPF instructions}) = %ld",
			 flags, len, r);
	*ret_listener = -1;
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		*ret_listener = (int)r;
		barco_report_add(rep, "fd %ld is the listener of the calls the filter notifies", r);
	}
	return 0;
}

static int load_default_filter(struct barco_report *rep, struct barco_err *err)
{
	const struct barco_seccomp_counts *counts = &barco_seccomp_program_counts;

	barco_report_add(rep,
			 "seccomp filter: default action ERRNO(EPERM), %zu syscalls allowed, "
			 "conditional rules: " BARCO_SECCOMP_CONDITIONAL_SUMMARY,
			 counts->allowed);
	barco_report_add(rep,
			 "seccomp filter: compiled at build time by %s; %zu names absent on this "
			 "architecture and %zu names unknown to it skipped",
			 barco_seccomp_program_compiler, counts->not_on_arch, counts->unknown);
	int no_listener;

	return load_program(barco_seccomp_program, barco_seccomp_program_len, 0, &no_listener, rep,
			    err);
}

int barco_seccomp_load_profile(const struct barco_config *cfg, int *ret_listener,
			       struct barco_report *rep, struct barco_err *err)
{
	if (cfg->seccomp_cache_file)
		barco_report_add(rep,
				 "seccomp filter: config.json's linux.seccomp, compiled by "
				 "libseccomp when barco first met this profile (this barco build, "
				 "this kernel) and read back from %s (%zu unknown syscall names "
				 "skipped)",
				 cfg->seccomp_cache_file, cfg->seccomp_skipped_len);
	else
		barco_report_add(
			rep,
			"seccomp filter: config.json's linux.seccomp, compiled by libseccomp "
			"when barco read it (%zu unknown syscall names skipped)",
			cfg->seccomp_skipped_len);
	return load_program(cfg->seccomp_program, cfg->seccomp_program_len, cfg->seccomp_flags,
			    ret_listener, rep, err);
}

bool barco_seccomp_is_early(const struct barco_config *cfg)
{
	return cfg->seccomp == BARCO_SECCOMP_PROFILE && cfg->is_new_privs_allowed;
}

static int set_no_new_privs(const struct barco_config *cfg, struct barco_report *rep,
			    struct barco_err *err)
{
	if (cfg->is_new_privs_allowed) {
		barco_report_add(rep, "process.noNewPrivileges is false: no_new_privs left unset");
		return 0;
	}
	/*
	 * Loading a filter without CAP_SYS_ADMIN requires no_new_privs
	 * (seccomp(2)); barco sets it in every mode so that no setuid binary
	 * in the image can gain privileges either (prctl(2)).
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return barco_err_errno(err, "prctl(PR_SET_NO_NEW_PRIVS, 1)");
	barco_report_add(rep, "prctl(PR_SET_NO_NEW_PRIVS, 1) = 0");
	return 0;
}

int barco_seccomp_apply(const struct barco_config *cfg, int *ret_listener, struct barco_report *rep,
			struct barco_err *err)
{
	*ret_listener = -1;
	if (set_no_new_privs(cfg, rep, err) < 0)
		return -1;
	switch (cfg->seccomp) {
	case BARCO_SECCOMP_UNCONFINED:
		barco_report_add(rep, "seccomp: unconfined (no filter loaded)");
		return 0;
	case BARCO_SECCOMP_PROFILE:
		if (!barco_seccomp_is_early(cfg))
			return barco_seccomp_load_profile(cfg, ret_listener, rep, err);
		barco_report_add(rep, "seccomp filter: loaded by the caps stage, before it dropped "
				      "CAP_SYS_ADMIN (needed without no_new_privs)");
		return 0;
	case BARCO_SECCOMP_DEFAULT:
		break;
	}
	return load_default_filter(rep, err);
}

int barco_seccomp_mode_from_name(const char *name, enum barco_seccomp_mode *ret,
				 struct barco_err *err)
{
	if (name && strcmp(name, "default") == 0) {
		*ret = BARCO_SECCOMP_DEFAULT;
		return 0;
	}
	if (name && strcmp(name, "unconfined") == 0) {
		*ret = BARCO_SECCOMP_UNCONFINED;
		return 0;
	}
	return barco_err_set(err, EINVAL,
			     "unknown seccomp mode \"%s\" (expected default or unconfined)",
			     name ? name : "");
}
