#pragma once
/*
 * linux.seccomp of config.json (runtime-spec 1.1 config-linux.md
 * "Seccomp"), compiled by libseccomp into the BPF program the seccomp stage
 * hands to seccomp(2). It is compiled while config.json is read, so that a
 * profile barco cannot apply is refused with its JSON path before anything
 * exists on the host, and the container process only loads instructions.
 *
 * As runc: a syscall name this libseccomp does not know is skipped (and
 * named in a warning, see barco_oci_config_warn); the conditions of a rule
 * are ANDed unless two of them test the same argument, which libseccomp
 * cannot AND: then each condition becomes a rule of its own (so they are
 * alternatives); a rule whose action is the default action changes nothing
 * and is left out.
 *
 * SCMP_ACT_NOTIFY hands a call to a seccomp agent (seccomp_unotify(2)): the
 * filter is then loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER, the container
 * process sends the listener fd it gets to barco's runtime side over their
 * socketpair, and barco sends it on to the agent at listenerPath
 * (runtime/seccomp_agent.h). Not as the default action, nor for sendmsg(2),
 * the call that carries the listener out.
 */
#include <json-c/json.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* sizeof(sockaddr_un.sun_path): the longest listenerPath, with its NUL. */
#define BARCO_OCI_LISTENER_PATH_MAX 108

/* How many rules (a name times its split conditions) one profile may add. */
#define BARCO_OCI_SECCOMP_RULES_MAX 8192

struct barco_oci_seccomp {
	struct sock_filter *program; /* what seccomp(2) loads */
	size_t program_len;	     /* instructions */
	unsigned int flags;	     /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
	size_t rules_len;	     /* rules added to the filter */
	char **skipped;		     /* one "PATH: unknown syscall "NAME"" per name skipped */
	size_t skipped_len;
	bool has_notify;	       /* a rule answers SCMP_ACT_NOTIFY */
	const char *listener_path;     /* the agent's socket when has_notify, else NULL */
	const char *listener_metadata; /* passed to the agent as is, or NULL */
	void *ctx;		       /* libseccomp's filter while it is built; NULL after */
	char *cache_file; /* where the program was read from (oci_seccomp_cache.h), or NULL */
};

struct barco_oci_spec;

/*
 * Reads and compiles linux.seccomp of lx (the "linux" object) into
 * spec->seccomp, which stays NULL when there is none; barco_oci_spec_free
 * frees it.
 */
int barco_oci_parse_seccomp(struct barco_oci_spec *spec, struct json_object *lx,
			    struct barco_err *err) __attribute__((warn_unused_result));

void barco_oci_seccomp_free(struct barco_oci_seccomp *s);
