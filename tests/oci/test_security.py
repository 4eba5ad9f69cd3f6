"""What a runtime must do so that a container cannot harm the host (runc is
the reference: every test here passes against it).

CVE-2019-5736: a runtime process that enters a container (the init waiting
for `start`, `exec`) runs the runtime's binary. A process of the container
can open /proc/PID/exe with O_PATH while it does, and once that process has
exec'd the container's command, reopen /proc/self/fd/N for writing: without
a user namespace, container root is host root, and the host's runtime
binary would be its to overwrite. See FACTS.md and lessons/12-oci.md.
"""

import ctypes
import errno
import hashlib
import json
import os
import struct
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ocihelp import BARCO, Runtime, assert_nothing_left, create, read_pid_file, reap, text, wait_for

# The attacker, a process of the container: it joins the waiting init's
# mount and pid namespaces (its user namespace first, when it has one), takes the init's capabilities (what a process
# of that container has), opens /proc/1/exe O_PATH and says what it points
# to; on "go" (the init has exec'd) it reopens that descriptor O_WRONLY
# (without O_TRUNC: a runtime that fails the test is not damaged) and
# prints the errno name, or "opened" when the reopen succeeded.
ATTACKER = r"""
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = sys.argv[1]
caps = {l.split(":")[0]: int(l.split()[1], 16)
        for l in open(f"/proc/{pid}/status") if l.startswith("Cap")}
joins = [("mnt", 0x00020000), ("pid", 0x20000000)]
# A rootless container's user namespace first: it owns the others.
if os.stat(f"/proc/{pid}/ns/user").st_ino != os.stat("/proc/self/ns/user").st_ino:
    joins.insert(0, ("user", 0x10000000))
fds = {ns: os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY) for ns, _ in joins}
for ns, flag in joins:
    fd = fds[ns]
    if libc.setns(fd, flag) != 0:
        sys.exit(f"setns {ns}: {os.strerror(ctypes.get_errno())}")
    os.close(fd)
if os.fork() != 0:
    sys.exit(os.waitstatus_to_exitcode(os.wait()[1]))
for cap in range(64):
    if not caps["CapBnd"] >> cap & 1:
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
eff = caps["CapEff"]
data = (Data * 2)(Data(eff & 0xffffffff, eff & 0xffffffff, 0), Data(eff >> 32, eff >> 32, 0))
if libc.capset(hdr, data) != 0:
    sys.exit(f"capset: {os.strerror(ctypes.get_errno())}")
fd = os.open("/proc/1/exe", os.O_PATH)
print("holding", os.readlink(f"/proc/self/fd/{fd}"), flush=True)
sys.stdin.readline()
try:
    os.close(os.open(f"/proc/self/fd/{fd}", os.O_WRONLY))
    print("opened", flush=True)
except OSError as e:
    print(errno.errorcode[e.errno], flush=True)
"""


def private_copy(rt, scratch):
    """The runtime from a copy nobody else runs: no ETXTBSY from other users, and
    a runtime that fails the test can only ever reach the copy."""
    d = scratch / f"exe-{rt.name}-{os.getpid()}"
    d.mkdir(exist_ok=True)
    exe = d / Path(rt.path).name
    shutil.copy2(rt.path, exe)
    return Runtime(rt.name, str(exe), rt.root)


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


SYS_OPEN_TREE, SYS_MOUNT_SETATTR = 428, 442  # x86_64 and aarch64 alike
AT_EMPTY_PATH, OPEN_TREE_CLONE, MOUNT_ATTR_RDONLY = 0x1000, 1, 1


def undo_readonly(fd):
    """What host root (CAP_SYS_ADMIN) tries on a held exe: clear the mount's
    read-only flag, or clone the mount to get a writable one. The errno names."""
    libc = ctypes.CDLL(None, use_errno=True)
    attr = struct.pack("QQQQ", 0, MOUNT_ATTR_RDONLY, 0, 0)  # attr_set, attr_clr
    got = []
    for call in (lambda: libc.syscall(SYS_MOUNT_SETATTR, fd, b"", AT_EMPTY_PATH, attr, len(attr)),
                 lambda: libc.syscall(SYS_OPEN_TREE, fd, b"", OPEN_TREE_CLONE | AT_EMPTY_PATH)):
        r = call()
        got.append(errno.errorcode[ctypes.get_errno()] if r < 0 else "done")
        if r >= 0:
            os.close(r)
    return got


def attack(pid, start, prefix=()):
    """Runs ATTACKER (through PREFIX, e.g. runuser) against the waiting init PID,
    calls start() once it holds /proc/1/exe, and lets it reopen that once the
    init has exec'd: (attacker, its "holding" line's words, stdout, stderr)."""
    waiting_exe = exe_of(pid)
    attacker = subprocess.Popen([*prefix, sys.executable, "-c", ATTACKER, str(pid)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        held = attacker.stdout.readline().split()
        assert held[:1] == ["holding"], f"attacker: {held} {attacker.stderr.read()}"
        start()
        assert wait_for(lambda: exe_of(pid) not in (None, waiting_exe), 10), \
            f"the init {pid} never exec'd its command"
        out, err = attacker.communicate("go\n", timeout=30)
    finally:
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    return attacker, held, out, err


def test_runtime_binary_not_writable_through_proc_exe(rt, bundle, ids, scratch):
    """No user namespace (podman's and containerd's default): a container
    process holding /proc/1/exe of the waiting init cannot reopen it for
    writing once the init has exec'd: EROFS (runc 1.1.5 and barco)."""
    prt = private_copy(rt, scratch)
    before = digest(prt.path)
    b = bundle().args("sleep", "3")
    cid = ids()
    create(prt, b, cid)
    pid = read_pid_file(b.pid_file)
    host_fd = os.open(f"/proc/{pid}/exe", os.O_PATH)
    attacker, held, out, err = attack(pid, lambda: prt.ok("start", cid))
    try:
        check_guarded(rt, prt, pid, attacker, held, out, err, host_fd, before)
    finally:
        os.close(host_fd)
    prt.ok("delete", "--force", cid)
    assert_nothing_left(prt, cid)


def check_guarded(rt, prt, pid, attacker, held, out, err, host_fd, before):
    assert attacker.returncode == 0, f"attacker: {err}"
    assert digest(prt.path) == before
    if held[1].startswith("/memfd:"):
        # crun's answer, and runc's since 1.1.12 (Debian 12's security updates): the
        # exe is a sealed copy in a memfd; reopening it may succeed, the host's file
        # is not reached (the digest above).
        reap(pid, timeout=10)
        return
    assert out.split()[-1] == "EROFS", \
        f"{rt.name}: reopening /proc/1/exe ({held[1]}) of the waiting init O_WRONLY: {out!r}"
    reap(pid, timeout=10)
    # The read-only mount went with the init: not even host root can make it writable.
    assert undo_readonly(host_fd) == ["EINVAL", "EINVAL"], f"{rt.name}"


def test_barco_step_without_user_namespace_is_guarded(rt, scratch):
    """barco's own front door: `step --userns=host` leaves barco's process in
    the container; once it is gone, /proc/PID/exe reopened for writing fails."""
    if rt.name != "barco":
        pytest.skip("barco's own CLI")
    prt = private_copy(rt, scratch)
    name = "oci-guard-" + os.urandom(4).hex()
    r = subprocess.run([prt.path, "step", "--userns=host", "--name", name, "--until=caps", "--",
                        "true"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, text(r.stderr)
    try:
        pid = int(Path(f"/run/barco/{name}/pid").read_text().split()[0])
        runner = json.loads(Path(f"/run/barco/{name}/state.json").read_text())["runner_pid"]
        fd = os.open(f"/proc/{pid}/exe", os.O_PATH)
    finally:
        subprocess.run([prt.path, "delete", name], capture_output=True, timeout=60)
    try:
        # The runner that held the paused container runs the same binary: while it
        # is still exiting, a write open fails ETXTBSY before the mount is asked.
        assert wait_for(lambda: exe_of(pid) is None and exe_of(runner) is None, 10)
        with pytest.raises(OSError) as e:
            os.close(os.open(f"/proc/self/fd/{fd}", os.O_WRONLY))
        assert e.value.errno == 30, e.value  # EROFS
    finally:
        os.close(fd)
