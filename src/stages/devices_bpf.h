#pragma once
/*
 * The devices cgroup of cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * cgroup v2 has no devices.allow: when a process opens a device node or
 * makes one (mknod), the kernel runs the device programs attached to its
 * cgroup and to the cgroup's ancestors with one context,
 * struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h): access_type holds
 * the node's type (BPF_DEVCG_DEV_BLOCK or _CHAR) in its low 16 bits and
 * the access asked for (BPF_DEVCG_ACC_READ | _WRITE | _MKNOD) in its high
 * ones; then major and minor. The open goes on only if every program
 * returns 1; otherwise it fails with EPERM (kernel/bpf/cgroup.c,
 * __cgroup_bpf_check_dev_permission).
 *
 * barco compiles the rule list of linux.resources.devices into such a
 * program when the container is created, from raw instructions (no
 * compiler, no object file): the list is short, known only then, and the
 * program is a chain of comparisons. What it decides, for a request on one
 * node: each access bit asked for is given by the *last* rule of the list
 * that names the node and that bit, and the request passes only if every
 * bit is allowed; a bit no rule names is denied (the list starts from
 * "deny all", as runc's and crun's do). A type "a" rule names every node
 * and every access, whatever its numbers: it is the whole-list reset of
 * cgroup v1's "a" (Documentation/admin-guide/cgroup-v1/devices.rst).
 * A request with no access bit (faccessat(2) with X_OK) is decided by
 * the last rule naming its node.
 *
 * The program checks the rules from the last one back: the first rule it
 * meets that names a requested bit decides that bit. It returns 0 as soon
 * as one requested bit meets a deny rule, 1 once every requested bit met
 * an allow rule, and stops at the first "a" rule (nothing before it can
 * matter).
 */
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

/* The program's name (bpftool prog list): update replaces only programs of this name. */
#define BARCO_DEVICES_BPF_NAME "barco_devices"

/* Room the program of n rules needs, in instructions. */
size_t barco_devices_bpf_max_insns(size_t n);

/*
 * Compiles rules (in list order) into insns, which has room for
 * barco_devices_bpf_max_insns(n); returns the number of instructions.
 */
size_t barco_devices_bpf_build(const struct barco_device_rule *rules, size_t n,
			       struct bpf_insn *insns);

/*
 * Loads the program of rules (exactly those: the caller adds the default
 * allowances) and attaches it to the cgroup2 directory dir with
 * BPF_F_ALLOW_MULTI, as runc does; then detaches the barco_devices
 * programs that were attached there before, so that an update replaces
 * the list with no moment without one (while both are attached, a request
 * needs both to allow it). Other programs on dir are left alone.
 */
int barco_devices_bpf_attach(const char *dir, const struct barco_device_rule *rules, size_t n,
			     struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));

/* The ids of the device programs attached to dir itself (not inherited), at most max. */
int barco_devices_bpf_query(const char *dir, uint32_t *ret_ids, size_t max, size_t *ret_n,
			    struct barco_err *err) __attribute__((warn_unused_result));
