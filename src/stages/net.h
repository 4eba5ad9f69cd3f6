#pragma once
/* Networking inside the new network namespace: only loopback for now. */
#include "base/err.h"
#include "base/report.h"

/* Brings "lo" up (it starts down in a new network namespace). */
int barco_net_loopback_up(struct barco_report *rep, struct barco_err *err)
	__attribute__((warn_unused_result));
