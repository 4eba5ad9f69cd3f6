"""podman drives the runtime under test through conmon, offline.

All of podman's state is in a temp dir (--root, --runroot, --tmpdir, vfs
storage, cgroupfs, file events); containers run with --network none. The
image is made locally: `tar -C ROOTFS -c . | podman import - localhost/...`.
podman calls a runtime it does not know by name (anything but runc, crun,
...) with no global flags at all: `create --bundle B --pid-file P ID`,
`start`, `kill ID 15`, `kill ID 9`, `delete --force`, `exec --pid-file P
--process F --detach ID`; the runtime's default state root must work.
"""

import os
import resource
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ocihelp import (TTY_SCRIPT, assert_tty_under_script, processes_mentioning,
                     reap_zombie_children, text, wait_for)

IMAGE = "localhost/barco-busybox"
PODMAN_TIMEOUT = 90
# podman's default nofile/nproc hard limits cannot be set on a host without
# CAP_SYS_RESOURCE (runc fails "error setting rlimit type 7"): ask for what
# the host allows.
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]


class Podman:
    def __init__(self, d, rt):
        self.dir = d
        self.rt = rt

    def argv(self, *args):
        d = self.dir
        return ["podman", "--root", str(d / "root"), "--runroot", str(d / "run"),
                "--tmpdir", str(d / "tmp"), "--storage-driver", "vfs",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--runtime", self.rt.path, *map(str, args)]

    def __call__(self, *args, timeout=PODMAN_TIMEOUT):
        return subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)

    def run(self, *args, opts=()):
        return self("run", "--network", "none", *ULIMITS, *opts, IMAGE, *args)


@pytest.fixture(scope="module")
def podman_dir(scratch, rootfs):
    if not shutil.which("podman") or not shutil.which("conmon"):
        pytest.skip("podman or conmon is not installed (Debian packages podman, conmon)")
    d = Path(tempfile.mkdtemp(prefix="podman.", dir=scratch))
    tar = d / "rootfs.tar"
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True)
    # `podman import` writes a blob-info cache to /var/lib/containers/cache
    # whatever --root says: run it in a private mount namespace with a tmpfs
    # over /var/lib so nothing of it reaches the host.
    imp = " ".join(Podman(d, _Rt("runc")).argv("import", "-q", str(tar), IMAGE))
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                        f"mount -t tmpfs -o mode=0755 tmpfs /var/lib && {imp}"],
                       capture_output=True, timeout=PODMAN_TIMEOUT)
    assert r.returncode == 0, f"podman import: {text(r.stderr)}"
    try:
        yield d
    finally:
        subprocess.run(Podman(d, _Rt("runc")).argv("rm", "-af"), capture_output=True,
                       timeout=PODMAN_TIMEOUT)
        subprocess.run(Podman(d, _Rt("runc")).argv("rmi", "-af"), capture_output=True,
                       timeout=PODMAN_TIMEOUT)
        reap_zombie_children()
        left = wait_for(lambda: not processes_mentioning(str(d)), 5) or \
            processes_mentioning(str(d))
        assert left is True, f"processes left by podman: {left}"


class _Rt:
    def __init__(self, path):
        self.path = path


@pytest.fixture
def podman(podman_dir, rt):
    """A Podman on the runtime under test; every container it made is removed and checked."""
    p = Podman(podman_dir, rt)
    before = set(_ids(p))
    yield p
    made = set(_ids(p)) - before
    for cid in made:
        p("rm", "-f", "-t", "0", cid)
    after = _ids(p)
    reap_zombie_children()

    def left():
        found = [f"process {x}" for x in processes_mentioning(str(podman_dir / "root"))]
        return found + [f"container {c}" for c in after if c in made]
    # conmon exits a moment after `podman rm` returns.
    problems = wait_for(lambda: not left(), 10) or left()
    assert problems is True, f"{rt.name}: left behind: {problems}"


def _ids(p):
    r = p("ps", "-aq", "--no-trunc")
    return text(r.stdout).split()


def _name():
    return "pm-" + secrets.token_hex(5)


def _leftover_of(cid):
    """Processes on the host that still name container CID (64 hex digits)."""
    return [f"process {x}" for x in processes_mentioning(cid)]


# The exit statuses of `podman run`, each the same with runc (measured:
# podman 4.3.1, runc 1.1.5). podman's own: 125 for its own errors, 126 for a
# runtime that refuses the container ("OCI runtime error", or the words
# "permission denied"), 127 for "executable file not found in $PATH" or "no
# such file or directory". A runtime's create error is matched on those
# words, so a command that cannot run must fail at create. pid 1 of a pid
# namespace gets no signal from inside it that it has no handler for, not
# even SIGKILL (pid_namespaces(7)): `kill -9 $$` as pid 1 changes nothing.
# --timeout: podman kills the container and reports -1 (255), whatever the
# runtime. SIGKILL from outside is 137 (test_run_killed_is_137,
# test_stop_signal_kill_is_137).
STATUS_MATRIX = [
    ("exit-0", [], ["sh", "-c", "echo hi"], 0, "hi\n", None),
    ("exit-7", [], ["sh", "-c", "echo hi; exit 7"], 7, "hi\n", None),
    ("bad-podman-option", ["--no-such-option"], ["true"], 125, "", "unknown flag"),
    ("runtime-refuses-input", ["--sysctl", "kernel.shmmax=notanumber"], ["true"], 126, "",
     "invalid argument"),
    # runc: "unable to set memory limit to 1024"; barco: the OOM killer of the
    # cgroup killed the process, "the memory limit (1024 bytes) is too low".
    ("memory-limit-too-low", ["--memory", "1k"], ["true"], 126, "", "memory limit"),
    ("not-executable", [], ["/etc/passwd"], 126, "", "permission denied"),
    ("missing-command", [], ["no-such-command"], 127, "",
     "executable file not found in $path"),
    ("missing-file", [], ["/bin/no-such-file"], 127, "", "no such file or directory"),
    ("pid1-kills-itself", [], ["sh", "-c", "kill -9 $$; echo survived"], 0, "survived\n",
     None),
    ("timeout", ["--timeout", "2"], ["sleep", "100"], 255, "", None),
]


@pytest.mark.parametrize("opts,args,status,out,words",
                         [c[1:] for c in STATUS_MATRIX], ids=[c[0] for c in STATUS_MATRIX])
def test_exit_status_matrix(podman, opts, args, status, out, words):
    name = _name()
    r = podman.run(*args, opts=["--rm", "--name", name, *opts])
    assert r.returncode == status, text(r.stderr)
    assert text(r.stdout) == out, text(r.stderr)
    if words:
        assert words in text(r.stderr).lower(), text(r.stderr)
    if podman.rt.name == "barco" and "--memory" in opts:
        assert "the memory limit (1024 bytes) is too low" in text(r.stderr), text(r.stderr)
    assert name not in text(podman("ps", "-a", "--format", "{{.Names}}").stdout)


def test_stop_signal_kill_is_137(podman):
    """--stop-signal KILL: `podman stop` kills at once (no 10 s wait); exit 137."""
    name = _name()
    r = podman.run("sleep", "1000", opts=["-d", "--name", name, "--stop-signal", "KILL"])
    assert r.returncode == 0, text(r.stderr)
    start = time.monotonic()
    r = podman("stop", "-t", "10", name)
    assert r.returncode == 0 and time.monotonic() - start < 8, text(r.stderr)
    r = podman("wait", name)
    assert text(r.stdout).strip() == "137", text(r.stdout) + text(r.stderr)
    assert podman("rm", name).returncode == 0


def _can_raise_nofile(limit):
    """Whether this process could raise its hard nofile limit to LIMIT."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= limit:
        return True
    status = Path("/proc/self/status").read_text()
    eff = int(next(l for l in status.splitlines() if l.startswith("CapEff:")).split()[1], 16)
    return bool(eff & (1 << 24))  # CAP_SYS_RESOURCE


def test_default_ulimits(podman):
    """Without --ulimit podman asks for nofile 1048576:1048576. A hard limit
    above the runtime's own needs CAP_SYS_RESOURCE (setrlimit(2)): where the
    host gives none, the runtime fails create as runc does (podman: 126,
    "permission denied"); barco's error says which capability is missing."""
    r = podman("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "ulimit -Hn")
    if _can_raise_nofile(1048576):
        assert r.returncode == 0 and text(r.stdout).strip() == "1048576", text(r.stderr)
        return
    err = text(r.stderr)
    assert r.returncode == 126 and "permission denied" in err.lower(), err
    if podman.rt.name == "barco":
        assert "setrlimit(7, {1048576, 1048576})" in err and "CAP_SYS_RESOURCE" in err, err


def test_run_killed_is_137(podman):
    name = _name()
    proc = subprocess.Popen(podman.argv("run", "--rm", "--name", name, "--network", "none",
                                        *ULIMITS, IMAGE, "sh", "-c", "echo up; sleep 1000"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"up\n"
        r = podman("kill", "--signal", "KILL", name)
        assert r.returncode == 0, text(r.stderr)
        out, err = proc.communicate(timeout=PODMAN_TIMEOUT)
        assert proc.returncode == 137, text(err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_detach_exec_stop_rm(podman):
    name = _name()
    r = podman.run("sleep", "1000", opts=["-d", "--name", name])
    assert r.returncode == 0, text(r.stderr)
    cid = text(r.stdout).strip()
    assert len(cid) == 64
    r = podman("inspect", "--format", "{{.State.Status}} {{.State.Pid}}", name)
    status, pid = text(r.stdout).split()
    assert status == "running" and int(pid) > 0
    r = podman("exec", name, "sh", "-c", "echo in-exec; exit 3")
    assert r.returncode == 3, text(r.stderr)
    assert r.stdout == b"in-exec\n"
    # sleep as pid 1 has no TERM handler: stop falls back to KILL after -t.
    r = podman("stop", "-t", "1", name)
    assert r.returncode == 0, text(r.stderr)
    r = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name)
    assert text(r.stdout).split() in (["exited", "137"], ["stopped", "137"]), text(r.stdout)
    r = podman("rm", name)
    assert r.returncode == 0, text(r.stderr)
    assert wait_for(lambda: not _leftover_of(cid), 10), _leftover_of(cid)
    assert not os.path.exists(f"/proc/{pid}") or not _alive(int(pid))


def _alive(pid):
    try:
        st = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return st[st.rindex(")") + 2] not in "ZX"


def test_memory_limit(podman):
    r = podman.run("sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                   "2>/dev/null || cat /sys/fs/cgroup/memory.max", opts=["--rm", "--memory", "64m"])
    assert r.returncode == 0, text(r.stderr)
    assert text(r.stdout).strip() == str(64 << 20)


def test_cgroup_is_where_podman_asks(podman):
    """podman --cgroup-manager cgroupfs asks for cgroupsPath /libpod_parent/libpod-ID
    (measured); the runtime puts the container there, and it is gone after --rm."""
    name = _name()
    r = podman.run("sh", "-c", "cat /proc/self/cgroup", opts=["--rm", "--name", name,
                                                              "--cgroupns", "host"])
    assert r.returncode == 0, text(r.stderr)
    lines = text(r.stdout).splitlines()
    mem = next((l for l in lines if ":memory:" in l), None) or \
        next(l for l in lines if l.startswith("0::"))
    path = mem.split(":", 2)[2]
    assert path.startswith("/libpod_parent/libpod-"), lines
    cid = path.rsplit("libpod-", 1)[1]
    assert len(cid) == 64, path
    base = Path("/sys/fs/cgroup/memory") if ":memory:" in mem else Path("/sys/fs/cgroup")
    assert wait_for(lambda: not (base / path.lstrip("/")).exists(), 10), f"{path} left"


def test_pids_limit(podman):
    r = podman.run("sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || "
                   "cat /sys/fs/cgroup/pids.max", opts=["--rm", "--pids-limit", "17"])
    assert r.returncode == 0, text(r.stderr)
    assert text(r.stdout).strip() == "17"


def _capeff(podman, *opts):
    r = podman.run("sh", "-c", "grep CapEff /proc/self/status", opts=["--rm", *opts])
    assert r.returncode == 0, text(r.stderr)
    return int(text(r.stdout).split()[1], 16)


def test_cap_drop(podman):
    default = _capeff(podman)
    assert default & (1 << 0), "CAP_CHOWN not in podman's default set"
    assert _capeff(podman, "--cap-drop", "CHOWN") == default & ~(1 << 0)
    assert _capeff(podman, "--cap-drop", "all") == 0


def test_read_only(podman):
    r = podman.run("sh", "-c", "touch /x 2>/dev/null; echo root=$?; touch /tmp/y; echo tmp=$?",
                   opts=["--rm", "--read-only"])
    assert r.returncode == 0, text(r.stderr)
    assert text(r.stdout).split() == ["root=1", "tmp=0"]


def test_tty_under_script(podman):
    """podman run -t: conmon hands the runtime a console socket and relays the
    pty master it gets back to script(1)'s terminal."""
    assert_tty_under_script(podman.argv("run", "--rm", "-t", "--network", "none", *ULIMITS, IMAGE,
                                        "sh", "-c", TTY_SCRIPT), PODMAN_TIMEOUT)


def test_runs_in_a_row(podman):
    """Five runs in a row all succeed: nothing left trips the next one."""
    for i in range(5):
        r = podman.run("sh", "-c", f"exit {i}", opts=["--rm"])
        assert r.returncode == i, text(r.stderr)


def _inside(podman, name, script):
    r = podman("exec", name, "sh", "-c", script)
    assert r.returncode == 0, text(r.stderr)
    return text(r.stdout).strip()


MEMORY_INSIDE = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
                 "cat /sys/fs/cgroup/memory.max")


def test_pause_unpause(podman):
    """podman pause/unpause call the runtime's pause/resume; inspect reads its state."""
    name = _name()
    r = podman.run("sh", "-c", "while :; do sleep 0.05; done", opts=["-d", "--name", name])
    assert r.returncode == 0, text(r.stderr)
    assert podman("pause", name).returncode == 0
    r = podman("inspect", "--format", "{{.State.Status}}", name)
    assert text(r.stdout).strip() == "paused", text(r.stdout) + text(r.stderr)
    r = podman("unpause", name)
    assert r.returncode == 0, text(r.stderr)
    r = podman("inspect", "--format", "{{.State.Status}}", name)
    assert text(r.stdout).strip() == "running"
    assert _inside(podman, name, "echo alive") == "alive"
    assert podman("rm", "-f", "-t", "0", name).returncode == 0


def test_update_memory(podman):
    """podman update --memory calls the runtime's update --resources FILE;
    the container sees the new limit."""
    name = _name()
    r = podman.run("sleep", "1000", opts=["-d", "--name", name, "--memory", "64m"])
    assert r.returncode == 0, text(r.stderr)
    assert _inside(podman, name, MEMORY_INSIDE) == str(64 << 20)
    r = podman("update", "--memory", "128m", name)
    assert r.returncode == 0, text(r.stderr)
    assert _inside(podman, name, MEMORY_INSIDE) == str(128 << 20)
    assert podman("rm", "-f", "-t", "0", name).returncode == 0
