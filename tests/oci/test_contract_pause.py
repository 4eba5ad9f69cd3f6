"""`pause` and `resume` as podman and containerd's shim call them.

Same rules as test_contract.py: each test runs against every runtime in
OCI_RUNTIMES (runc the reference). What runc 1.1.5 answers is in FACTS.md
"pause and resume".
"""

import os
import signal
import time

from ocihelp import (children_of, create, read_pid_file, reap, says_unknown_id, start_ready, text,
                     wait_for, assert_nothing_left)

# Prints a growing counter: while paused the output must stop growing.
TICKER = "echo ready; i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done"


def grows(out):
    """Whether OUT grows within a few seconds (a loaded host may be slow)."""
    before = out.stat().st_size
    return wait_for(lambda: out.stat().st_size > before, 5)


def stays(out, seconds=0.5):
    """Whether OUT stays the same size for SECONDS (the ticker writes every 20 ms)."""
    before = out.stat().st_size
    time.sleep(seconds)
    return out.stat().st_size == before


def test_pause_freezes_and_resume_thaws(rt, bundle, ids):
    """pause: state "paused", nothing of the container runs (its output stops
    growing); exec is refused (255); resume: "running", the output grows again."""
    b = bundle()
    cid = ids()
    out, init = start_ready(rt, b, cid, TICKER)
    assert grows(out)
    rt.ok("pause", cid)
    assert rt.status(cid) == "paused"
    assert stays(out), "the container ran while paused"
    r = rt.run("exec", cid, "true")
    assert r.returncode == 255 and "paused" in text(r.stderr), text(r.stderr)
    rt.ok("resume", cid)
    assert rt.status(cid) == "running"
    assert grows(out), "the container did not go on after resume"


def test_pause_created_resumes_to_created(rt, bundle, ids):
    """A created container can be paused; resume gives it back as created, and start works."""
    b = bundle().args("sh", "-c", "exit 5")
    cid = ids()
    create(rt, b, cid)
    rt.ok("pause", cid)
    assert rt.status(cid) == "paused"
    r = rt.run("start", cid)
    assert r.returncode == 1 and "paused" in text(r.stderr), text(r.stderr)
    rt.ok("resume", cid)
    assert rt.status(cid) == "created"
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    assert reap(pid) == 5


def test_pause_resume_refusals(rt, bundle, ids):
    """runc's refusals, each exit 1 with its words and the container untouched:
    pause twice ("not running"), resume of a running one ("not paused"),
    delete without --force ("paused"), an unknown id, no id."""
    b = bundle()
    cid = ids()
    start_ready(rt, b, cid, TICKER)
    r = rt.run("resume", cid)
    assert r.returncode == 1 and "not paused" in text(r.stderr), text(r.stderr)
    rt.ok("pause", cid)
    r = rt.run("pause", cid)
    assert r.returncode == 1 and "not running" in text(r.stderr), text(r.stderr)
    r = rt.run("delete", cid)
    assert r.returncode == 1 and "paused" in text(r.stderr), text(r.stderr)
    assert rt.status(cid) == "paused"
    for verb in ("pause", "resume"):
        r = rt.run(verb, "oci-no-such-container")
        assert r.returncode == 1 and says_unknown_id(rt, text(r.stderr)), text(r.stderr)
        r = rt.run(verb)
        assert r.returncode == 1 and text(r.stderr).strip(), f"{verb} without id"
    rt.ok("resume", cid)


def test_kill_and_delete_force_while_paused(rt, bundle, ids):
    """A paused container takes kill (the signal waits for the thaw) and
    delete --force, which leaves nothing behind: no process, no cgroup."""
    b = bundle()
    cid = ids()
    _, init = start_ready(rt, b, cid, TICKER)
    rt.ok("pause", cid)
    rt.ok("kill", cid, "KILL")
    rt.ok("delete", "--force", cid)
    assert reap(init) == -signal.SIGKILL
    assert_nothing_left(rt, cid, [init])


def test_exec_process_joins_the_freezer(rt, bundle, ids):
    """A process exec'd before pause is frozen with the init: it is in the
    container's cgroups, freezer included."""
    b = bundle()
    cid = ids()
    start_ready(rt, b, cid, "echo ready; exec sleep 1000")
    pid_file = b.path / "exec.pid"
    out = b.path / "exec.out"
    with open(out, "wb") as o:
        r = rt.run("exec", "--detach", "--pid-file", pid_file, cid, "sh", "-c",
                   "while :; do echo x; sleep 0.02; done", stdout=o)
    assert r.returncode == 0, text(r.stderr)
    pid = read_pid_file(pid_file)
    assert wait_for(lambda: out.stat().st_size > 0)
    rt.ok("pause", cid)
    assert stays(out), "the exec'd process ran while paused"
    rt.ok("resume", cid)
    assert grows(out)
    os.kill(pid, signal.SIGKILL)
    assert reap(pid) == -signal.SIGKILL
    assert pid not in children_of(os.getpid())
