"""`update` as podman (`--resources FILE`) and containerd's shim (`--resources -`)
call it, and linux.resources at create.

Same rules as test_contract.py: each test runs against every runtime in
OCI_RUNTIMES (runc the reference). The limits are read on the host, in the
cgroups /proc/PID/cgroup names for the container's init. What runc 1.1.5
answers is in FACTS.md "update".
"""

import json
import signal
from pathlib import Path

import pytest

from ocihelp import CGROUP_ROOT, create, read_pid_file, reap, says_unknown_id, start_ready, text

SLEEPER = "echo ready; while :; do sleep 0.05; done"
# What cgroup v1 shows for "no memory limit" (PAGE_COUNTER_MAX pages of 4 KiB).
V1_NO_MEMORY_LIMIT = "9223372036854771712"


def cgroup_file(pid, controller, name):
    """The host path of NAME in PID's cgroup for CONTROLLER (v1), else in its cgroup2."""
    unified = None
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            return CGROUP_ROOT / ctrls / path.lstrip("/") / name
        if ctrls == "":
            unified = path
    return None if unified is None else CGROUP_ROOT / unified.lstrip("/") / name


def limits(pid):
    """{memory, pids, cpu_shares} of PID's cgroups; "max" for no limit; cpu_shares None on v2."""
    mem = cgroup_file(pid, "memory", "memory.limit_in_bytes")
    if mem and mem.exists():
        m = mem.read_text().strip()
        m = "max" if m == V1_NO_MEMORY_LIMIT else m
    else:
        m = cgroup_file(pid, "memory", "memory.max").read_text().strip()
    shares = cgroup_file(pid, "cpu", "cpu.shares")
    return {"memory": m,
            "pids": cgroup_file(pid, "pids", "pids.max").read_text().strip(),
            "cpu_shares": shares.read_text().strip() if shares and shares.exists() else None}


def running(rt, b, ids):
    cid = ids()
    return cid, start_ready(rt, b, cid, SLEEPER)[1]


def update(rt, cid, doc, tmp_path, *extra):
    f = tmp_path / "resources.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return rt.run("update", "--resources", f, *extra, cid)


def test_linux_resources_at_create(rt, bundle, ids):
    """linux.resources in config.json: memory.limit, pids.limit, cpu.shares."""
    b = bundle()
    b.config.setdefault("linux", {})["resources"] = {
        "memory": {"limit": 64 << 20}, "pids": {"limit": 17}, "cpu": {"shares": 512}}
    b.save()
    _, init = running(rt, b, ids)
    got = limits(init)
    assert got["memory"] == str(64 << 20) and got["pids"] == "17", got
    assert got["cpu_shares"] in (None, "512"), got


def test_update_resources_file(rt, bundle, ids, tmp_path):
    """Values are written; memory goes up and down; -1 lifts memory and pids;
    what the document leaves out (or pids 0) stays as it was."""
    cid, init = running(rt, bundle(), ids)
    doc = {"memory": {"limit": 64 << 20}, "pids": {"limit": 17}, "cpu": {"shares": 512}}
    r = update(rt, cid, doc, tmp_path)
    assert r.returncode == 0, text(r.stderr)
    got = limits(init)
    assert got["memory"] == str(64 << 20) and got["pids"] == "17", got
    assert got["cpu_shares"] in (None, "512"), got
    for mem in (128 << 20, 32 << 20):
        r = update(rt, cid, {"memory": {"limit": mem}}, tmp_path)
        assert r.returncode == 0, text(r.stderr)
        assert limits(init)["memory"] == str(mem) and limits(init)["pids"] == "17"
    r = update(rt, cid, {"pids": {"limit": 0}}, tmp_path)
    assert r.returncode == 0 and limits(init)["pids"] == "17", text(r.stderr)
    r = update(rt, cid, {"memory": {"limit": -1}, "pids": {"limit": -1}}, tmp_path)
    assert r.returncode == 0, text(r.stderr)
    assert limits(init)["memory"] == "max" and limits(init)["pids"] == "max", limits(init)


def test_update_from_stdin_and_flags(rt, bundle, ids, tmp_path):
    """`--resources -` reads stdin (containerd's shim); --memory and --pids-limit."""
    cid, init = running(rt, bundle(), ids)
    f = tmp_path / "stdin.json"
    f.write_text(json.dumps({"pids": {"limit": 33}}))
    with open(f) as stdin:
        r = rt.run("update", "--resources", "-", cid, stdin=stdin)
    assert r.returncode == 0, text(r.stderr)
    assert limits(init)["pids"] == "33"
    r = rt.run("update", "--memory", "50m", "--pids-limit", "20", cid)
    assert r.returncode == 0, text(r.stderr)
    assert limits(init)["memory"] == str(50 << 20) and limits(init)["pids"] == "20"


@pytest.mark.parametrize("doc", ["{bad", "[]", '{"memory": {"limit": "x"}}',
                                 '{"memory": {"limit": -5}}'])
def test_update_bad_input_changes_nothing(rt, bundle, ids, tmp_path, doc):
    """Malformed or impossible resources: exit 1, one error, the limits unchanged."""
    cid, init = running(rt, bundle(), ids)
    assert update(rt, cid, {"pids": {"limit": 40}}, tmp_path).returncode == 0
    before = limits(init)
    r = update(rt, cid, doc, tmp_path)
    assert r.returncode == 1, f"exit {r.returncode}: {text(r.stderr)}"
    assert text(r.stderr).strip()
    assert limits(init) == before


def test_update_refusals(rt, bundle, ids, tmp_path):
    """Unknown id, no id, a missing file, a stopped container: exit 1. A paused one takes it."""
    b = bundle()
    cid, init = running(rt, b, ids)
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"pids": {"limit": 21}}))
    r = rt.run("update", "--resources", f, "oci-no-such-container")
    assert r.returncode == 1 and says_unknown_id(rt, text(r.stderr)), text(r.stderr)
    r = rt.run("update", "--resources", f)
    assert r.returncode == 1
    r = rt.run("update", "--resources", tmp_path / "missing.json", cid)
    assert r.returncode == 1 and "no such file" in text(r.stderr).lower(), text(r.stderr)
    rt.ok("pause", cid)
    assert rt.run("update", "--resources", f, cid).returncode == 0
    assert limits(init)["pids"] == "21"
    rt.ok("resume", cid)
    rt.ok("kill", cid, "KILL")
    assert reap(init) == -signal.SIGKILL
    r = rt.run("update", "--resources", f, cid)
    assert r.returncode == 1 and "not running" in text(r.stderr), text(r.stderr)


def test_limits_seen_inside_through_the_cgroup_mount(rt, bundle, ids):
    """The spec's "cgroup" mount shows the container its own limits where
    programs look (runc on a hybrid host: a tmpfs with one bind per
    hierarchy; cgroup v2: memory.max), read-only; update shows through."""
    b = bundle()
    if not any(m.get("type") == "cgroup" for m in b.config["mounts"]):
        # `runc spec` has one; `barco spec` and `crun spec` (where no runc is, as in the
        # VM) may not: the same mount runc's spec gives.
        b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup",
                                   "source": "cgroup",
                                   "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    b.config.setdefault("linux", {})["resources"] = {
        "memory": {"limit": 64 << 20}, "pids": {"limit": 17}}
    script = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
              "cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || "
              "cat /sys/fs/cgroup/pids.max; mkdir /sys/fs/cgroup/x 2>/dev/null; echo mkdir=$?")
    b.args("sh", "-c", script)
    cid = ids()
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    assert reap(pid, timeout=20) == 0, out.read_text()
    assert out.read_text().split() == [str(64 << 20), "17", "mkdir=1"], out.read_text()
