"""barco step --diff: after each stage, what changed for the container process.

Every stage is stepped with --diff and the change it is there to make must
be in its diff (and nothing a later stage makes must show up early); the
text form, the JSON form, resuming with `barco step NAME --diff` and -i.
"""

import os
import re

from conftest import (DEFAULT_CAPS, EXIT_BARCO, MAPPED_ROOT, STAGES, assert_nothing_left,
                      one_barco_error, parse_json_lines, pid_of)
from test_step import run_on_pty

CHANGE_KEYS = {"what", "from", "to", "detail"}
DIFF_KEYS = {"type", "container", "stage", "pid", "from_pid", "from", "changes"}
CHANGED_NS = ["mnt", "uts", "ipc", "net", "pid", "cgroup"]


def diffs_by_stage(stdout):
    objs = parse_json_lines(stdout)
    diffs = [o for o in objs if o["type"] == "diff"]
    stages = [o for o in objs if o["type"] == "stage"]
    # Each stage's report is followed by its diff, in order.
    types = [o["type"] for o in objs if o["type"] in ("stage", "diff")]
    assert types == ["stage", "diff"] * len(stages), types
    return {d["stage"]: d for d in diffs}, {s["stage"]: s for s in stages}


def changes(diff):
    return {c["what"]: c for c in diff["changes"]}


def mount_description(path):
    """How barco's diff names the mount PATH is on, as this process sees it:
    "ROOT on SOURCE (FSTYPE)", ROOT being the path inside the filesystem
    (mountinfo's fourth field), which is PATH itself only when PATH is on a
    filesystem mounted whole at / (not in a pivoted root or on a tmpfs)."""
    path = os.path.realpath(path)
    best = None
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            point = fields[4]
            if path == point or path.startswith(point.rstrip("/") + "/"):
                if best is None or len(point) >= len(best[1]):
                    best = (fields[3], point, fields[dash + 2], fields[dash + 1])
    root, point, source, fstype = best
    inside = os.path.normpath(os.path.join(root, os.path.relpath(path, point)))
    return f"{inside} on {source} ({fstype})"


def cap_names_removed(detail):
    return set(re.findall(r"-(CAP_\w+)", detail))


def test_json_diff_of_every_stage_shows_what_that_stage_changed(barco, names):
    name = names()
    r = barco.create(name, "seccomp", opts=("--diff", "--hostname", "diffhost"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    diffs, stages = diffs_by_stage(r.stdout)
    assert list(diffs) == STAGES[:-1]

    cg = diffs["cgroups"]
    assert cg["changes"] == [] and "no container process yet" in cg["note"]

    for stage in STAGES[1:-1]:
        d = diffs[stage]
        assert set(d) == DIFF_KEYS, d
        assert d["container"] == name and d["pid"] == stages[stage]["pid"]
        assert all(set(c) == CHANGE_KEYS for c in d["changes"]), d

    # userns: compared with the runner (its parent); new user ns, host sees the mapped ids.
    u = diffs["userns"]
    assert u["from"] == "runner" and u["from_pid"] != u["pid"]
    uc = changes(u)
    assert "ns/user" in uc
    assert not [w for w in uc if w.startswith("ns/") and w != "ns/user"], uc
    assert uc["Uid"]["to"].split() == [str(MAPPED_ROOT)] * 4
    assert uc["Gid"]["to"].split() == [str(MAPPED_ROOT)] * 4
    assert uc["cgroup 0:"]["to"].endswith(f"/barco/{name}")

    # namespaces: pid 1 is forked, so two processes are compared.
    n = diffs["namespaces"]
    assert n["from"] == "container" and n["from_pid"] == u["pid"] and n["pid"] != u["pid"]
    nc = changes(n)
    for ns in CHANGED_NS:
        assert f"ns/{ns}" in nc, f"ns/{ns} did not change: {sorted(nc)}"
    assert "ns/user" not in nc
    assert nc["NSpid"]["to"] == f"{n['pid']} 1"
    assert "mounts" not in nc, "a copied mount namespace is not mounts added or removed"

    h = changes(diffs["hostname"])
    assert h["hostname"]["from"] == os.uname().nodename and h["hostname"]["to"] == "diffhost"
    assert list(h) == ["hostname"]

    m = changes(diffs["mounts"])
    assert re.fullmatch(r"\+\d+ mounts, -\d+ mounts", m["mounts"]["detail"])
    assert m["root"]["from"] == mount_description("/")
    assert m["root"]["to"] == mount_description(barco.rootfs)
    assert not [w for w in m if w.startswith(("Cap", "ns/", "Seccomp"))], m

    c = changes(diffs["caps"])
    assert c["CapBnd"]["to"] == DEFAULT_CAPS and c["CapEff"]["to"] == DEFAULT_CAPS
    removed = cap_names_removed(c["CapBnd"]["detail"])
    assert {"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_PTRACE"} <= removed
    assert "CAP_CHOWN" not in removed
    assert c["CapBnd"]["detail"].endswith("-> 14)")
    assert "Seccomp" not in c

    s = changes(diffs["seccomp"])
    assert (s["Seccomp"]["from"], s["Seccomp"]["to"]) == ("0", "2")
    assert (s["NoNewPrivs"]["from"], s["NoNewPrivs"]["to"]) == ("0", "1")
    assert not [w for w in s if w.startswith("Cap")], s


def test_text_diff_when_resuming_by_name_compares_the_paused_process(barco, names):
    name = names()
    r = barco.create(name, "userns", "/bin/sh", "-c", "echo diff-ran; exit 6",
                     opts=("--diff",), json_out=False)
    assert r.returncode == 0, r.stderr
    userns_pid = pid_of(name)
    assert re.search(rf"  diff \(pid {userns_pid} against its parent, the runner, pid \d+\):\n"
                     r"    ns: new user ", r.stdout), r.stdout
    assert f"    Uid: 0 0 0 0 -> {MAPPED_ROOT} {MAPPED_ROOT}" in r.stdout

    # Through caps in one call: one stage per request, one "paused" at the end.
    r = barco.run("step", name, "--until=caps", "--diff")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    pid = pid_of(name)
    assert re.findall(r"== stage \d/9: (\w+)", out) == ["namespaces", "hostname", "mounts",
                                                        "network", "caps"]
    assert out.count("\npaused ") == 1 and f"paused {name} after caps (pid {pid})" in out
    assert (f"  diff (the container process is now pid {pid}; against pid {userns_pid}, "
            "the container process before this stage):") in out
    ns_line = re.search(r"    ns: new (.*) \(new inodes", out).group(1).split()
    assert set(CHANGED_NS) <= set(ns_line) and "user" not in ns_line
    assert f"    hostname: {os.uname().nodename} -> {name}\n" in out
    assert re.search(r"    mounts: \+\d+ mounts, -\d+ mounts \(\d+ -> \d+\)\n", out), out
    assert f" -> {mount_description(barco.rootfs)}\n" in out
    assert re.search(r"    CapPrm CapEff CapBnd: (-CAP_\w+ )+\(\d+ -> 14\)\n", out), out

    # Resuming without --diff prints none; the command still runs.
    r = barco.run("step", name, "--until=exec")
    assert r.returncode == 6, r.stderr
    assert "  diff" not in r.stdout and "diff-ran" in r.stdout
    assert_nothing_left(name, str(barco.scratch))


def test_interactive_diff_after_every_stage(barco, names):
    name = names()
    status, out = run_on_pty(barco, ["step", "-i", "--diff", "--rootfs", barco.rootfs,
                                     "--name", name, "--", "/bin/true"],
                             lambda n, out, pid: b"\n")
    assert status == 0, out
    assert "  diff: no container process yet" in out
    assert re.search(r"  diff \(pid \d+ against its parent, the runner, pid \d+\):", out), out
    assert "    Seccomp: 0 -> 2" in out and "    NoNewPrivs: 0 -> 1" in out
    # A diff after each stage: the cgroups note, then one header per later stage.
    assert len(re.findall(r"\n  diff[ :]", out)) == len(STAGES), out
    assert_nothing_left(name, str(barco.scratch), grace=1.0)


def test_diff_is_an_option_of_step_only(barco):
    r = barco.run("run", "--diff", "--rootfs", barco.rootfs, "--", "/bin/true")
    assert r.returncode == EXIT_BARCO
    assert "--diff" in one_barco_error(r.stderr)
