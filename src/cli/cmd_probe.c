/*
 * barco probe [--json] [-v] [SECTION...], and the standalone tools
 * bin/barco-probe-SECTION, which are the same command limited to one
 * section. Exit status: 0 every required check passed, 1 one did not,
 * 2 probing itself failed (or the command line was wrong).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "probe/probe.h"

static const char probe_usage[] =
	"Usage: %s [--json] [-v] %s\n"
	"\n"
	"Checks what this kernel can do for barco: each check is compiled in (kernel config),\n"
	"enabled (sysctl, mounts) and actually works (a real attempt in a child process).\n"
	"\n"
	"  --json         one JSON document (probes/probe.schema.json)\n"
	"  -v, --verbose  the evidence of passing checks too\n"
	"%s"
	"\n"
	"Exit status: 0 every required check passed, 1 a required check did not, 2 probing\n"
	"failed. Colour only on a terminal, never with NO_COLOR. See docs/probes.md.\n";

static const char sections_help[] =
	"  SECTION        kernel, userns, ns, cgroup, caps, seccomp, bpf, net (default: all)\n";

struct probe_opts {
	bool is_json;
	bool is_verbose;
	bool sections[BARCO_PROBE_SECTION_COUNT];
	bool has_section;
};

static int usage(const char *prog, int only_section, FILE *out, int status)
{
	fprintf(out, probe_usage, prog, only_section < 0 ? "[SECTION...]" : "",
		only_section < 0 ? sections_help : "");
	return status;
}

/* 0: run; 1: help printed; -1: error (message printed). */
static int parse(const char *prog, int argc, char **argv, int only_section, struct probe_opts *o)
{
	struct barco_err err = {0};

	for (int i = 1; i < argc; i++) {
		enum barco_probe_section s;

		if (strcmp(argv[i], "--json") == 0) {
			o->is_json = true;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			o->is_verbose = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			return 1;
		} else if (argv[i][0] == '-' || only_section >= 0) {
			fprintf(stderr, "%s: unknown argument '%s' (see --help)\n", prog, argv[i]);
			return -1;
		} else if (barco_probe_section_from_name(argv[i], &s, &err) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			return -1;
		} else {
			o->sections[s] = true;
			o->has_section = true;
		}
	}
	return 0;
}

/* Colour on a terminal only, and never when NO_COLOR is set at all (no-color.org, stricter). */
static bool wants_color(void)
{
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

int barco_probe_main(const char *prog, int argc, char **argv, int only_section)
{
	struct probe_opts o = {0};
	struct barco_probe_run run;
	struct barco_err err = {0};
	char msg[BARCO_ERR_MSG_MAX + 64];
	int r = parse(prog, argc, argv, only_section, &o);
	int status;

	if (r)
		return r > 0 ? usage(prog, only_section, stdout, 0) : BARCO_PROBE_EXIT_BROKEN;
	for (int s = 0; s < BARCO_PROBE_SECTION_COUNT; s++)
		o.sections[s] =
			only_section >= 0 ? s == only_section : (o.sections[s] || !o.has_section);
	if (barco_probe_run(o.sections, &run, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, barco_err_str(&err, msg, sizeof(msg)));
		return BARCO_PROBE_EXIT_BROKEN;
	}
	if (o.is_json)
		barco_probe_print_json(stdout, &run);
	else
		barco_probe_print_text(stdout, &run, wants_color(), o.is_verbose);
	status = barco_probe_exit_status(&run);
	barco_probe_run_free(&run);
	if (fflush(stdout) != 0)
		return BARCO_PROBE_EXIT_BROKEN;
	return status;
}

int barco_cmd_probe(int argc, char **argv)
{
	return barco_probe_main("barco probe", argc, argv, -1);
}
