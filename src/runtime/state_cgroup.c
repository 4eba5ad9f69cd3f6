/*
 * STATE/cgroup.json: where a container's cgroups are, when linux.cgroupsPath
 * put them somewhere else than barco/NAME. Every verb that needs the cgroups
 * of an existing container (state, pause, resume, update, kill --all, ps,
 * exec, delete, reclaiming a stale one) asks barco_state_cgroup_at.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "runtime/state.h"

/* The directories of a cgroup in parents_made's order (stages/cgroup.h). */
static char *slot_path(struct barco_cgroup *cg, size_t slot)
{
	if (slot == BARCO_CG_SLOT_UNIFIED)
		return cg->unified_path;
	if (slot == BARCO_CG_SLOT_FREEZER)
		return cg->freezer_path;
	return cg->v1_path[slot - BARCO_CG_SLOT_V1];
}

int barco_state_write_cgroup(int dir_fd, const char *name, const struct barco_cgroup *cg,
			     struct barco_err *err)
{
	struct json_object *arr = json_object_new_array();
	struct barco_cgroup copy = *cg;
	int r;

	for (size_t s = 0; s < BARCO_CG_PATHS_MAX; s++) {
		struct json_object *o = json_object_new_object();

		(void)json_object_object_add(o, "path",
					     json_object_new_string(slot_path(&copy, s)));
		(void)json_object_object_add(o, "parents_made",
					     json_object_new_int(cg->parents_made[s]));
		(void)json_object_array_add(arr, o);
	}
	r = barco_state_write_file(dir_fd, name, "cgroup.json",
				   json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN),
				   err);
	json_object_put(arr);
	return r;
}

/* Fills ret from cgroup.json; false when there is none (or it is unreadable). */
static bool read_record(int dir_fd, struct barco_cgroup *ret)
{
	cleanup_close int fd =
		dir_fd < 0 ? -1 : openat(dir_fd, "cgroup.json", O_RDONLY | O_CLOEXEC);
	struct json_object *arr = fd < 0 ? NULL : json_object_from_fd(fd);
	bool is_ok = arr && json_object_is_type(arr, json_type_array) &&
		     json_object_array_length(arr) == BARCO_CG_PATHS_MAX;

	for (size_t s = 0; is_ok && s < BARCO_CG_PATHS_MAX; s++) {
		struct json_object *o = json_object_array_get_idx(arr, s), *v;

		if (json_object_object_get_ex(o, "path", &v))
			(void)snprintf(slot_path(ret, s), PATH_MAX, "%s",
				       json_object_get_string(v));
		if (json_object_object_get_ex(o, "parents_made", &v))
			ret->parents_made[s] = (uint8_t)json_object_get_int(v);
	}
	json_object_put(arr);
	return is_ok;
}

void barco_state_cgroup_at(int dir_fd, const char *name, const struct barco_cgroup_layout *layout,
			   struct barco_cgroup *ret)
{
	barco_cgroup_paths_for(layout, name, ret);
	if (read_record(dir_fd, ret))
		log_debug("%s: cgroups as cgroup.json records them", name);
}

int barco_state_cgroup(const char *name, struct barco_cgroup *ret, struct barco_err *err)
{
	struct barco_cgroup_layout layout;
	char path[PATH_MAX];
	cleanup_close int fd = -1;

	if (barco_cgroup_layout_detect(&layout, err) < 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/%s", BARCO_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	barco_state_cgroup_at(fd, name, &layout, ret);
	return 0;
}
