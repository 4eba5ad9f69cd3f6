"""linux.cgroupsPath (config-linux.md "Cgroups path"), against every runtime in
OCI_RUNTIMES (runc the reference): where the container's cgroup is made, that
its limits are written there, that every verb finds it (pause, update, kill
--all, ps, delete), and what delete removes.

runc 1.1.5 (cgroupfs driver) measured here: an absolute path is below each
hierarchy's root; a relative one below runc's own cgroup in each v1 hierarchy
(on cgroup v2 below its parent); delete removes the leaf and leaves the
directories above it, also those it made. barco removes the ones it made
itself, never one that was there before. Both use unique names under the
hierarchy roots, removed after each test.
"""

import json
import os
import secrets
from pathlib import Path

import pytest

from ocihelp import (CGROUP_ROOT, create, read_pid_file, reap, text, wait_for,
                     assert_nothing_left)

LIMIT = 64 << 20
IS_V2 = (CGROUP_ROOT / "cgroup.controllers").exists()


def memory_dir(path):
    """The memory controller's directory for cgroup PATH (as /proc/PID/cgroup shows it)."""
    base = CGROUP_ROOT if IS_V2 else CGROUP_ROOT / "memory"
    return base / path.lstrip("/")


def memory_limit(path):
    d = memory_dir(path)
    f = d / ("memory.max" if IS_V2 else "memory.limit_in_bytes")
    return int(f.read_text())


def cgroup_of(pid, ctrl):
    """PID's cgroup in the hierarchy of controller CTRL ("" for cgroup2)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if (ctrl == "" and ctrls == "") or ctrl in ctrls.split(","):
            return path
    return None


def memory_cgroup_of(pid):
    return cgroup_of(pid, "" if IS_V2 else "memory")


def hierarchy_roots():
    if IS_V2:
        return [CGROUP_ROOT]
    return [p for p in CGROUP_ROOT.iterdir() if p.is_dir() and not p.is_symlink()]


def remove_tree(top):
    """rmdir, deepest first, every directory named `top` under each hierarchy root
    (and below our own cgroup, for relative paths): only what the test named."""
    for root in hierarchy_roots():
        for base in {root, *[root / p.lstrip("/") for p in own_cgroups()]}:
            d = base / top
            if not d.is_dir():
                continue
            for sub in sorted((p for p in d.rglob("*") if p.is_dir()),
                              key=lambda p: len(p.parts), reverse=True):
                sub.rmdir()
            d.rmdir()


def own_cgroups():
    return [l.split(":", 2)[2] for l in Path("/proc/self/cgroup").read_text().splitlines()]


def exists_anywhere(top):
    return [str(r / top) for r in hierarchy_roots() if (r / top).exists()]


@pytest.fixture
def unique():
    """A unique top-level cgroup name, every directory of it removed after the test."""
    name = "barco-cgtest-" + secrets.token_hex(4)
    yield name
    remove_tree(name)


def with_path(b, path, args=("sleep", "60")):
    # No cgroup namespace (runc's spec has none; crun's and barco's have one): inside
    # one, /proc/self/cgroup shows "/" for the container's own cgroup, not its path.
    b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"]
                                       if n["type"] != "cgroup"]
    b.config["linux"]["cgroupsPath"] = path
    b.config["linux"].setdefault("resources", {})["memory"] = {"limit": LIMIT}
    b.args(*args)
    return b.save()


def test_absolute_path_holds_the_container(rt, bundle, ids, unique):
    """An absolute cgroupsPath: /proc/PID/cgroup shows it, the memory limit is in its
    directory; exec joins it; pause, update, ps and kill --all find it; delete removes
    the leaf, and barco the parents it made too."""
    cid = ids()
    path = f"/{unique}/sub/{cid}"
    b = with_path(bundle(), path)
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    assert memory_cgroup_of(pid) == path
    assert memory_limit(path) == LIMIT
    if not IS_V2:
        assert cgroup_of(pid, "pids") == path and cgroup_of(pid, "freezer") == path
    rt.ok("start", cid)
    r = rt.ok("exec", cid, "cat", "/proc/self/cgroup")
    mem = [l for l in text(r.stdout).splitlines()
           if (l.startswith("0::") if IS_V2 else ":memory:" in l)]
    assert mem and mem[0].endswith(":" + path), text(r.stdout)
    rt.ok("pause", cid)
    assert rt.status(cid) == "paused"
    rt.ok("resume", cid)
    res = b.path / "res.json"
    res.write_text(json.dumps({"memory": {"limit": 2 * LIMIT}}))
    rt.ok("update", "--resources", res, cid)
    assert memory_limit(path) == 2 * LIMIT
    assert pid in json.loads(rt.ok("ps", "--format", "json", cid).stdout)
    rt.ok("kill", "--all", cid, "KILL")
    reap(pid)
    assert wait_for(lambda: rt.status(cid) == "stopped")
    rt.ok("delete", cid)
    assert not memory_dir(path).exists()
    assert_nothing_left(rt, cid)
    if rt.name == "barco":
        assert exists_anywhere(unique) == [], "barco left the parents it made"


def test_existing_parent_is_kept(rt, bundle, ids, unique):
    """A parent that was there before create stays after delete."""
    parent = memory_dir(f"/{unique}")
    parent.mkdir()
    cid = ids()
    b = with_path(bundle(), f"/{unique}/{cid}")
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    assert memory_cgroup_of(pid) == f"/{unique}/{cid}"
    rt.ok("delete", "--force", cid)
    reap(pid)
    assert parent.is_dir() and not (parent / cid).exists()


def test_relative_path_is_below_the_callers_cgroup(rt, bundle, ids, unique):
    """A relative cgroupsPath starts at the runtime's own cgroup (v1; on v2 its parent)."""
    cid = ids()
    b = with_path(bundle(), f"{unique}/{cid}")
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    own = memory_cgroup_of(os.getpid())
    if IS_V2:
        own = os.path.dirname(own)
    assert memory_cgroup_of(pid) == os.path.join(own, unique, cid)
    assert memory_limit(memory_cgroup_of(pid)) == LIMIT
    rt.ok("delete", "--force", cid)
    reap(pid)
    assert_nothing_left(rt, cid)


def test_systemd_form_is_placed_as_systemd_would(rt, bundle, ids, unique):
    """--systemd-cgroup with "slice:prefix:name": runc asks systemd (absent here);
    barco makes ROOT/<slice, a-b.slice nested>/prefix-name.scope with cgroupfs."""
    if rt.name != "barco":
        pytest.skip(f"{rt.name} needs a running systemd for --systemd-cgroup")
    top = unique.replace("-", "")  # one slice level: "barcocgtestXXXX.slice"
    cid = ids()
    b = with_path(bundle(), f"{top}-inner.slice:pfx:{cid}")
    r = rt.run("--systemd-cgroup", "create", "--bundle", b.path, "--pid-file", b.pid_file, cid)
    assert r.returncode == 0, text(r.stderr)
    pid = read_pid_file(b.pid_file)
    try:
        want = f"/{top}.slice/{top}-inner.slice/pfx-{cid}.scope"
        assert memory_cgroup_of(pid) == want
        assert memory_limit(want) == LIMIT
    finally:
        rt.run("delete", "--force", cid)
        reap(pid)
    assert exists_anywhere(f"{top}.slice") == []


@pytest.mark.parametrize("path", ["/a/../../escape", "rel/../../../escape", "/", "/x/./y"])
def test_paths_leaving_the_root_are_refused(rt, bundle, ids, path):
    """"..", "." or the root itself: barco refuses the bundle naming
    linux.cgroupsPath, leaving nothing (runc cleans such a path and goes on)."""
    if rt.name == "runc":
        pytest.skip("runc 1.1.5 cleans the path (filepath.Clean) instead of refusing it")
    # Not run with crun: crun 1.8.1 takes "/" as the root cgroup itself, and
    # before failing (no memory.max there) attaches its device program to it,
    # which then denies every other device on the machine (in the VM, PID 1
    # could no longer open /dev/port); the other paths fail on a file beside
    # them, not as a refusal of the path. This is barco's refusal only.
    if rt.name != "barco":
        pytest.skip(f"barco's own refusal; {rt.name} 1.8.1 would use \"/\", the root cgroup")
    cid = ids()
    b = with_path(bundle(), path)
    r, _ = create(rt, b, cid, expect_ok=False)
    err = text(r.stderr).strip()
    assert r.returncode == 1 and "config.json: linux.cgroupsPath: " in err, err
    assert len(err.splitlines()) == 1, err
    assert_nothing_left(rt, cid)
