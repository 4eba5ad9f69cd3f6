/*
 * update: a container's cgroup limits, changed while it runs (oci_update.h).
 *
 * The files are those create wrote (stages/cgroup.c); what the document
 * leaves out is left as it is, and -1 lifts a limit. On a v1 host
 * memory+swap follows memory, as at create: barco gives containers no swap.
 */
#include "runtime/oci_update.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/report.h"
#include "base/util.h"
#include "runtime/oci_lifecycle.h"
#include "stages/cgroup.h"

int barco_oci_read_resources(const char *file, struct barco_oci_resources *ret,
			     struct barco_err *err)
{
	bool is_stdin = strcmp(file, "-") == 0;
	cleanup_close int fd =
		is_stdin ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *text = malloc(BARCO_OCI_FILE_MAX);
	size_t n = 0;

	if (fd < 0 || !text || barco_read_full(fd, text, BARCO_OCI_FILE_MAX, &n) < 0)
		return barco_err_errno(err, "--resources %s", is_stdin ? "- (stdin)" : file);
	if (barco_oci_resources_parse(text, n, ret, err) < 0)
		return barco_err_wrap(err, "--resources %s", is_stdin ? "- (stdin)" : file);
	return 0;
}

int barco_oci_update(const char *id, const struct barco_oci_resources *res, struct barco_err *err)
{
	const struct barco_cgroup_limits limits = {
		.memory_bytes = res->memory_limit,
		.pids_max = res->pids_limit,
		.cpu_shares = res->cpu_shares,
		.device_rules = res->device_rules,
		.device_rules_len = res->device_rules_len,
	};
	struct barco_oci_state st;
	struct barco_cgroup cg;
	struct barco_report rep = {0};

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	if (st.status == BARCO_OCI_STOPPED)
		return barco_err_set(err, 0, "container \"%s\": container not running", id);
	if (barco_oci_container_cgroup(id, &cg, err) < 0)
		return -1;
	if (barco_cgroup_update(&cg, &limits, &rep, err) < 0)
		return barco_err_wrap(err, "update \"%s\"", id);
	return 0;
}
