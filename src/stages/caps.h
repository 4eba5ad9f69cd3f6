#pragma once
/*
 * Capabilities: an allowlist (Docker's default set) in the bounding,
 * permitted and effective sets; inheritable and ambient empty. Anything not on the list is dropped
 * from the bounding set; with the inheritable set empty too (the bounding set does not mask it),
 * no later execve can regain it, not even of a setuid or file-capability binary.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"
#include "base/report.h"

/* The default allowlist, as capability numbers (see capabilities(7)). */
extern const int barco_caps_allowlist[];
extern const size_t barco_caps_allowlist_len;

/* Bit mask (bit N = capability N) of barco_caps_allowlist. */
uint64_t barco_caps_default_mask(void);

/*
 * "NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN" → its number; "ALL" → -2
 * (the caller expands it). Unknown names are an error naming the value.
 */
int barco_cap_from_name(const char *name, int *ret_cap, struct barco_err *err)
	__attribute__((warn_unused_result));

/* "CAP_NET_ADMIN" for 12; a static string, "CAP_?" when unknown. */
const char *barco_cap_name(int cap);

/* default allowlist | add, minus drop; masked to the capabilities this kernel knows. */
uint64_t barco_caps_compute(uint64_t add, uint64_t drop, int last_cap);

/* Reads /proc/sys/kernel/cap_last_cap. */
int barco_caps_last_cap(int *ret_last, struct barco_err *err) __attribute__((warn_unused_result));

/*
 * In the container, as root of its user namespace: drops every capability
 * not in keep from the bounding set, switches to uid/gid with the
 * supplementary groups groups (groups_len of them, none by default), and
 * sets permitted, effective, inheritable and ambient to keep for uid 0. A
 * non-root uid keeps only the bounding set (its other sets are empty, as
 * for any unprivileged process).
 */
int barco_caps_apply(uint64_t keep, uid_t uid, gid_t gid, const gid_t *groups, size_t groups_len,
		     struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
