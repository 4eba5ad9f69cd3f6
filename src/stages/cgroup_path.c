/*
 * linux.cgroupsPath: where in each hierarchy a container's cgroup goes
 * (config-linux.md "Cgroups path"), placed as runc 1.1's drivers place it
 * (libcontainer/cgroups/fs/paths.go, fs2/defaultpath.go,
 * systemd/common.go ExpandSlice). See barco_cgroup_paths_from in cgroup.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stages/cgroup.h"

/* Every component a plain name: no "", ".", "..", so the path cannot leave the root. */
static int check_components(const char *s, const char *what, struct barco_err *err)
{
	size_t n = 0;

	for (const char *c = s + strspn(s, "/"); *c; c += strspn(c, "/")) {
		size_t len = strcspn(c, "/");

		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return barco_err_set(err, EINVAL,
					     "linux.cgroupsPath: \"%.128s\" has a \"%.*s\" "
					     "component (%s); name the cgroup without it",
					     s, (int)len, c, what);
		c += len;
		n++;
	}
	if (n == 0)
		return barco_err_set(
			err, EINVAL,
			"linux.cgroupsPath: \"%.128s\" names the root of the hierarchy; "
			"name a cgroup below it",
			s);
	return 0;
}

/* runc's ExpandSlice: "a-b.slice" is a.slice/a-b.slice; "-.slice" the root. */
static int expand_slice(const char *slice, char *out, size_t size, struct barco_err *err)
{
	size_t len = strlen(slice), used = 0;
	char name[256];

	out[0] = '\0';
	if (len <= 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/') ||
	    len - 6 >= sizeof(name))
		goto bad;
	memcpy(name, slice, len - 6);
	name[len - 6] = '\0';
	if (strcmp(name, "-") == 0)
		return 0;
	for (char *c = name;; c++) {
		char *dash = strchr(c, '-');

		if (dash == c || *c == '\0')
			goto bad; /* "a--b.slice", "-a.slice", "a-.slice" */
		if (dash)
			*dash = '\0';
		used += (size_t)snprintf(out + used, size - used, "/%s.slice", name);
		if (used >= size)
			goto bad;
		if (!dash)
			return 0;
		*dash = '-';
		c = dash;
	}
bad:
	return barco_err_set(err, EINVAL,
			     "linux.cgroupsPath: \"%.128s\" is not a slice name (NAME.slice, "
			     "dashes for nesting: a-b.slice)",
			     slice);
}

/* "slice:prefix:name" to the path systemd would give the scope, from the root. */
static int systemd_inner(const char *cgroups_path, char *out, size_t size, struct barco_err *err)
{
	char slice[256], prefix[256], name[256];
	char expanded[1024];

	if (sscanf(cgroups_path, "%255[^:]:%255[^:]:%255[^:]", slice, prefix, name) != 3 &&
	    sscanf(cgroups_path, ":%255[^:]:%255[^:]", prefix, name) != 2)
		return barco_err_set(err, EINVAL,
				     "linux.cgroupsPath: \"%.128s\": with --systemd-cgroup it is "
				     "\"slice:prefix:name\"",
				     cgroups_path);
	if (cgroups_path[0] == ':')
		(void)snprintf(slice, sizeof(slice), "system.slice"); /* runc's default */
	if (strchr(prefix, '/') || strchr(name, '/') || strcmp(name, "..") == 0 ||
	    strcmp(name, ".") == 0)
		return barco_err_set(err, EINVAL,
				     "linux.cgroupsPath: \"%.128s\": prefix and name cannot hold "
				     "\"/\" or be \"..\"",
				     cgroups_path);
	if (expand_slice(slice, expanded, sizeof(expanded), err) < 0)
		return -1;
	if ((size_t)snprintf(out, size, "%s/%s-%s.scope", expanded, prefix, name) >= size)
		return barco_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
	return 0;
}

/*
 * The caller's own cgroup in the hierarchy whose /proc/self/cgroup line
 * lists ctrl ("" : the cgroup2 line "0::PATH"); "/" when not listed.
 */
static void own_cgroup(const char *self_cgroup, const char *ctrl, char *out, size_t size)
{
	size_t clen = strlen(ctrl);

	(void)snprintf(out, size, "/");
	for (const char *l = self_cgroup; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *ctrls = strchr(l, ':');
		const char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		bool is_it = false;

		if (!path)
			continue;
		ctrls++;
		if (clen == 0)
			is_it = path == ctrls && l[0] == '0';
		for (const char *c = ctrls; clen && c < path; c += strcspn(c, ",:") + 1)
			is_it |= strncmp(c, ctrl, clen) == 0 && (c[clen] == ',' || c[clen] == ':');
		if (is_it) {
			(void)snprintf(out, size, "%.*s", (int)strcspn(path + 1, "\n"), path + 1);
			return;
		}
	}
}

/* mount + base + inner into out ("" when the hierarchy is absent). */
static int place(const char *mount, const char *base, const char *inner, char out[PATH_MAX],
		 struct barco_err *err)
{
	const char *b = base + strspn(base, "/");
	const char *i = inner + strspn(inner, "/");

	out[0] = '\0';
	if (mount[0] == '\0')
		return 0;
	if (snprintf(out, PATH_MAX, "%s%s%s/%s", mount, b[0] ? "/" : "", b, i) >= PATH_MAX)
		return barco_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: \"%.128s\" is too long",
				     inner);
	/* A trailing "/" of the spec's path is not a level. */
	for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
	return 0;
}

/* The base a relative path starts from in one hierarchy (ctrl as own_cgroup's). */
static void relative_base(const char *self_cgroup, const char *ctrl, bool is_v2, char *out,
			  size_t size)
{
	char *slash;

	own_cgroup(self_cgroup, ctrl, out, size);
	/* fs2: the caller's own cgroup has processes; its parent takes controllers. */
	if (is_v2 && (slash = strrchr(out, '/')) != NULL)
		slash[slash == out ? 1 : 0] = '\0';
}

int barco_cgroup_paths_from(const struct barco_cgroup_layout *layout, const char *cgroups_path,
			    bool is_systemd, const char *self_cgroup, struct barco_cgroup *ret_cg,
			    struct barco_err *err)
{
	char inner[PATH_MAX];
	char base[PATH_MAX] = "/";
	bool is_relative = !is_systemd && cgroups_path[0] != '/';
	bool has_v1 = layout->mode == BARCO_CGROUP_V1 || layout->mode == BARCO_CGROUP_HYBRID;
	int r = 0;

	memset(ret_cg, 0, sizeof(*ret_cg));
	ret_cg->layout = *layout;
	if (is_systemd
		    ? systemd_inner(cgroups_path, inner, sizeof(inner), err) < 0
		    : check_components(cgroups_path, "it could lead out of the hierarchy", err) < 0)
		return -1;
	if (!is_systemd)
		(void)snprintf(inner, sizeof(inner), "%s", cgroups_path);
	if (layout->mode == BARCO_CGROUP_V2 || layout->mode == BARCO_CGROUP_HYBRID) {
		if (is_relative)
			relative_base(self_cgroup, "", layout->mode == BARCO_CGROUP_V2, base,
				      sizeof(base));
		r |= place(layout->unified_mount, base, inner, ret_cg->unified_path, err);
	}
	for (size_t c = 0; has_v1 && c < BARCO_CG_V1_COUNT + 1; c++) {
		bool is_freezer = c == BARCO_CG_V1_COUNT;

		if (is_relative)
			relative_base(self_cgroup, is_freezer ? "freezer" : barco_cgroup_v1_name(c),
				      false, base, sizeof(base));
		r |= place(is_freezer ? layout->freezer_mount : layout->v1_mount[c], base, inner,
			   is_freezer ? ret_cg->freezer_path : ret_cg->v1_path[c], err);
	}
	return r < 0 ? -1 : 0;
}
