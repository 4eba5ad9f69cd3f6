/*
 * barco's entry point: finds the verb and hands over. Each verb lives in
 * src/cli/cmd_*.c; only those print messages and choose exit statuses.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "base/util.h"
#include "base/exit_status.h"
#include "runtime/oci_seccomp_cache.h"

#ifndef BARCO_VERSION
#define BARCO_VERSION "0.0.0"
#endif

static const char main_usage[] =
	"Usage: barco [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"barco is a small Linux container runtime built to be understood.\n"
	"\n"
	"Commands:\n"
	"  run [OPTIONS] -- CMD [ARG...]        run CMD in a new container\n"
	"  run --bundle DIR [--name NAME]       run an OCI bundle through the same stages\n"
	"  step --until=STAGE [OPTIONS] -- CMD  run the stages through STAGE and pause\n"
	"  step NAME [--until=STAGE]            advance a paused container\n"
	"  step -i [OPTIONS] -- CMD             step through interactively\n"
	"  step ID --explain                    the stage reports of a created container\n"
	"  stages                               list the stages in order\n"
	"  ps [--json]                          list containers\n"
	"  ps --format json ID                  a created container's host pids (OCI)\n"
	"  delete NAME                          stop a container and clean up\n"
	"  delete [--force] ID                  delete a created container (OCI)\n"
	"  lesson [STAGE | --list]              read the course (one lesson per stage)\n"
	"  rootfs create DIR                    make a busybox root filesystem at DIR\n"
	"  probe [--json] [SECTION...]          what this kernel can do for barco, with evidence\n"
	"  verify [--json]                      forbidden actions in a container, each with the\n"
	"                                       kernel's evidence of the layer that stopped it\n"
	"  verify --lesson-skip=STAGE           the escapes STAGE prevents: stopped by default,\n"
	"                                       then shown with STAGE left out (lessons only)\n"
	"  spec [--bundle DIR] [--rootless]     write an OCI config.json of barco's defaults\n"
	"  create [--bundle DIR] [OPTIONS] ID   run a bundle's stages through seccomp, the\n"
	"                                       init waiting for start (OCI)\n"
	"  start ID                             let a created container execve its command (OCI)\n"
	"  state ID                             a container's state as OCI JSON (OCI)\n"
	"  kill [--all] ID [SIGNAL]             signal a container's init, or all of it (OCI)\n"
	"  exec [--process FILE] ID [CMD…]      run another process in a container (OCI)\n"
	"  pause ID                             freeze every process of a container (OCI)\n"
	"  resume ID                            thaw a paused container (OCI)\n"
	"  update [--resources FILE|-] ID       change a container's cgroup limits (OCI)\n"
	"  help, version\n"
	"\n"
	"Global options, before COMMAND, as runc's (the OCI commands use them):\n"
	"  --root DIR              DIR/ID links to the state in /run/barco/ID\n"
	"                          (default /run/barco; an ordinary user's state\n"
	"                          and default: $XDG_RUNTIME_DIR/barco)\n"
	"  --log FILE              append each error to FILE too\n"
	"  --log-format text|json  the format of --log's lines (default text)\n"
	"  --systemd-cgroup        linux.cgroupsPath is slice:prefix:name (placed as\n"
	"                          systemd would, written with cgroupfs)\n"
	"  --rootless true|false|auto\n"
	"                          accepted: barco is rootless when not run by root\n"
	"                          (runc's auto), and then skips cgroups not given it\n"
	"  --debug, --criu PATH    accepted and ignored\n"
	"\n"
	"The original barco's flags still work: barco -u UID -m DIR -c CMD [-a ARG] [-v]\n"
	"See 'barco COMMAND --help' for each command's options.\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{"run", barco_cmd_run},	      {"step", barco_cmd_step},	    {"stages", barco_cmd_stages},
	{"lesson", barco_cmd_lesson}, {"rootfs", barco_cmd_rootfs}, {"probe", barco_cmd_probe},
	{"verify", barco_cmd_verify}, {"spec", barco_cmd_spec},
};

/* The verbs engines call (runc's), which take runc's global options. */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, const struct barco_oci_globals *g);
} oci_verbs[] = {
	{"create", barco_cmd_create},	  {"start", barco_cmd_start},
	{"state", barco_cmd_state},	  {"kill", barco_cmd_kill},
	{"delete", barco_cmd_delete_any}, {"ps", barco_cmd_ps_any},
	{"exec", barco_cmd_exec},	  {"pause", barco_cmd_pause},
	{"resume", barco_cmd_resume},	  {"update", barco_cmd_update},
};

/* One global option at argv[*i] (and its value); false when it is none of them. */
static bool parse_global(int argc, char **argv, int *i, struct barco_oci_globals *g)
{
	static const char *const with_value[] = {"--root", "--log", "--log-format", "--criu",
						 "--rootless"};
	const char *a = argv[*i];

	if (strcmp(a, "--systemd-cgroup") == 0 || strcmp(a, "--debug") == 0) {
		g->is_systemd_cgroup |= a[2] == 's';
		return true;
	}
	for (size_t k = 0; k < ARRAY_LEN(with_value); k++) {
		size_t len = strlen(with_value[k]);
		const char *v = NULL;

		if (strncmp(a, with_value[k], len) == 0 && a[len] == '=')
			v = a + len + 1;
		else if (strcmp(a, with_value[k]) == 0 && *i + 1 < argc)
			v = argv[++*i];
		if (!v)
			continue;
		if (k == 0)
			g->root = v;
		else if (k == 1)
			g->log = v;
		else if (k == 2)
			g->is_log_json = strcmp(v, "json") == 0;
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct barco_oci_globals g = {.root = NULL};
	struct barco_err err = {0};
	int first = 1;
	const char *verb;

	while (first < argc && parse_global(argc, argv, &first, &g)) {
		g.is_given = true;
		first++;
	}
	verb = first < argc ? argv[first] : NULL;
	if (!verb) {
		fputs(main_usage, stderr);
		return BARCO_EXIT_BARCO;
	}
	argc -= first - 1;
	argv += first - 1;
	/* create, run --bundle, exec: a profile compiled before is read back. */
	barco_oci_seccomp_cache_enable(NULL);
	for (size_t i = 0; i < ARRAY_LEN(oci_verbs); i++)
		if (strcmp(verb, oci_verbs[i].name) == 0)
			return oci_verbs[i].fn(argc - 1, argv + 1, &g);
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (strcmp(verb, verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
		fputs(main_usage, stdout);
		return 0;
	}
	if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
		printf("barco %s\n", BARCO_VERSION);
		return 0;
	}
	if (verb[0] == '-')
		return barco_cmd_seed(argc, argv);
	barco_err_set(&err, 0, "unknown command '%s' (see 'barco help')", verb);
	return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
}
