"""SCMP_ACT_NOTIFY and linux.seccomp.listenerPath: the runtime hands the
filter's listener to a seccomp agent (lesson 08's seccomp_agent.py) with the container
process state, during create; the container then sees the agent's answers.
runc 1.1 is the reference: every test here passes against it.
"""

import errno
import os
import platform
import socket
import sys
import time
from pathlib import Path

import pytest

from ocihelp import (assert_create_refused, assert_nothing_left, create, read_pid_file, reap,
                     text)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lessons" / "code"))
from seccomp_agent import NR_MKDIR, NR_MKDIRAT, Agent  # noqa: E402 (the lesson's agent)

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="the agent's structures are x86_64's")

SCRIPT = "mkdir /dev/shm/d; echo mkdir=$?; test -d /dev/shm/d; echo exists=$?"


def profile(listener, metadata="barco-test"):
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": str(listener),
        "listenerMetadata": metadata,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
    }


@pytest.fixture
def agent(scratch):
    made = []

    def start(name, answer_errno=0):
        a = Agent(scratch / name, answer_errno)
        made.append(a)
        return a
    yield start
    for a in made:
        a.close()


def run_with_agent(rt, b, cid):
    """create (the agent has the listener when it returns), start, wait, delete."""
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    err = b.path / f"{cid}.err"
    state = rt.state(cid)
    rt.ok("start", cid)
    assert reap(pid, timeout=20) == 0, text(err.read_bytes())
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)
    return pid, state, out.read_text().split(), text(err.read_bytes())


def check_message(a, rt, b, cid, pid, metadata="barco-test"):
    """One connection, one fd named seccompFd, the state of the init being created."""
    assert len(a.messages) == 1, a.messages
    msg, nfds = a.messages[0]
    assert nfds == 1 and msg["fds"] == ["seccompFd"], msg
    assert msg["pid"] == pid and msg.get("metadata") == metadata, msg
    st = msg["state"]
    assert (st["id"], st["status"], st["pid"]) == (cid, "creating", pid), st
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path), st
    assert msg["ociVersion"].startswith("1.") and st["ociVersion"].startswith("1."), msg


@pytest.mark.parametrize("no_new_privileges", [True, False])
def test_agent_answers_errno(rt, bundle, ids, agent, no_new_privileges):
    """The agent answers ENOMEDIUM: mkdir fails with it and makes nothing.
    noNewPrivileges false loads the filter before capabilities are dropped."""
    a = agent(f"agent-{rt.name}-{no_new_privileges}.sock", errno.ENOMEDIUM)
    b = bundle()
    b.config["process"]["noNewPrivileges"] = no_new_privileges
    b.config["linux"]["seccomp"] = profile(a.path)
    b.args("sh", "-c", SCRIPT)
    cid = ids()
    pid, state, lines, err = run_with_agent(rt, b, cid)
    assert lines == ["mkdir=1", "exists=1"], (lines, err)
    assert "No medium found" in err, err
    assert set(a.calls) <= {NR_MKDIR, NR_MKDIRAT} and a.calls, a.calls
    assert state["status"] == "created"
    check_message(a, rt, b, cid, pid)


def test_agent_answers_success(rt, bundle, ids, agent):
    """The agent answers 0 and does nothing: mkdir succeeds, yet no directory exists."""
    a = agent(f"agent-ok-{rt.name}.sock", 0)
    b = bundle()
    b.config["linux"]["seccomp"] = profile(a.path, metadata="")
    b.args("sh", "-c", SCRIPT)
    cid = ids()
    pid, _, lines, err = run_with_agent(rt, b, cid)
    assert lines == ["mkdir=0", "exists=1"], (lines, err)
    msg, _ = a.messages[0]
    assert msg["pid"] == pid and not msg.get("metadata"), msg


def test_exec_sends_its_own_listener(rt, bundle, ids, agent):
    """A process exec'd into the container loads the profile too: a second connection."""
    a = agent(f"agent-exec-{rt.name}.sock", errno.EXDEV)
    b = bundle()
    b.config["linux"]["seccomp"] = profile(a.path)
    b.args("sleep", "30")
    cid = ids()
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    r = rt.run("exec", cid, "sh", "-c", "mkdir /dev/shm/e; echo mkdir=$?")
    assert r.returncode == 0 and r.stdout.split() == [b"mkdir=1"], (r.stdout, r.stderr)
    assert "Invalid cross-device link" in text(r.stderr), r.stderr
    assert len(a.messages) == 2, a.messages
    st = a.messages[1][0]["state"]
    assert st["id"] == cid and st["pid"] == pid and a.messages[1][0]["pid"] != pid, st
    # The agent gone: exec fails, and the container runs on.
    a.close()
    r = rt.run("exec", cid, "sh", "-c", "echo ran")
    assert r.returncode != 0 and b"ran" not in r.stdout, (r.stdout, r.stderr)
    if rt.name == "barco":
        assert agent_error(a.path).encode() in r.stderr, r.stderr
    assert rt.status(cid) == "running"
    rt.ok("kill", cid, "KILL")
    reap(pid)
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)


def test_notify_without_listener_path_fails_create(rt, bundle, ids):
    b = bundle()
    p = profile("/nowhere")
    del p["listenerPath"]
    b.config["linux"]["seccomp"] = p
    b.save()
    assert_create_refused(rt, b, ids(), "linux.seccomp.listenerPath")


def agent_error(path):
    return f"linux.seccomp.listenerPath: the seccomp agent: connect({path})"


@pytest.mark.parametrize("kind", ["missing", "not-listening"])
def test_absent_agent_fails_create(rt, bundle, ids, scratch, kind):
    """No socket at listenerPath, or one nobody listens on: exit 1, nothing left."""
    path = scratch / f"no-agent-{rt.name}-{kind}.sock"
    sock = None
    if kind == "not-listening":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
    try:
        b = bundle()
        b.config["linux"]["seccomp"] = profile(path)
        b.args("sh", "-c", SCRIPT)
        assert_create_refused(rt, b, ids(), None, barco_words=agent_error(path))
    finally:
        if sock:
            sock.close()
        if path.exists():
            path.unlink()


def test_agent_that_never_accepts_fails_create(rt, bundle, ids, scratch):
    """An agent whose backlog is full (it never accepts): exit 1, nothing left.
    runc 1.1.5 connects without blocking and fails at once (EAGAIN); barco
    gives a busy agent 10 s (SO_SNDTIMEO on connect(2)) before it fails."""
    path = scratch / f"full-agent-{rt.name}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(0)
    queued = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    queued.connect(str(path))  # fills the backlog of 0: the next connect waits
    try:
        b = bundle()
        b.config["linux"]["seccomp"] = profile(path)
        b.args("sh", "-c", SCRIPT)
        start = time.monotonic()
        assert_create_refused(rt, b, ids(), None, barco_words=agent_error(path))
        if rt.name == "barco":
            assert 9 < time.monotonic() - start < 25
    finally:
        queued.close()
        server.close()
        path.unlink()
