"""containerd drives the runtime under test through its runc shim (v2), offline.

A private containerd (root, state, sockets in a temp dir; no CRI plugin, no
systemd) runs for this file; `ctr run --runc-binary RUNTIME --runc-root DIR
--rootfs ROOTFS ID CMD` runs a container on the busybox rootfs with no image.
The shim calls the runtime as conmon's peer does: `--root DIR/NS --log
BUNDLE/log.json --log-format json create --bundle B --pid-file B/init.pid`,
then start, kill, delete, exec, ps.
"""

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ocihelp import (TTY_SCRIPT, assert_tty_under_script, cgroup_dirs_named,
                     processes_mentioning, reap_zombie_children, text, wait_for)

CTR_TIMEOUT = 60
NS = "oci-test-" + secrets.token_hex(3)
# Directories containerd makes outside its config no matter what (the shims'
# sockets); removed at the end only if this file made them and they are empty.
FIXED_DIRS = [Path("/run/containerd/s"), Path("/run/containerd/fifo"), Path("/run/containerd")]

CONFIG = """version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "{d}/containerd.sock"
[ttrpc]
  address = "{d}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
"""


class Containerd:
    def __init__(self, d, proc):
        self.dir = d
        self.proc = proc
        self.address = str(d / "containerd.sock")

    def ctr(self, *args, timeout=CTR_TIMEOUT, stdin=subprocess.DEVNULL):
        return subprocess.run(["ctr", "--address", self.address, "--namespace", NS,
                               *map(str, args)], stdin=stdin, capture_output=True,
                              timeout=timeout)

    def run_args(self, rt, rootfs, cid, *cmd, opts=()):
        return ["run", *opts, "--runc-binary", rt.path, "--runc-root", rt.root,
                "--fifo-dir", self.dir / "fifo", "--env", "PATH=/bin:/sbin",
                "--rootfs", rootfs, cid, *cmd]


@pytest.fixture(scope="module")
def containerd(scratch):
    if not shutil.which("containerd") or not shutil.which("ctr"):
        pytest.skip("containerd or ctr is not installed (Debian package containerd)")
    made = [p for p in FIXED_DIRS if not p.exists()]
    d = Path(tempfile.mkdtemp(prefix="containerd.", dir=scratch))
    (d / "config.toml").write_text(CONFIG.format(d=d))
    log = open(d / "containerd.log", "wb")
    proc = subprocess.Popen(["containerd", "--config", str(d / "config.toml")],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    c = Containerd(d, proc)
    ready = wait_for(lambda: proc.poll() is not None or
                     c.ctr("version", timeout=10).returncode == 0, 30, 0.1)
    if proc.poll() is not None or not ready:
        proc.kill()
        proc.wait()
        pytest.fail(f"containerd did not start: {(d / 'containerd.log').read_text()[-2000:]}")
    try:
        yield c
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        reap_zombie_children()
        left = wait_for(lambda: not processes_mentioning(str(d)), 5) or processes_mentioning(str(d))
        # containerd's default cgroupsPath is /NS/ID: runc removes ID, the NS
        # parent (ours: NS is unique to this run) is removed here.
        for cg in cgroup_dirs_named(NS):
            os.rmdir(cg)
        for p in made:
            if p.exists():
                try:
                    p.rmdir()
                except OSError:
                    pass
        assert left is True, f"processes left after containerd stopped: {left}"


@pytest.fixture
def ctd(containerd, rt, rootfs):
    """(containerd, rt, rootfs); every container made in the test is removed and checked."""
    made = []

    def new_id():
        cid = "ctd-" + secrets.token_hex(5)
        made.append(cid)
        return cid

    yield containerd, rt, rootfs, new_id
    problems = []
    for cid in made:
        containerd.ctr("task", "kill", "--signal", "KILL", cid)
        containerd.ctr("task", "delete", "--force", cid)
        containerd.ctr("container", "delete", cid)
        left = wait_for(lambda: not _leftovers(rt, cid), 10) or _leftovers(rt, cid)
        if left is not True:
            problems += left
    reap_zombie_children()
    assert problems == [], f"{rt.name}: left behind: {problems}"


def _leftovers(rt, cid):
    left = []
    if (rt.root / NS / cid).exists():
        left.append(f"state dir {rt.root / NS / cid}")
    left += [f"process {p}" for p in processes_mentioning(cid)]
    left += [f"cgroup {d}" for d in cgroup_dirs_named(f"{NS}/{cid}")]
    return left


def test_run_rm_echo_and_exit_status(ctd):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr(*c.run_args(rt, rootfs, cid, "sh", "-c", "echo hi; exit 7", opts=["--rm"]))
    assert r.returncode == 7, text(r.stderr)
    assert r.stdout == b"hi\n"
    assert c.ctr("container", "info", cid).returncode != 0, "--rm left the container"
    assert wait_for(lambda: not _leftovers(rt, cid), 10), _leftovers(rt, cid)


def test_run_rm_exit_zero(ctd):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr(*c.run_args(rt, rootfs, cid, "echo", "hi", opts=["--rm"]))
    assert r.returncode == 0, text(r.stderr)
    assert r.stdout == b"hi\n"


def test_run_missing_command_fails(ctd):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr(*c.run_args(rt, rootfs, cid, "no-such-command", opts=["--rm"]))
    assert r.returncode != 0
    assert "executable file not found in $PATH" in text(r.stderr), text(r.stderr)


def test_detach_then_exec_kill_delete(ctd):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr(*c.run_args(rt, rootfs, cid, "sleep", "1000", opts=["-d"]))
    assert r.returncode == 0, text(r.stderr)
    ls = text(c.ctr("task", "ls").stdout)
    assert any(l.split()[:1] == [cid] and "RUNNING" in l for l in ls.splitlines()), ls
    assert (rt.root / NS / cid).is_dir(), "the shim did not use --runc-root"
    r = c.ctr("task", "exec", "--fifo-dir", c.dir / "fifo", "--exec-id", "e1", cid,
              "sh", "-c", "echo in-exec; exit 3")
    assert r.returncode == 3, text(r.stderr)
    assert r.stdout == b"in-exec\n"
    r = c.ctr("task", "ps", cid)
    assert r.returncode == 0 and len(text(r.stdout).split("\n")) >= 2, text(r.stderr)
    r = c.ctr("task", "kill", "--signal", "TERM", cid)
    assert r.returncode == 0, text(r.stderr)
    # sleep as pid 1 ignores TERM from outside (no handler): still running.
    time.sleep(0.3)
    assert "RUNNING" in text(c.ctr("task", "ls").stdout)
    r = c.ctr("task", "kill", "--signal", "SIGKILL", cid)
    assert r.returncode == 0, text(r.stderr)
    assert wait_for(lambda: "STOPPED" in text(c.ctr("task", "ls").stdout), 10)
    r = c.ctr("task", "delete", cid)
    assert r.returncode == 0, text(r.stderr)
    r = c.ctr("container", "delete", cid)
    assert r.returncode == 0, text(r.stderr)
    assert wait_for(lambda: not _leftovers(rt, cid), 10), _leftovers(rt, cid)


def test_kill_all(ctd):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr(*c.run_args(rt, rootfs, cid, "sh", "-c", "sleep 1000 & sleep 1000 & wait",
                          opts=["-d"]))
    assert r.returncode == 0, text(r.stderr)
    r = c.ctr("task", "kill", "--all", "--signal", "KILL", cid)
    assert r.returncode == 0, text(r.stderr)
    assert wait_for(lambda: "STOPPED" in text(c.ctr("task", "ls").stdout), 10)
    assert c.ctr("task", "delete", cid).returncode == 0


def test_tty_under_script(ctd):
    c, rt, rootfs, new_id = ctd
    argv = ["ctr", "--address", c.address, "--namespace", NS,
            *c.run_args(rt, rootfs, new_id(), "sh", "-c", TTY_SCRIPT, opts=["--rm", "-t"])]
    assert_tty_under_script(argv, CTR_TIMEOUT)


@pytest.fixture(scope="module")
def image(containerd, rootfs):
    """localhost/barco-busybox:latest, made with umoci from the busybox rootfs
    and imported into the private containerd (no registry, no network)."""
    if not shutil.which("umoci"):
        pytest.skip("umoci is not installed (Debian package umoci)")
    layout = containerd.dir / "layout"
    steps = [["umoci", "init", "--layout", layout],
             ["umoci", "new", "--image", f"{layout}:latest"],
             ["umoci", "insert", "--image", f"{layout}:latest", rootfs, "/"],
             ["umoci", "config", "--image", f"{layout}:latest",
              "--config.env", "PATH=/bin:/sbin", "--config.cmd", "sh"],
             ["tar", "-C", layout, "-cf", containerd.dir / "image.tar", "."]]
    for argv in steps:
        r = subprocess.run(list(map(str, argv)), capture_output=True, timeout=CTR_TIMEOUT)
        assert r.returncode == 0, f"{argv}: {text(r.stderr)}"
    r = containerd.ctr("images", "import", "--base-name", "localhost/barco-busybox",
                       containerd.dir / "image.tar")
    assert r.returncode == 0, text(r.stderr)
    name = "localhost/barco-busybox:latest"
    yield name
    containerd.ctr("images", "rm", name)


def test_run_local_image(ctd, image):
    c, rt, rootfs, new_id = ctd
    cid = new_id()
    r = c.ctr("run", "--rm", "--runc-binary", rt.path, "--runc-root", rt.root,
              "--fifo-dir", c.dir / "fifo", image, cid, "sh", "-c", "echo from-image; exit 9")
    assert r.returncode == 9, text(r.stderr)
    assert r.stdout == b"from-image\n"
    assert wait_for(lambda: not _leftovers(rt, cid), 10), _leftovers(rt, cid)
    mounts = [l for l in Path("/proc/self/mountinfo").read_text().splitlines()
              if str(c.dir) in l]
    assert mounts == [], f"snapshot mounts left: {mounts}"
