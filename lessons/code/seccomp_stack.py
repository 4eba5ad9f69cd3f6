#!/usr/bin/env python3
"""Stacks seccomp filters and shows which action wins (lesson 08).

Usage: python3 seccomp_stack.py

Each row is a fresh child process that sets no_new_privs, loads the
filters of its row in order (each one: "this syscall -> ACTION, anything
else -> ALLOW"), then makes the system call and prints what came back.
The kernel runs every attached filter, newest first, and keeps the
first-seen answer of the highest precedence (seccomp(2), "Filters"):
KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW.
Run inside a container, barco's own filter is the oldest one of all.
x86_64 only: the syscall numbers and the AUDIT_ARCH value are x86_64's.
"""
import ctypes
import errno
import os
import platform
import signal
import sys

from seccomp_one import libc, load

NR = {"getppid": 110, "unshare": 272}
CLONE_NEWUSER = 0x10000000
ACTIONS = {"KILL_PROCESS": 0x80000000, "ERRNO(EACCES)": 0x00050000 | errno.EACCES,
           "ERRNO(EPERM)": 0x00050000 | errno.EPERM, "LOG": 0x7FFC0000,
           "ALLOW": 0x7FFF0000}


def call(name):
    arg = CLONE_NEWUSER if name == "unshare" else 0
    if libc.syscall(NR[name], arg) < 0:
        return errno.errorcode[ctypes.get_errno()]
    return "ok"


def row(name, actions):
    """Forks, loads ACTIONS as filters for NAME, calls it: what happened."""
    pid = os.fork()
    if pid == 0:
        try:
            if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
                raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
            for action in actions:
                load(NR[name], ACTIONS[action])
            print(call(name), flush=True)
        except OSError as e:
            print(f"error: {e}", flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        print(f"killed by {signal.Signals(os.WTERMSIG(status)).name}", flush=True)


def main():
    if platform.machine() != "x86_64":
        sys.exit("seccomp_stack.py: written for x86_64 (syscall numbers, AUDIT_ARCH)")
    name = sys.argv[1] if len(sys.argv) > 1 else "getppid"
    if name not in ("getppid", "unshare"):
        sys.exit("usage: seccomp_stack.py [getppid|unshare] ACTION...")
    actions = sys.argv[2:]
    for a in actions:
        if a not in ACTIONS:
            sys.exit(f"seccomp_stack.py: unknown action {a!r}: one of {', '.join(ACTIONS)}")
    for n in range(len(actions) + 1):
        print(f"{' then '.join(actions[:n]) or 'no filter added':60} {name}: ", end="", flush=True)
        row(name, actions[:n])


if __name__ == "__main__":
    main()
