#pragma once
/*
 * CVE-2019-5736: a process that enters a container (the init waiting for
 * `barco start`, a later `exec`) runs barco's binary, and any process of
 * the container can open /proc/PID/exe O_PATH while it does. Once that
 * process has exec'd or exited, the binary is no longer busy (ETXTBSY is
 * gone) and reopening /proc/self/fd/N for writing would give container
 * root — host root when there is no user namespace — the host's barco.
 *
 * The guard re-executes barco from a detached, read-only bind mount of its
 * own binary (open_tree(2) OPEN_TREE_CLONE, mount_setattr(2)
 * MOUNT_ATTR_RDONLY): /proc/PID/exe then leads to a mount nobody can make
 * writable, and a reopen for writing fails with EROFS, as with runc 1.1.5.
 *
 * Why not crun's sealed memfd (memfd_create, copy, F_SEAL_WRITE, fexecve)
 * for root too? barco is a 3 MiB static binary: a memfd copies it on every
 * create and exec and keeps that copy in memory for as long as the waiting
 * init lives, where the bind shares the page cache of the file itself and
 * costs two system calls. The bind needs CAP_SYS_ADMIN and Linux 5.12
 * (mount_setattr): root has them.
 *
 * Rootless, the guard matters when the user's id maps cover the binary's
 * owner: with the single-id map container root is the user, and a barco
 * built in the user's home is theirs. A user cannot make the bind
 * (open_tree needs CAP_SYS_ADMIN over the mount), so there the sealed
 * memfd it is (F_SEAL_SEAL|SHRINK|GROW|WRITE): /proc/PID/exe leads to a
 * copy no one can change, and never to the file.
 *
 * The re-execution itself (about 1 ms: a second start of barco) is paid
 * only when container root could write the binary, never with a user
 * namespace that maps root elsewhere. lessons/12-oci.md tells the attack.
 */
#include <stdbool.h>

#include "base/config.h"
#include "base/err.h"

/*
 * Whether container root of cfg could write barco's binary: no user
 * namespace, or one whose maps include the binary's owner (or its group,
 * when group-writable). cfg must be finished (barco_config_finish).
 */
bool barco_exe_guard_is_needed(const struct barco_config *cfg);

/*
 * Call at the top of a path that will enter a container, before anything
 * exists on the host: returns 0 when barco already runs from a read-only
 * mount; otherwise re-executes barco (same argv and environment) from a
 * read-only bind of its binary and does not return; -1 with err when it
 * cannot.
 */
int barco_exe_guard(struct barco_err *err) __attribute__((warn_unused_result));
