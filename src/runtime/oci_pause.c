/*
 * pause and resume: the freezer of the container's cgroups (oci_pause.h).
 *
 * Freezing is asynchronous: the kernel marks the cgroup and each task stops
 * at its next return to user space (or in the middle of an interruptible
 * sleep); the freezer file says FREEZING (v1) or cgroup.events "frozen 0"
 * (v2) until every task has. barco_cgroup_freeze waits for that, so that
 * `pause` returning means nothing of the container runs any more.
 */
#include "runtime/oci_pause.h"

#include "base/log.h"
#include "runtime/oci_lifecycle.h"
#include "stages/cgroup.h"

int barco_oci_pause(const char *id, struct barco_err *err)
{
	struct barco_oci_state st;
	struct barco_cgroup cg;

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	/* runc's words: paused twice, or stopped, is "not running". */
	if (st.status != BARCO_OCI_CREATED && st.status != BARCO_OCI_RUNNING)
		return barco_err_set(err, 0, "container \"%s\": container not running (%s)", id,
				     barco_oci_status_name(st.status));
	if (barco_oci_container_cgroup(id, &cg, err) < 0)
		return -1;
	if (barco_cgroup_freeze(&cg, true, err) < 0) {
		barco_oci_thaw(id); /* half frozen is neither state */
		return barco_err_wrap(err, "pause \"%s\"", id);
	}
	return 0;
}

int barco_oci_resume(const char *id, struct barco_err *err)
{
	struct barco_oci_state st;
	struct barco_cgroup cg;

	if (barco_oci_state(id, &st, err) < 0)
		return -1;
	if (st.status != BARCO_OCI_PAUSED)
		return barco_err_set(err, 0, "container \"%s\": container not paused (%s)", id,
				     barco_oci_status_name(st.status));
	if (barco_oci_container_cgroup(id, &cg, err) < 0 ||
	    barco_cgroup_freeze(&cg, false, err) < 0)
		return barco_err_wrap(err, "resume \"%s\"", id);
	return 0;
}
