#pragma once
/*
 * The step monitor: a small process (own session, no terminal) that holds
 * a paused container between `barco step` invocations. It owns the runner
 * state and serves clients on /run/barco/NAME/ctl.sock, one request at a
 * time: advance through a stage, or delete.
 */
#include <stdint.h>
#include <sys/types.h>
#include "base/config.h"
#include "base/err.h"
#include "base/report.h"

#define BARCO_CTL_SOCK "ctl.sock"

enum barco_ctl_type {
	BARCO_CTL_ADVANCE = 1, /* client: run through `stage` (the client's stdio attached) */
	BARCO_CTL_DELETE,      /* client: kill the container and clean up */
	BARCO_CTL_REPORT,      /* monitor: `stage` is done; report and pid */
	BARCO_CTL_PAUSED,      /* monitor: paused; `stage` runs next */
	BARCO_CTL_EXITED,      /* monitor: the command exited with `status` */
	BARCO_CTL_ERROR,       /* monitor: failed; `status` is the exit status, error says why */
	BARCO_CTL_DELETED,     /* monitor: deleted */
	BARCO_CTL_ACK,	       /* client: the exec report is printed; the command may start */
};

/* ADVANCE with this stage: the next one only. */
#define BARCO_CTL_NEXT_STAGE UINT32_MAX

struct barco_ctl_msg {
	uint32_t type;
	uint32_t stage;
	int32_t status;
	int32_t pid;
	uint64_t duration_ns;
	char error[BARCO_ERR_MSG_MAX];
	struct barco_report report; /* last */
};

/*
 * Forks the monitor for cfg; returns in the caller once the monitor has
 * claimed the name and listens (or failed: err says why, nothing is left).
 */
int barco_monitor_start(const struct barco_config *cfg, pid_t *ret_pid, struct barco_err *err)
	__attribute__((warn_unused_result));

/*
 * Connects to the monitor of the container name: the socket, or -1 with
 * err (errnum ENOENT: no monitor listens there).
 */
int barco_monitor_connect(const char *name, struct barco_err *err)
	__attribute__((warn_unused_result));

/* "/run/barco/NAME/ctl.sock" into buf. */
void barco_monitor_socket_path(const char *name, char *buf, size_t size);
