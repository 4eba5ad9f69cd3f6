"""A seccomp agent (lesson 08), in the standard library (runtime-spec 1.1
config-linux.md "Seccomp", seccomp_unotify(2)): it listens on a unix socket (SOCK_STREAM); a runtime
connects once per container process and sends the container process state
as JSON with the listener fd attached (SCM_RIGHTS, named by "fds"); the
agent then answers each call the filter notifies, with an errno or with a
success it makes up (nothing is done: the call's effect is the agent's to
give). x86_64 structure layouts, as seccomp_notify.py.

Usage: python3 seccomp_agent.py SOCKET ERRNO   (ERRNO: a name such as EXDEV, or 0)
It serves until SIGTERM, printing what it receives and answers. The OCI
tests (tests/oci/test_seccomp_notify.py) use its Agent class.
"""

import ctypes
import errno as errnos
import json
import os
import select
import signal
import socket
import struct
import sys
import threading

NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101  # _IOWR('!', 0 and 1, ...)
NOTIF_SIZE = 80  # struct seccomp_notif
NR_MKDIR, NR_MKDIRAT = 83, 258

libc = ctypes.CDLL(None, use_errno=True)


class Agent:
    """Answers every notified call with -errno (errno > 0) or with 0 (errno 0)."""

    def __init__(self, path, errno=0, verbose=False):
        self.path = str(path)
        self.errno = errno
        self.verbose = verbose
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
            self.say(f"agent: {len(fds)} fd, state {describe(self.messages[-1][0])}")
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
        nid, pid = struct.unpack_from("=QI", notif.raw, 0)
        self.calls.append(struct.unpack_from("=i", notif.raw, 16)[0])
        answer = f"-{errnos.errorcode[self.errno]}" if self.errno else "0, and nothing done"
        self.say(f"agent: syscall {self.calls[-1]} from pid {pid}: answer {answer}")
        resp = struct.pack("=QqiI", nid, 0, -self.errno, 0)  # struct seccomp_notif_resp
        libc.ioctl(listener, NOTIF_SEND, ctypes.create_string_buffer(resp, len(resp)))

    def say(self, line):
        if self.verbose:
            print(line, flush=True)

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def describe(msg):
    st = msg.get("state", {})
    return (f"fds {msg.get('fds')}, pid {msg.get('pid')}, metadata {msg.get('metadata')!r}, "
            f"container {st.get('id')} {st.get('status')}, init {st.get('pid')}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: seccomp_agent.py SOCKET ERRNO")
    code = int(sys.argv[2]) if sys.argv[2].isdigit() else getattr(errnos, sys.argv[2])
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    agent = Agent(sys.argv[1], code, verbose=True)
    print(f"agent: listening on {agent.path}", flush=True)
    done.wait()
    agent.close()


if __name__ == "__main__":
    main()
