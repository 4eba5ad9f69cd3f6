"""`exec` as conmon (`podman exec`) and containerd's shim (`ctr task exec`) call it.

Same rules as test_contract.py: each test runs against every runtime in
OCI_RUNTIMES (runc the reference), this process is a child subreaper, stdio
goes to files. See FACTS.md "exec".
"""

import json
import os
import re
import signal

import pytest

from ocihelp import (MAPPED_ROOT, children_of, console_listener, create, is_alive, proc_stat,
                     read_pid_file, reap, says_unknown_id, start_ready, text, wait_for,
                     wait_status)
from test_contract import read_until_closed

SLEEPER = "echo ready; while :; do sleep 0.05; done"


def running(rt, b, ids):
    """A started container that runs until killed; (id, init pid)."""
    cid = ids()
    return cid, start_ready(rt, b, cid, SLEEPER)[1]


def write_process(b, name="process.json", **over):
    """A process.json: the bundle's process with OVER's keys replaced."""
    p = json.loads(json.dumps(b.config["process"]))
    p.update(over)
    path = b.path / name
    path.write_text(json.dumps(p))
    return path


def run_exec(rt, cid, *args, out, opts=(), **kw):
    """`RT exec OPTS ID ARGS`, stdout to OUT."""
    with open(out, "wb") as o:
        return rt.run("exec", *opts, cid, *args, stdout=o, **kw)


def ns_of(pid):
    return {n: os.readlink(f"/proc/{pid}/ns/{n}")
            for n in ("mnt", "pid", "net", "ipc", "uts", "cgroup", "user")}


def status_line(pid, key):
    return [l.split(":", 1)[1].split() for l in open(f"/proc/{pid}/status")
            if l.startswith(key + ":")][0]


def test_exec_args_waits_and_returns_status(rt, bundle, ids):
    """Without --detach exec waits and exits with the process's status."""
    cid, _ = running(rt, bundle(), ids)
    out = rt.root.parent / f"{cid}.exec.out"
    r = run_exec(rt, cid, "sh", "-c", "echo in-container; exit 7", out=out)
    assert r.returncode == 7, text(r.stderr)
    assert out.read_bytes() == b"in-container\n"
    r = run_exec(rt, cid, "sh", "-c", "kill -9 $$", out=out)
    assert r.returncode == 128 + signal.SIGKILL


def test_exec_process_file_applies_the_process(rt, bundle, ids):
    """process.json: args, env exactly, cwd, uid/gid; the container's seccomp
    choice and no_new_privs; every namespace and cgroup of the init."""
    b = bundle()
    cid, init = running(rt, b, ids)
    proc = write_process(b, args=["sh", "-c", "id -u; id -g; pwd; echo $FOO; "
                                  "grep NoNewPrivs /proc/self/status; exit 4"],
                         env=["PATH=/bin", "FOO=bar"], cwd="/tmp",
                         user={"uid": 1000, "gid": 1000}, noNewPrivileges=True,
                         capabilities={})
    out = b.path / "exec.out"
    r = run_exec(rt, cid, out=out, opts=["--process", proc])
    assert r.returncode == 4, text(r.stderr)
    lines = out.read_text().split("\n")
    assert lines[:4] == ["1000", "1000", "/tmp", "bar"], lines
    assert lines[4].split() == ["NoNewPrivs:", "1"], lines


def test_exec_detach_pid_file_and_process_model(rt, bundle, ids):
    """--detach: the pid file holds the host pid (digits only); the process is
    re-parented to us (the subreaper), no other child is left; it is in every
    namespace and cgroup of the init; stdio passed through; kill --all reaches it."""
    b = bundle()
    cid, init = running(rt, b, ids)
    pid_file = b.path / "exec.pid"
    out = b.path / "exec.out"
    proc = write_process(b, args=["sh", "-c", "echo started; exec sleep 60"])
    r = run_exec(rt, cid, out=out, opts=["--process", proc, "--detach", "--pid-file", pid_file])
    assert r.returncode == 0, text(r.stderr)
    raw = pid_file.read_bytes()
    assert re.fullmatch(rb"[0-9]+", raw), f"pid file {raw!r}"
    pid = int(raw)
    st = proc_stat(pid)
    assert st is not None and st[1] == os.getpid(), f"exec'd {pid} has parent {st}"
    assert sorted(children_of(os.getpid())) == sorted([init, pid]), "exec left another child"
    assert ns_of(pid) == ns_of(init)
    assert open(f"/proc/{pid}/cgroup").read() == open(f"/proc/{init}/cgroup").read()
    assert os.readlink(f"/proc/{pid}/fd/1") == str(out)
    assert wait_for(lambda: out.read_bytes() == b"started\n")
    rt.ok("kill", "--all", cid, "KILL")
    assert reap(pid) == -signal.SIGKILL
    assert reap(init) == -signal.SIGKILL


def test_exec_caps_from_the_container_when_not_given(rt, bundle, ids):
    """A process.json without "capabilities" gets the container's bounding set."""
    b = bundle()
    cid, init = running(rt, b, ids)
    p = json.loads(json.dumps(b.config["process"]))
    p.pop("capabilities", None)
    p["args"] = ["sh", "-c", "grep CapBnd /proc/self/status"]
    proc = b.path / "nocaps.json"
    proc.write_text(json.dumps(p))
    out = b.path / "exec.out"
    assert run_exec(rt, cid, out=out, opts=["--process", proc]).returncode == 0
    assert out.read_text().split()[1] == status_line(init, "CapBnd")[0]


def test_exec_in_user_namespace(rt, bundle, ids):
    """The user namespace is entered first: container root is host uid 100000."""
    b = bundle().user_namespace()
    cid, init = running(rt, b, ids)
    pid_file = b.path / "exec.pid"
    out = b.path / "exec.out"
    r = run_exec(rt, cid, "sleep", "30", out=out, opts=["--detach", "--pid-file", pid_file])
    assert r.returncode == 0, text(r.stderr)
    pid = read_pid_file(pid_file)
    assert status_line(pid, "Uid") == [str(MAPPED_ROOT)] * 4
    assert ns_of(pid) == ns_of(init)
    os.kill(pid, signal.SIGKILL)
    assert reap(pid) == -signal.SIGKILL


@pytest.mark.parametrize("name,want", [("no-such-command", "executable file not found in $PATH"),
                                       ("/bin/noexec", "permission denied")])
@pytest.mark.parametrize("detach", [False, True])
def test_exec_bad_command(rt, bundle, ids, name, want, detach):
    """runc exits 255 with the words podman maps to 127/126; nothing keeps running."""
    b = bundle()
    cid, init = running(rt, b, ids)
    out = b.path / "exec.out"
    before = set(children_of(os.getpid()))
    r = run_exec(rt, cid, name, out=out, opts=["--detach"] if detach else [])
    assert r.returncode == 255, f"exit {r.returncode}: {text(r.stderr)}"
    assert want in text(r.stderr).lower() or want in text(r.stderr), text(r.stderr)
    assert set(children_of(os.getpid())) == before
    assert is_alive(init) and rt.status(cid) == "running"


def test_exec_on_created_and_stopped(rt, bundle, ids):
    """A created container takes exec (runc's); a stopped one refuses it, 255."""
    b = bundle().args("sh", "-c", "exit 0")
    cid = ids()
    create(rt, b, cid)
    out = b.path / "exec.out"
    r = run_exec(rt, cid, "echo", "hi", out=out)
    assert r.returncode == 0 and out.read_bytes() == b"hi\n", text(r.stderr)
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    assert reap(pid) == 0
    wait_status(rt, cid, "stopped")
    r = run_exec(rt, cid, "true", out=out)
    assert r.returncode == 255 and "stopped" in text(r.stderr), text(r.stderr)


def test_exec_unknown_id(rt):
    r = rt.run("exec", "oci-unknown-exec", "true")
    # runc's exec exits 255 when it cannot run the process; crun 1.8.1 exits 1.
    assert r.returncode == (1 if rt.name == "crun" else 255), text(r.stderr)
    assert says_unknown_id(rt, text(r.stderr)), text(r.stderr)


def test_exec_console_socket(rt, bundle, ids, tmp_path):
    """--tty --console-socket: a pty of the container, its master sent as create does."""
    b = bundle()
    cid, _ = running(rt, b, ids)
    proc = write_process(b, terminal=True,
                         args=["sh", "-c", "tty; test -t 0 && echo stdin-tty; exit 3"])
    path = tmp_path / "exec-console.sock"
    pid_file = b.path / "exec.pid"
    with console_listener(path) as got:
        r = run_exec(rt, cid, out=b.path / "exec.out",
                     opts=["--process", proc, "--tty", "--console-socket", path, "--detach",
                           "--pid-file", pid_file])
    assert r.returncode == 0, text(r.stderr)
    assert "error" not in got and got.get("msg") and len(got["fds"]) == 1, got
    master = got["fds"][0]
    try:
        data = read_until_closed(master)
        assert reap(read_pid_file(pid_file)) == 3
    finally:
        os.close(master)
    lines = data.decode(errors="replace").replace("\r", "").split("\n")
    assert lines[0].startswith("/dev/pts/"), lines
    assert "stdin-tty" in lines, lines


def test_exec_usage_errors(rt, bundle, ids):
    """A bad option or no id exits 1 (runc's usage errors); nothing runs."""
    cid, _ = running(rt, bundle(), ids)
    before = set(children_of(os.getpid()))
    for argv in (["exec", "--no-such-flag", cid, "true"], ["exec"], ["exec", "--pid-file"]):
        r = rt.run(*argv)
        assert r.returncode == 1, f"{argv}: exit {r.returncode}: {text(r.stderr)}"
        assert text(r.stderr).strip(), f"{argv}: no error message"
    assert set(children_of(os.getpid())) == before
    assert rt.status(cid) == "running"


@pytest.mark.parametrize("content", ["{not json", '{"args": "sh", "cwd": "/"}',
                                     '{"cwd": "/", "env": []}'])
def test_exec_bad_process_file(rt, bundle, ids, content):
    """A malformed process.json, or one without args, fails (255) before
    anything runs; the container keeps running."""
    b = bundle()
    cid, _ = running(rt, b, ids)
    proc = b.path / "bad-process.json"
    proc.write_text(content)
    before = set(children_of(os.getpid()))
    r = run_exec(rt, cid, out=b.path / "exec.out", opts=["--process", proc])
    assert r.returncode == 255, f"exit {r.returncode}: {text(r.stderr)}"
    assert len(text(r.stderr).strip().splitlines()) >= 1
    assert set(children_of(os.getpid())) == before
    assert rt.status(cid) == "running"


def test_exec_flags_and_double_dash(rt, bundle, ids):
    """`exec --cwd D --env K=V --user U:G -- ID CMD`: the flags replace the
    container's process fields; `--` ends the options. After the id every word
    is the command, `--` included (runc 1.1.5 runs "--": FACTS.md)."""
    b = bundle()
    cid, _ = running(rt, b, ids)
    out = b.path / "exec.out"
    r = run_exec(rt, cid, "sh", "-c", "id -u; id -g; pwd; echo $FOO", out=out,
                 opts=["--cwd", "/tmp", "--env", "FOO=bar", "--user", "1000:1001", "--"])
    assert r.returncode == 0, text(r.stderr)
    assert out.read_text().split("\n")[:4] == ["1000", "1001", "/tmp", "bar"]
    r = run_exec(rt, cid, "--", "true", out=out)
    assert r.returncode == 255 and "executable file not found" in text(r.stderr), text(r.stderr)
