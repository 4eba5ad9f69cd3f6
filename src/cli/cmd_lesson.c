/* barco lesson [STAGE]: the course, compiled into the binary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "base/exit_status.h"
/* Generated from the lessons by tools/embed-lesson-texts. */
#include "base/util.h"
#include "lesson_texts.h"

#define LESSON_COUNT (ARRAY_LEN(barco_lesson_texts))

/* "userns" finds "02-userns"; "02" too; no argument is the overview. */
static int find_lesson(const char *want)
{
	for (size_t i = 0; i < LESSON_COUNT; i++) {
		const char *file = barco_lesson_texts[i].file;
		const char *topic = strchr(file, '-') ? strchr(file, '-') + 1 : file;

		if (strcmp(want, file) == 0 || strcmp(want, topic) == 0 ||
		    (strlen(want) == 2 && strncmp(want, file, 2) == 0))
			return (int)i;
	}
	return -1;
}

static void list_lessons(void)
{
	for (size_t i = 0; i < LESSON_COUNT; i++)
		printf("%s\n", barco_lesson_texts[i].file);
}

/* Through $PAGER (or less) when on a terminal, as man and git do. */
static void show(const char *text)
{
	const char *pager = getenv("PAGER");
	FILE *out = NULL;

	if (isatty(STDOUT_FILENO)) {
		if (!pager || !*pager)
			pager = "less -FRX";
		out = popen(pager, "w");
	}
	if (!out) {
		fputs(text, stdout);
		return;
	}
	fputs(text, out);
	(void)pclose(out);
}

int barco_cmd_lesson(int argc, char **argv)
{
	struct barco_err err = {0};
	int i;

	if (argc > 2) {
		barco_err_set(&err, 0, "usage: barco lesson [STAGE | --list]");
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		list_lessons();
		return 0;
	}
	i = find_lesson(argc == 2 ? argv[1] : "overview");
	if (i < 0) {
		barco_err_set(&err, 0, "no lesson '%s' (see 'barco lesson --list')", argv[1]);
		return barco_cmd_fail(&err, BARCO_EXIT_BARCO);
	}
	show(barco_lesson_texts[i].text);
	return 0;
}
