#pragma once
/*
 * barco's exit statuses when the command did not run (as docker, podman
 * and shells use them); otherwise barco exits with the command's status,
 * or 128+N for signal N. `barco probe` and `barco verify` have their own
 * (probe/probe.h, cli/cmd_verify.c).
 */
#define BARCO_EXIT_BARCO    125 /* barco's own error */
#define BARCO_EXIT_NOEXEC   126 /* found but not executable */
#define BARCO_EXIT_NOTFOUND 127 /* not found */
