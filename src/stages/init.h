#pragma once
/*
 * barco run --init: a tiny init as the container's pid 1, in the manner of
 * `docker run --init` (tini) and podman's catatonit. Pid 1 forks at the
 * very end of the exec stage: the child goes on to execve the command, the
 * parent stays pid 1 and runs barco's own code, already in memory. It
 * reaps every process that ends up its child (orphans are re-parented to
 * a pid namespace's init), forwards the signals it receives to the
 * command's process group and exits with the command's status (128+N for
 * signal N) as soon as the command is gone; the kernel then kills what is
 * left in the pid namespace.
 */
#include "base/err.h"

/*
 * Forks the command's process. In the child, returns 0: the command has its
 * own process group, the terminal's foreground when pid 1's group had it,
 * and every signal still blocked (the caller restores its mask before
 * execve). In pid 1 it does not return: it closes every descriptor (the
 * runner's socket must be the command's alone, so that its end of file
 * still means "execve succeeded"; a pipe's reader must see end of file when
 * the command closes its side) and waits, reaps and forwards until the
 * command is gone. -1 with err set if fork(2) failed.
 */
int barco_init_start(struct barco_err *err) __attribute__((warn_unused_result));
