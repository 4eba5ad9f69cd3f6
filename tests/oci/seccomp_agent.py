"""A seccomp agent in the standard library (runtime-spec 1.1 seccomp.md,
seccomp_unotify(2)): it listens on a unix socket (SOCK_STREAM); a runtime
connects once per container process and sends the container process state
as JSON with the listener fd attached (SCM_RIGHTS, named by "fds"); the
agent then answers each call the filter notifies, with an errno or with a
success it makes up (nothing is done: the call's effect is the agent's to
give). x86_64 structure layouts, as lessons/code/seccomp_notify.py.
"""

import ctypes
import json
import os
import select
import socket
import struct
import threading

NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101  # _IOWR('!', 0 and 1, ...)
NOTIF_SIZE = 80  # struct seccomp_notif
NR_MKDIR, NR_MKDIRAT = 83, 258

libc = ctypes.CDLL(None, use_errno=True)


class Agent:
    """Answers every notified call with -errno (errno > 0) or with 0 (errno 0)."""

    def __init__(self, path, errno=0):
        self.path = str(path)
        self.errno = errno
        self.messages = []  # (state dict, number of fds) per connection
        self.calls = []  # syscall numbers seen
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.threads = [threading.Thread(target=self.accept_loop, daemon=True)]
        self.threads[0].start()

    def accept_loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                msg, fds, _, _ = socket.recv_fds(conn, 1 << 16, 4)
            self.messages.append((json.loads(msg), len(fds)))
            for fd in fds[1:]:
                os.close(fd)
            if fds:
                t = threading.Thread(target=self.serve, args=(fds[0],), daemon=True)
                self.threads.append(t)
                t.start()

    def serve(self, listener):
        """Until every process of the filter is gone (POLLHUP) or the agent stops."""
        poll = select.poll()
        poll.register(listener, select.POLLIN)
        try:
            while not self.stop.is_set():
                ev = poll.poll(200)
                if not ev:
                    continue
                if ev[0][1] & select.POLLIN:
                    self.answer(listener)
                elif ev[0][1] & (select.POLLHUP | select.POLLERR):
                    return
        finally:
            os.close(listener)

    def answer(self, listener):
        notif = ctypes.create_string_buffer(NOTIF_SIZE)  # zeroed, as the kernel requires
        if libc.ioctl(listener, NOTIF_RECV, notif) != 0:
            return  # the caller died meanwhile (ENOENT)
        nid = struct.unpack_from("=Q", notif.raw, 0)[0]
        self.calls.append(struct.unpack_from("=i", notif.raw, 16)[0])
        resp = struct.pack("=QqiI", nid, 0, -self.errno, 0)  # struct seccomp_notif_resp
        libc.ioctl(listener, NOTIF_SEND, ctypes.create_string_buffer(resp, len(resp)))

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
