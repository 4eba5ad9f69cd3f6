/*
 * What the OCI verbs (cmd_create.c, cmd_start.c, cmd_state.c, cmd_kill.c,
 * and delete and ps for a created container) share: --help, the usage
 * error drawn from the help's first line, and the error contract engines
 * expect, status 1 and a line in --log.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/json.h"

/*
 * --log-format json: one {"level","msg","time"} object per line, which
 * podman and containerd read back when a command fails; text: logrus's
 * key=value line, as runc writes.
 */
static void log_error(const struct barco_oci_globals *g, const char *msg)
{
	char escaped[BARCO_ERR_MSG_MAX * 6 + 1];
	char when[64];
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;

	if (!g || !g->log)
		return;
	f = fopen(g->log, "ae");
	if (!f)
		return;
	(void)gmtime_r(&now, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	barco_json_escape(msg, escaped, sizeof(escaped));
	if (g->is_log_json)
		fprintf(f, "{\"level\":\"error\",\"msg\":\"%s\",\"time\":\"%s\"}\n", escaped, when);
	else
		fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, escaped);
	(void)fclose(f);
}

int barco_cmd_oci_fail(const struct barco_oci_globals *g, const struct barco_err *err)
{
	char buf[BARCO_ERR_MSG_MAX + 128];

	log_error(g, barco_err_str(err, buf, sizeof(buf)));
	return barco_cmd_fail(err, 1);
}

bool barco_cmd_is_help(int argc, char **argv, const char *usage)
{
	if (argc < 2 || (strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0))
		return false;
	fputs(usage, stdout);
	return true;
}

int barco_cmd_oci_usage(const struct barco_oci_globals *g, const char *usage)
{
	static const char prefix[] = "Usage: ";
	const char *synopsis = usage + sizeof(prefix) - 1;
	struct barco_err err = {0};

	barco_err_set(&err, 0, "usage: %.*s", (int)strcspn(synopsis, "\n"), synopsis);
	return barco_cmd_oci_fail(g, &err);
}

int barco_cmd_oci_by_id(int argc, char **argv, const char *usage, const struct barco_oci_globals *g,
			barco_cmd_oci_id_fn *fn)
{
	struct barco_err err = {0};

	if (barco_cmd_is_help(argc, argv, usage))
		return 0;
	if (argc != 2)
		return barco_cmd_oci_usage(g, usage);
	if (fn(argv[1], &err) < 0)
		return barco_cmd_oci_fail(g, &err);
	return 0;
}
