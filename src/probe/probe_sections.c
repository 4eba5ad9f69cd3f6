/*
 * The probe sections, in report order: each row names a section's checks
 * (probe_SECTION.c) and what it adds to a run. The runner (probe.c) and the
 * report (probe_out.c) find the sections here and nowhere else.
 */
#include "probe/probe.h"

#include <string.h>

/* Fields a row leaves out are NULL (no conclusions, nothing to prepare) or false. */
static const struct barco_probe_section_def section_defs[BARCO_PROBE_SECTION_COUNT] = {
	[BARCO_PROBE_KERNEL] = {.name = "kernel",
				.title = "kernel",
				.checks = barco_probe_kernel_checks,
				.len = &barco_probe_kernel_checks_len},
	[BARCO_PROBE_USERNS] = {.name = "userns",
				.title = "user namespaces",
				.checks = barco_probe_userns_checks,
				.len = &barco_probe_userns_checks_len,
				.conclude = barco_probe_userns_conclude},
	[BARCO_PROBE_NS] = {.name = "ns",
			    .title = "namespaces",
			    .checks = barco_probe_ns_checks,
			    .len = &barco_probe_ns_checks_len},
	[BARCO_PROBE_CGROUP] = {.name = "cgroup",
				.title = "cgroups",
				.checks = barco_probe_cgroup_checks,
				.len = &barco_probe_cgroup_checks_len,
				.conclude = barco_probe_cgroup_conclude},
	[BARCO_PROBE_CAPS] = {.name = "caps",
			      .title = "capabilities",
			      .checks = barco_probe_caps_checks,
			      .len = &barco_probe_caps_checks_len},
	[BARCO_PROBE_SECCOMP] = {.name = "seccomp",
				 .title = "seccomp",
				 .checks = barco_probe_seccomp_checks,
				 .len = &barco_probe_seccomp_checks_len},
	[BARCO_PROBE_BPF] = {.name = "bpf",
			     .title = "eBPF",
			     .checks = barco_probe_bpf_checks,
			     .len = &barco_probe_bpf_checks_len,
			     .conclude = barco_probe_bpf_conclude,
			     .prepare = barco_probe_bpf_prepare,
			     .runs_first = true},
	[BARCO_PROBE_NET] = {.name = "net",
			     .title = "networking",
			     .checks = barco_probe_net_checks,
			     .len = &barco_probe_net_checks_len},
};

const struct barco_probe_section_def *barco_probe_section_get(enum barco_probe_section s)
{
	if ((unsigned int)s >= BARCO_PROBE_SECTION_COUNT)
		return NULL;
	return &section_defs[s];
}

int barco_probe_section_from_name(const char *name, enum barco_probe_section *ret,
				  struct barco_err *err)
{
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++) {
		if (strcmp(name, section_defs[s].name) == 0) {
			*ret = (enum barco_probe_section)s;
			return 0;
		}
	}
	return barco_err_set(
		err, 0,
		"unknown section '%s' (kernel, userns, ns, cgroup, caps, seccomp, bpf, net)", name);
}
