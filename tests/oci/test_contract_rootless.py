"""The OCI lifecycle as an ordinary user, as `runc --rootless` / crun run it.

Two test users are made here (and removed after): OWNER runs the
containers, OTHER tries to reach them. Each runtime runs as OWNER through
runuser(1) with no --root: its default state root is under OWNER's
XDG_RUNTIME_DIR (runc: $XDG_RUNTIME_DIR/runc; barco: $XDG_RUNTIME_DIR/barco,
as `barco run` rootless). Bundles come from the runtime's own `spec
--rootless` (runc's is the reference), on a copy of the busybox rootfs that
OWNER owns. runc detects rootless itself (euid != 0). The pytest process is
the subreaper the inits are re-parented to, as in the other contract tests.
"""

import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ocihelp import TIMEOUT, is_alive, reap, text, wait_for


def user_add(name):
    subprocess.run(["useradd", "-M", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0",
                    "-s", "/usr/sbin/nologin", name], check=True, capture_output=True)
    return pwd.getpwnam(name)


def user_del(name):
    uid = pwd.getpwnam(name).pw_uid
    subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)
    wait_for(lambda: subprocess.run(["pgrep", "-U", str(uid)],
                                    capture_output=True).returncode != 0, 10)
    subprocess.run(["userdel", name], capture_output=True)


class User:
    """An ordinary user with a home and a runtime directory (0700) of their own."""

    def __init__(self, pw, base):
        self.name = pw.pw_name
        self.uid = pw.pw_uid
        self.home = base / f"home-{self.name}"
        self.xdg = self.home / "run"
        for d in (self.home, self.xdg):
            d.mkdir(mode=0o700)
            os.chown(d, self.uid, pw.pw_gid)

    def run(self, *argv, cwd=None, xdg=None):
        """argv as this user; stdio to files, never pipes (an init would hold them)."""
        env = ["env", f"HOME={self.home}", f"XDG_RUNTIME_DIR={xdg or self.xdg}"]
        with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
            r = subprocess.run(["runuser", "-u", self.name, "--", *env, *map(str, argv)],
                               cwd=cwd, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                               timeout=TIMEOUT)
            o.seek(0)
            e.seek(0)
            r.stdout, r.stderr = o.read(), e.read()
        return r


@pytest.fixture(scope="module")
def users(scratch):
    if not shutil.which("runuser"):
        pytest.skip("no runuser(1) (util-linux)")
    base = Path(tempfile.mkdtemp(prefix="rootless.", dir=scratch))
    base.chmod(0o755)
    names = [f"brl{secrets.token_hex(3)}o", f"brl{secrets.token_hex(3)}x"]
    made = []
    try:
        for n in names:
            made.append(n)
            user_add(n)
        yield [User(pwd.getpwnam(n), base) for n in names]
    finally:
        for n in made:
            user_del(n)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def user_rootfs(users, rootfs):
    """The busybox rootfs, copied where OWNER can read it and owned by OWNER
    (with the single-id map, root inside)."""
    owner = users[0]
    d = owner.home / "rootfs"
    subprocess.run(["cp", "-a", str(rootfs), str(d)], check=True)
    subprocess.run(["chown", "-R", f"{owner.uid}:{owner.uid}", str(d)], check=True)
    return d


class Rootless:
    """A runtime run by a user, with its default state root."""

    def __init__(self, name, path, user):
        self.name = name
        self.path = path
        self.user = user
        self.state_root = user.xdg / ("barco" if name == "barco" else name)

    @property
    def root(self):
        """The state root, as conftest's leftovers() calls it."""
        return self.state_root

    def run(self, *args, user=None, **kw):
        return (user or self.user).run(self.path, *args, **kw)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, \
            f"{self.name} {' '.join(map(str, args))}: exit {r.returncode}: {text(r.stderr)}"
        return r

    def status(self, cid):
        return json.loads(self.ok("state", cid).stdout)["status"]


@pytest.fixture
def rl(rt, users, scratch):
    """The runtime under test (rt), run by OWNER; skipped where it cannot run rootless."""
    path = rt.path
    # OWNER must reach the binary: a tree under a 0700 home is copied.
    if users[0].run("test", "-x", path).returncode != 0:
        d = Path(tempfile.mkdtemp(prefix="bin.", dir=scratch))
        d.chmod(0o755)
        path = shutil.copy2(path, d / Path(path).name)
    r = Rootless(rt.name, path, users[0])
    if users[0].run("unshare", "-U", "-r", "true").returncode != 0:
        pytest.skip("an unprivileged user cannot create a user namespace here")
    return r


def rootless_bundle(rl, rootfs, *args, edit=None):
    """A bundle from `RUNTIME spec --rootless`, made by the user, running ARGS."""
    d = Path(tempfile.mkdtemp(prefix="bundle.", dir=rl.user.home))
    os.chown(d, rl.user.uid, rl.user.uid)
    r = rl.run("spec", "--rootless", cwd=d)
    if r.returncode != 0:
        pytest.skip(f"`{rl.name} spec --rootless`: exit {r.returncode}: {text(r.stderr)}")
    cfg = json.loads((d / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = list(args)
    cfg["root"] = {"path": str(rootfs), "readonly": True}
    if edit:
        edit(cfg)
    (d / "config.json").write_text(json.dumps(cfg))
    return d


def leftovers(rl, cid, pids=()):
    left = []
    if (rl.state_root / cid).exists():
        left.append(f"state {rl.state_root / cid}")
    left += [f"process {p}" for p in pids if is_alive(p)]
    r = subprocess.run(["pgrep", "-U", str(rl.user.uid)], capture_output=True, text=True)
    left += [f"process {p} of {rl.user.name}" for p in r.stdout.split()
             if is_alive(int(p))]
    return left


def assert_nothing_left(rl, cid, pids=()):
    left = wait_for(lambda: not leftovers(rl, cid, pids), 5) or leftovers(rl, cid, pids)
    assert left in (True, []), f"{rl.name}: left behind by {cid}: {left}"


@pytest.fixture
def ids_runtime(rl):
    """conftest's ids deletes and checks the containers of the user's runtime."""
    return rl


def test_rootless_spec_is_runcs_rootless_variant(rl, users):
    """spec --rootless: a user namespace, container root mapped to the caller
    alone, no network namespace, /sys a read-only bind (what runc writes)."""
    if rl.name == "crun":
        # crun's own variant keeps a network namespace (one a user may make):
        # this pins runc's, which barco writes.
        pytest.skip("`crun spec --rootless` is crun's variant, with a network namespace")
    d = Path(tempfile.mkdtemp(prefix="spec.", dir=users[0].home))
    os.chown(d, users[0].uid, users[0].uid)
    rl.ok("spec", "--rootless", cwd=d)
    cfg = json.loads((d / "config.json").read_text())
    lx = cfg["linux"]
    kinds = [n["type"] for n in lx["namespaces"]]
    assert "user" in kinds and "network" not in kinds and "mount" in kinds, kinds
    me = [{"containerID": 0, "hostID": users[0].uid, "size": 1}]
    assert lx["uidMappings"] == me and lx["gidMappings"] == me
    sys_mount = [m for m in cfg["mounts"] if m["destination"] == "/sys"]
    assert sys_mount and sys_mount[0]["source"] == "/sys", sys_mount
    assert {"rbind", "ro"} <= set(sys_mount[0]["options"])
    assert "resources" not in lx or "devices" not in lx["resources"]


@pytest.mark.parametrize("flags", [(), ("--rootless", "true")], ids=["auto", "rootless-true"])
def test_rootless_lifecycle(rl, user_rootfs, ids, flags):
    """create, state created, start, exit 7, state stopped, delete: nothing left,
    the state in the user's runtime directory, the init the user's on the host.
    With runc's global --rootless true too (what runc detects by itself)."""
    if flags and rl.name == "crun":
        # `crun --rootless true state X` opens true/X/status: crun 1.8.1 takes
        # the value of --rootless as its state root (measured; a crun bug). The
        # container made there could not be found, nor deleted, after.
        pytest.skip("crun 1.8.1 takes --rootless VALUE as its state root")
    b = rootless_bundle(rl, user_rootfs, "sh", "-c", "exit 7")
    cid = ids()
    r = rl.run(*flags, "create", "--bundle", b, "--pid-file", b / "init.pid", cid, cwd=b)
    assert r.returncode == 0, text(r.stderr)
    assert r.stdout == b""
    pid = int((b / "init.pid").read_text())
    assert (rl.state_root / cid).exists(), f"no state in {rl.state_root}"
    assert os.stat(f"/proc/{pid}").st_uid == rl.user.uid
    assert rl.status(cid) == "created"
    rl.ok(*flags, "start", cid)
    assert reap(pid, timeout=20) == 7
    assert wait_for(lambda: rl.status(cid) == "stopped")
    rl.ok(*flags, "delete", cid)
    assert rl.run(*flags, "state", cid).returncode == 1
    assert_nothing_left(rl, cid, [pid])


def test_rootless_kill_and_delete_running(rl, user_rootfs, ids):
    """A running container: kill KILL stops it; delete without --force of a
    running one is refused, exit 1; after the kill, delete leaves nothing."""
    b = rootless_bundle(rl, user_rootfs, "sleep", "60")
    cid = ids()
    rl.ok("create", "--bundle", b, "--pid-file", b / "init.pid", cid)
    pid = int((b / "init.pid").read_text())
    rl.ok("start", cid)
    assert rl.status(cid) == "running"
    r = rl.run("delete", cid)
    assert r.returncode == 1, text(r.stderr)
    rl.ok("kill", cid, "KILL")
    assert reap(pid, timeout=20) == -9
    assert wait_for(lambda: rl.status(cid) == "stopped")
    rl.ok("delete", cid)
    assert_nothing_left(rl, cid, [pid])


def test_another_user_cannot_see_kill_or_delete(rl, users, user_rootfs, ids):
    """OTHER's state, kill and delete (--force too) do not reach OWNER's
    container, not even with XDG_RUNTIME_DIR pointed at OWNER's directory."""
    owner, other = users
    b = rootless_bundle(rl, user_rootfs, "sleep", "60")
    cid = ids()
    rl.ok("create", "--bundle", b, "--pid-file", b / "init.pid", cid)
    pid = int((b / "init.pid").read_text())
    for xdg in (None, owner.xdg):
        for args in (("state", cid), ("kill", cid, "KILL"), ("delete", cid)):
            r = rl.run(*args, user=other, xdg=xdg)
            # barco's delete of a name it does not know answers as its own command (125).
            want = 125 if rl.name == "barco" and args[0] == "delete" else 1
            assert r.returncode == want, \
                f"{args} as {other.name}: {r.returncode} {text(r.stderr)}"
        # --force answers 0 for a container that does not exist (runc's way): still not OWNER's.
        rl.run("delete", "--force", cid, user=other, xdg=xdg)
    assert is_alive(pid)
    assert rl.status(cid) == "created"
    rl.ok("delete", cid)
    assert reap(pid, timeout=20) is not None
    assert_nothing_left(rl, cid, [pid])


def test_rootless_without_a_user_namespace_is_refused(rl, user_rootfs, ids):
    """A spec without a user namespace cannot run as a user: exit 1, nothing left."""
    def no_userns(cfg):
        lx = cfg["linux"]
        lx["namespaces"] = [n for n in lx["namespaces"] if n["type"] != "user"]
        lx.pop("uidMappings", None)
        lx.pop("gidMappings", None)

    if rl.name == "crun":
        # crun 1.8.1 makes a user namespace of its own for a user's container
        # and maps it with newgidmap ("newgidmap: gid range [0-1001) ->
        # [1000-2001) not allowed" here), rather than refusing the spec.
        pytest.skip("crun 1.8.1 adds a user namespace itself rather than refusing the spec")
    b = rootless_bundle(rl, user_rootfs, "true", edit=no_userns)
    cid = ids()
    r = rl.run("create", "--bundle", b, cid)
    assert r.returncode == 1, text(r.stderr)
    if rl.name == "barco":
        assert text(r.stderr) == (
            "barco: config.json: linux.namespaces: no user namespace, and uid "
            f"{rl.user.uid} is not root: an ordinary user's container needs one (\"user\" "
            "with uidMappings and gidMappings, as 'barco spec --rootless' writes)\n")
    assert_nothing_left(rl, cid)


def test_barco_rootless_limits_need_a_delegated_cgroup(rl, user_rootfs, ids):
    """barco: resources without a delegated cgroup are one clear error, exit 1,
    nothing left (runc 1.1 on cgroup v1 ignores them for a rootless container)."""
    if rl.name != "barco":
        pytest.skip("barco's refusal; runc rootless skips cgroup v1 limits silently")
    b = rootless_bundle(rl, user_rootfs, "true",
                        edit=lambda c: c["linux"].update(resources={"pids": {"limit": 16}}))
    cid = ids()
    r = rl.run("create", "--bundle", b, cid)
    assert r.returncode == 1
    err = text(r.stderr)
    assert err.startswith("barco: stage cgroups: linux.resources.pids needs a cgroup, and no "
                          f"cgroup is delegated to uid {rl.user.uid}: "), err
    assert err.count("\n") == 1
    assert_nothing_left(rl, cid)


def test_barco_rootless_exec_and_ps(rl, user_rootfs, ids):
    """barco: exec enters the container (user namespace first) as root inside;
    ps --format json lists the init and the exec'd process without a cgroup
    (runc 1.1 cannot: it reads the pids from a cgroup a user does not have)."""
    if rl.name != "barco":
        pytest.skip("runc ps needs the container's cgroup, which a rootless one lacks here")
    b = rootless_bundle(rl, user_rootfs, "sleep", "60")
    cid = ids()
    rl.ok("create", "--bundle", b, "--pid-file", b / "init.pid", cid)
    pid = int((b / "init.pid").read_text())
    rl.ok("start", cid)
    assert json.loads(rl.ok("ps", "--format", "json", cid).stdout) == [pid]
    r = rl.ok("exec", cid, "sh", "-c", "id -u; readlink /proc/1/exe")
    assert text(r.stdout).splitlines() == ["0", "/bin/busybox"]
    rl.ok("exec", "--detach", "--pid-file", b / "exec.pid", cid, "sleep", "60")
    epid = int((b / "exec.pid").read_text())
    assert sorted(json.loads(rl.ok("ps", "--format", "json", cid).stdout)) == sorted([pid, epid])
    rl.ok("kill", "--all", cid, "KILL")
    # The exec'd process is ours (its barco exec exited): the dying init waits for it.
    assert reap(epid, timeout=20) == -9
    assert reap(pid, timeout=20) == -9
    rl.ok("delete", cid)
    assert_nothing_left(rl, cid, [pid, epid])


def test_rootless_binary_of_the_user_not_writable_through_proc_exe(rl, users, user_rootfs,
                                                                   ids, scratch):
    """CVE-2019-5736 rootless: the user owns the runtime's binary (built in their
    home), and container root is the user. The attack of test_security.py, from
    inside the container: /proc/1/exe of the waiting init held O_PATH, reopened
    O_WRONLY once the init has exec'd. The binary must not be reached: the init
    ran from a sealed memfd copy (barco, runc) or a read-only mount (EROFS)."""
    from test_security import attack, digest

    owner = users[0]
    d = Path(tempfile.mkdtemp(prefix="exe.", dir=owner.home))
    exe = Path(shutil.copy2(rl.path, d / Path(rl.path).name))
    for p in (d, exe):
        os.chown(p, owner.uid, owner.uid)
    own = Rootless(rl.name, str(exe), owner)
    before = digest(exe)
    b = rootless_bundle(own, user_rootfs, "sleep", "3")
    cid = ids()
    own.ok("create", "--bundle", b, "--pid-file", b / "init.pid", cid)
    pid = int((b / "init.pid").read_text())
    attacker, held, out, err = attack(pid, lambda: own.ok("start", cid),
                                      ["runuser", "-u", owner.name, "--"])
    assert attacker.returncode == 0, f"attacker: {err}"
    assert digest(exe) == before
    assert held[1].startswith("/memfd:") or out.split()[-1] == "EROFS", \
        f"{rl.name}: the waiting init ran {held[1]}, reopened for writing: {out!r}"
    if rl.name == "barco":
        assert held[1].startswith("/memfd:barco"), held
    reap(pid, timeout=10)
    own.ok("delete", cid)
    assert_nothing_left(own, cid, [pid])


def test_rootless_subordinate_range_through_newuidmap(rl, users, user_rootfs, ids):
    """A bundle whose maps are the user's range in /etc/subuid and /etc/subgid:
    written by newuidmap/newgidmap, container root is the range's first id on
    the host. A range that is not the user's is refused, exit 1, nothing left."""
    if not shutil.which("newuidmap"):
        pytest.skip("no newuidmap (Debian package uidmap)")
    if rl.name == "runc":
        pytest.skip("runc 1.1.5 cannot here: create chowns exec.fifo to container root's "
                    "host id, which a user may not (EPERM; FACTS.md)")
    owner = users[0]
    start = 1000000000 + secrets.randbelow(1000) * 65536
    span = f"{start}-{start + 65535}"
    subprocess.run(["usermod", "--add-subuids", span, "--add-subgids", span, owner.name],
                   check=True, capture_output=True)
    try:
        def ranged(base):
            def edit(cfg):
                m = [{"containerID": 0, "hostID": base, "size": 65536}]
                cfg["linux"]["uidMappings"] = cfg["linux"]["gidMappings"] = m
            return edit

        b = rootless_bundle(rl, user_rootfs, "sleep", "60", edit=ranged(start))
        cid = ids()
        rl.ok("create", "--bundle", b, "--pid-file", b / "init.pid", cid)
        pid = int((b / "init.pid").read_text())
        assert os.stat(f"/proc/{pid}").st_uid == start
        assert Path(f"/proc/{pid}/uid_map").read_text().split() == ["0", str(start), "65536"]
        rl.ok("delete", cid)
        assert reap(pid, timeout=20) is not None
        assert_nothing_left(rl, cid, [pid])
        b = rootless_bundle(rl, user_rootfs, "true", edit=ranged(start + 65536))
        cid = ids()
        r = rl.run("create", "--bundle", b, cid)
        assert r.returncode == 1, text(r.stderr)
        assert_nothing_left(rl, cid)
    finally:
        subprocess.run(["usermod", "--del-subuids", span, "--del-subgids", span, owner.name],
                       capture_output=True)
