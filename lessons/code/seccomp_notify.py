#!/usr/bin/env python3
"""A seccomp user-notification supervisor, and the race it cannot win
(lesson 08).

Usage: python3 seccomp_notify.py DIR

DIR gets two files, "public" and "secret". A child process loads a filter
that sends every openat(2) to a supervisor (SECCOMP_RET_USER_NOTIF, with
SECCOMP_FILTER_FLAG_NEW_LISTENER), then opens "DIR/public". The filter
itself sees only the pointer to the path (a number); the supervisor, this
script's parent, reads the path from the child's memory (/proc/PID/mem),
finds "public" and answers SECCOMP_USER_NOTIF_FLAG_CONTINUE: let the
kernel run the call. But the kernel reads the path again, from the same
memory, after the answer; another thread of the child rewrote it in
between. Here the rewrite is made to happen inside the window, so the run
is the same every time; a real attacker retries until a race lands there.
include/uapi/linux/seccomp.h, on SECCOMP_USER_NOTIF_FLAG_CONTINUE: "the
seccomp notifier _cannot_ be used to implement a security policy";
seccomp_unotify(2).
x86_64 only (syscall numbers, struct layouts).
"""
import ctypes
import os
import platform
import socket
import struct
import sys
import threading

from seccomp_one import libc, load

NR_OPENAT, AT_FDCWD = 257, -100
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
RET_USER_NOTIF = 0x7FC00000
NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101  # _IOWR('!', 0 and 1, ...)
FLAG_CONTINUE = 1


def load_notify_filter():
    """openat -> USER_NOTIF, everything else ALLOW; returns the listener fd."""
    return load(NR_OPENAT, RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER)


def target(sock, path, other, go, done):
    """The child: filter, listener to the parent, then openat(PATH)."""
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    buf = ctypes.create_string_buffer(path.encode(), 4096)

    def rewrite():  # a second thread: waits for its moment, swaps the path
        os.read(go, 1)
        buf.value = other.encode()
        os.write(done, b"x")
    threading.Thread(target=rewrite, daemon=True).start()
    socket.send_fds(sock, [b"L"], [load_notify_filter()])
    fd = libc.syscall(NR_OPENAT, AT_FDCWD, buf, os.O_RDONLY | os.O_CLOEXEC)
    opened = os.readlink(f"/proc/self/fd/{fd}") if fd >= 0 else f"errno {ctypes.get_errno()}"
    print(f"child: openat returned fd {fd}: {opened}", flush=True)


def supervise(listener, go, done):
    """The parent: one notification, checked, then CONTINUE."""
    notif = ctypes.create_string_buffer(80)  # struct seccomp_notif, zeroed as required
    if libc.ioctl(listener, NOTIF_RECV, notif) != 0:
        raise OSError(ctypes.get_errno(), "ioctl(SECCOMP_IOCTL_NOTIF_RECV)")
    nid, pid = struct.unpack_from("=QI", notif.raw, 0)
    nr, args = struct.unpack_from("=i", notif.raw, 16)[0], struct.unpack_from("=6Q", notif.raw, 32)
    print(f"filter: openat (nr {nr}) -> USER_NOTIF; the path is only a pointer to it: "
          f"0x{args[1]:x}", flush=True)
    with open(f"/proc/{pid}/mem", "rb") as mem:
        mem.seek(args[1])
        seen = mem.read(4096).split(b"\0", 1)[0].decode()
    print(f"supervisor: read the path from /proc/{pid}/mem: {seen}", flush=True)
    print(f"supervisor: {os.path.basename(seen)} is allowed: answer CONTINUE", flush=True)
    os.write(go, b"x")  # the window: between the check and the kernel's own read
    os.read(done, 1)
    resp = struct.pack("=QqiI", nid, 0, 0, FLAG_CONTINUE)  # struct seccomp_notif_resp
    if libc.ioctl(listener, NOTIF_SEND, ctypes.create_string_buffer(resp, len(resp))) != 0:
        raise OSError(ctypes.get_errno(), "ioctl(SECCOMP_IOCTL_NOTIF_SEND)")


def main():
    if platform.machine() != "x86_64" or len(sys.argv) != 2:
        sys.exit("usage: seccomp_notify.py DIR (on x86_64)")
    d = os.path.abspath(sys.argv[1])
    for name in ("public", "secret"):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(name + "\n")
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        parent_sock.close()
        try:
            target(child_sock, f"{d}/public", f"{d}/secret", go_r, done_w)
        finally:
            os._exit(0)
    child_sock.close()
    _, fds, _, _ = socket.recv_fds(parent_sock, 1, 1)
    supervise(fds[0], go_w, done_r)
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
