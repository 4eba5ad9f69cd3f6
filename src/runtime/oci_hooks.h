#pragma once
/*
 * OCI hooks (runtime-spec 1.1, config.md "POSIX-platform Hooks" and
 * runtime.md "Lifecycle"): programs the engine names in config.json's
 * "hooks", run at fixed points of a container's life with its state JSON
 * on stdin.
 *
 *   prestart, createRuntime  runtime's namespaces; create, namespaces made,
 *                            before the mounts stage (barco's runner)
 *   createContainer          container's namespaces; create, mounts made,
 *                            before pivot_root (the container process)
 *   startContainer           container's namespaces, root, identity and
 *                            seccomp filter; start, just before execve
 *   poststart                runtime's namespaces; start, after the release
 *   poststop                 runtime's namespaces; delete, once destroyed
 *
 * A failure of the first four fails create (or start) and destroys the
 * container; a failure of poststart or poststop is a warning, and the
 * remaining hooks still run. A hook that outlives its timeout is killed.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/report.h"

enum barco_oci_hook_kind {
	BARCO_OCI_HOOK_PRESTART,
	BARCO_OCI_HOOK_CREATE_RUNTIME,
	BARCO_OCI_HOOK_CREATE_CONTAINER,
	BARCO_OCI_HOOK_START_CONTAINER,
	BARCO_OCI_HOOK_POSTSTART,
	BARCO_OCI_HOOK_POSTSTOP,
	BARCO_OCI_HOOK_COUNT,
};

struct barco_oci_hook {
	const char *path;   /* absolute, as the namespace the hook runs in sees it */
	const char **args;  /* argv, NULL-terminated; {path} when not given */
	const char **env;   /* NULL-terminated; empty when not given */
	unsigned timeout_s; /* 0: none */
};

struct barco_oci_hooks {
	struct barco_oci_hook *list[BARCO_OCI_HOOK_COUNT];
	size_t len[BARCO_OCI_HOOK_COUNT];
	struct json_object *json;	 /* config.json's "hooks" object (a reference), or NULL */
	struct json_object *annotations; /* config.json's, for the state JSON (borrowed); or NULL */
};

/* "prestart", "createRuntime"…: config.json's key. */
const char *barco_oci_hook_name(enum barco_oci_hook_kind kind);

/*
 * Reads the "hooks" object hooks_json (config.json's, or the copy oci.json
 * keeps) into *ret; every value type-checked, errors name the JSON path
 * ("hooks.createRuntime[0].path: ..."). Strings point into hooks_json, which
 * *ret holds a reference to until barco_oci_hooks_free().
 */
int barco_oci_hooks_parse(struct json_object *hooks_json, struct barco_oci_hooks *ret,
			  struct barco_err *err) __attribute__((warn_unused_result));

void barco_oci_hooks_free(struct barco_oci_hooks *hooks);

/* Whether any hook of kind is configured. */
bool barco_oci_hooks_has(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind);

/*
 * The state JSON create-time hooks get: id, status, pid (left out when 0),
 * bundle, annotations, as `barco state` prints them. Malloc'd.
 */
char *barco_oci_hooks_state(const struct barco_oci_hooks *hooks, const char *id, const char *bundle,
			    const char *status, pid_t pid);

/*
 * Runs every hook of kind in order, state on its stdin; each run is a line
 * of rep ("hooks.createRuntime[0]: /bin/hook = exit 0"). The first failure
 * (exit status, signal, timeout, no such file) stops the list and is the
 * error, naming the hook and its path, with what it printed. With
 * is_warn_only (poststart, poststop) failures are logged as warnings and
 * the list goes on; 0 is returned.
 */
int barco_oci_hooks_run(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind,
			const char *state, bool is_warn_only, struct barco_report *rep,
			struct barco_err *err);

/*
 * poststart and poststop: builds the state JSON and runs the hooks of kind
 * with is_warn_only; their report lines go to rep when not NULL, else to
 * the log (-v).
 */
void barco_oci_hooks_run_after(const struct barco_oci_hooks *hooks, enum barco_oci_hook_kind kind,
			       const char *id, const char *bundle, const char *status, pid_t pid,
			       struct barco_report *rep);
