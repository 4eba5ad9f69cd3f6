"""The runc command-line contract that conmon and containerd's shim rely on.

No daemon: each test drives the runtime under test (`rt`, from OCI_RUNTIMES)
directly, as an engine would, with bundles from `runc spec` (and `crun spec`,
`barco spec`). runc is the reference: every test here passes against it.
See FACTS.md for the exact behaviour these tests pin down.
"""

import json
import os
import re
import secrets
import select
import signal
import subprocess
import threading
import time

import pytest

from ocihelp import (MAPPED_ROOT, SPEC_SOURCES, Runtime, assert_nothing_left, children_of,
                     console_listener, create, is_alive, proc_stat, read_pid_file, reap,
                     says_unknown_id, start_ready, text, wait_for, wait_status)

# A container that runs until killed and reports the signals it catches.
TRAPPER = ("trap 'echo got TERM; exit 143' TERM; trap 'echo got USR1; exit 138' USR1; "
           "echo ready; while :; do sleep 0.05; done")


def start_and_wait(rt, b, cid):
    """start, then waitpid the init (our child: we are its subreaper): its exit code."""
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    return reap(pid, timeout=20)


def running_trapper(rt, b, ids):
    cid = ids()
    return (cid, *start_ready(rt, b, cid, TRAPPER))


# ---- create -------------------------------------------------------------------

@pytest.mark.parametrize("source", SPEC_SOURCES)
def test_lifecycle_from_each_spec(rt, bundle, ids, source):
    """A bundle from `SOURCE spec` runs: create, state created, start, exit 7, delete."""
    b = bundle(source).args("sh", "-c", "echo hi; exit 7")
    cid = ids()
    _, out = create(rt, b, cid)
    assert rt.status(cid) == "created"
    assert start_and_wait(rt, b, cid) == 7
    assert out.read_bytes() == b"hi\n"
    wait_status(rt, cid, "stopped")
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)


def test_create_pid_file_and_process_model(rt, bundle, ids):
    """Pid file: the init's host pid, digits only; init re-parented to us (the
    subreaper), no other child left; fds 0-2 passed through; nothing on stdout."""
    b = bundle().args("sh", "-c", "echo out; echo err >&2; read line; echo in=$line; exit 3")
    cid = ids()
    stdin = b.path / "stdin"
    stdin.write_bytes(b"hello\n")
    out = b.path / "out"
    err = b.path / "err"
    with open(stdin, "rb") as i, open(out, "wb") as o, open(err, "wb") as e:
        r = rt.run("create", "--bundle", b.path, "--pid-file", b.pid_file, cid,
                   stdin=i, stdout=o, stderr=e)
    assert r.returncode == 0, f"create: {err.read_text()}"
    raw = b.pid_file.read_bytes()
    assert re.fullmatch(rb"[0-9]+", raw), f"pid file {raw!r}: want digits only, no newline"
    pid = int(raw)
    st = proc_stat(pid)
    assert st is not None and st[0] not in "ZX", f"init {pid} is not alive: {st}"
    assert st[1] == os.getpid(), f"init {pid} has parent {st[1]}, want us ({os.getpid()})"
    assert children_of(os.getpid()) == [pid], "create left another child behind"
    assert out.read_bytes() == b"", "create printed on stdout"
    for fd, path in ((0, stdin), (1, out), (2, err)):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == str(path), f"fd {fd} not passed through"
    assert rt.state(cid)["pid"] == pid
    assert start_and_wait(rt, b, cid) == 3
    assert out.read_bytes() == b"out\nin=hello\n"
    assert b"err\n" in err.read_bytes()


@pytest.mark.parametrize("name,want", [("no-such-command", "executable file not found in $PATH"),
                                       ("/bin/no-such-file", "no such file or directory"),
                                       ("/bin/noexec", "permission denied")])
def test_create_bad_command_fails_at_create(rt, bundle, ids, name, want):
    """podman maps these words to 127 and 126: they must come from create, exit 1."""
    b = bundle().args(name)
    cid = ids()
    r, out = create(rt, b, cid, expect_ok=False)
    err = text(r.stderr)
    assert r.returncode == 1, f"exit {r.returncode}: {err}"
    if rt.name == "crun":
        # crun 1.8.1 puts the name inside runc's words: "executable file
        # `NAME` not found in $PATH: No such file or directory".
        err = re.sub(r" `[^`]*`", "", err)
    assert want in err.lower() or want in err, err
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid)


def test_create_with_user_namespace(rt, bundle, ids):
    b = bundle().user_namespace().args("sh", "-c", "id -u; cat /proc/self/uid_map")
    cid = ids()
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    # Waiting for start, the init is already container root: host uid 100000.
    uids = [l.split()[1:] for l in open(f"/proc/{pid}/status") if l.startswith("Uid:")][0]
    assert uids == [str(MAPPED_ROOT)] * 4, uids
    assert os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user")
    assert start_and_wait(rt, b, cid) == 0
    lines = out.read_text().split("\n")
    assert lines[0] == "0"
    assert lines[1].split() == ["0", str(MAPPED_ROOT), "65536"]


def test_id_of_64_hex_digits(rt, bundle, ids):
    cid = ids(secrets.token_hex(32))
    b = bundle().args("sh", "-c", "exit 5")
    create(rt, b, cid)
    st = rt.state(cid)
    assert st["id"] == cid and st["status"] == "created"
    assert (rt.root / cid).is_dir(), f"no state dir {rt.root / cid} under --root"
    assert start_and_wait(rt, b, cid) == 5
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)


# ---- state --------------------------------------------------------------------

def test_state_fields_through_the_lifecycle(rt, bundle, ids):
    b = bundle()
    b.config["annotations"] = {"org.example.test": "yes", "k": "v"}
    b.args("sh", "-c", TRAPPER)
    cid = ids()
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    st = rt.state(cid)
    for k in ("ociVersion", "id", "status", "pid", "bundle", "annotations"):
        assert k in st, f"state has no {k}: {st}"
    assert st["id"] == cid
    assert st["status"] == "created"
    assert st["pid"] == pid
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    assert st["annotations"] == {"org.example.test": "yes", "k": "v"}
    assert re.match(r"1\.", st["ociVersion"])
    rt.ok("start", cid)
    assert wait_for(lambda: b"ready" in out.read_bytes())
    assert rt.status(cid) == "running"
    rt.ok("kill", cid, "KILL")
    assert reap(pid) == -signal.SIGKILL
    wait_status(rt, cid, "stopped")
    assert rt.state(cid)["id"] == cid


def test_root_with_missing_parents_is_made(rt, bundle, ids):
    """containerd's shim passes --root ROOT/NAMESPACE, which need not exist yet:
    the runtime makes it, parents too, as runc does (MkdirAll)."""
    deep = Runtime(rt.name, rt.path, rt.root / "ns-a" / "ns-b")
    b = bundle().args("true")
    cid = ids()
    create(deep, b, cid)
    try:
        assert deep.status(cid) == "created"
        assert start_and_wait(deep, b, cid) == 0
        deep.ok("delete", cid)
    finally:
        deep.run("delete", "--force", cid)
    assert deep.run("state", cid).returncode == 1
    assert_nothing_left(deep, cid)


def test_state_of_unknown_id(rt):
    r = rt.run("state", "oci-unknown-" + secrets.token_hex(4))
    assert r.returncode == 1
    assert says_unknown_id(rt, text(r.stderr)), text(r.stderr)
    assert r.stdout == b""


def test_created_container_whose_init_died_is_stopped(rt, bundle, ids):
    b = bundle().args("true")
    cid = ids()
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    os.kill(pid, signal.SIGKILL)
    assert reap(pid) == -signal.SIGKILL
    wait_status(rt, cid, "stopped")
    r = rt.run("start", cid)
    assert r.returncode == 1
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid, [pid])


def test_default_root_is_shared_by_create_and_state(rt, bundle, ids):
    """podman calls `state ID` with no global flags: the default root create used."""
    b = bundle().args("true")
    cid = "oci-defroot-" + secrets.token_hex(6)
    with open(b.path / "out", "wb") as o:
        r = rt.run("create", "--bundle", b.path, "--pid-file", b.pid_file, cid,
                   root=False, stdout=o)
    assert r.returncode == 0, text(r.stderr)
    pid = read_pid_file(b.pid_file)
    try:
        r = rt.run("state", cid, root=False)
        assert r.returncode == 0, text(r.stderr)
        assert json.loads(r.stdout)["status"] == "created"
    finally:
        d = rt.run("delete", "--force", cid, root=False)
        reap(pid)
    assert d.returncode == 0, text(d.stderr)
    assert rt.run("state", cid, root=False).returncode == 1
    assert not is_alive(pid)


# ---- start --------------------------------------------------------------------

def test_start_only_on_created(rt, bundle, ids):
    cid, out, pid = running_trapper(rt, b := bundle(), ids)
    r = rt.run("start", cid)
    assert r.returncode == 1, "start of a running container succeeded"
    rt.ok("kill", cid, "KILL")
    reap(pid)
    wait_status(rt, cid, "stopped")
    r = rt.run("start", cid)
    assert r.returncode == 1
    assert "stopped" in text(r.stderr), text(r.stderr)
    r = rt.run("start", "oci-unknown-" + secrets.token_hex(4))
    assert r.returncode == 1 and says_unknown_id(rt, text(r.stderr)), text(r.stderr)
    assert b.path.is_dir()


# ---- kill ---------------------------------------------------------------------

@pytest.mark.parametrize("sig,caught,code", [
    ("TERM", "got TERM", 143), ("SIGTERM", "got TERM", 143), ("15", "got TERM", 143),
    ("USR1", "got USR1", 138), ("SIGUSR1", "got USR1", 138), ("10", "got USR1", 138),
    ("KILL", None, -9), ("SIGKILL", None, -9), ("9", None, -9)])
def test_kill_by_name_and_number(rt, bundle, ids, sig, caught, code):
    b = bundle()
    cid, out, pid = running_trapper(rt, b, ids)
    rt.ok("kill", cid, sig)
    assert reap(pid) == code
    if caught:
        assert caught in out.read_text()
    wait_status(rt, cid, "stopped")
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid, [pid])


def test_kill_default_signal_is_term(rt, bundle, ids):
    cid, out, pid = running_trapper(rt, bundle(), ids)
    rt.ok("kill", cid)
    assert reap(pid) == 143
    assert "got TERM" in out.read_text()


def test_kill_created_container(rt, bundle, ids):
    """kill works on created (the shim kills a created init on failure)."""
    b = bundle().args("sleep", "100")
    cid = ids()
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    rt.ok("kill", cid, "KILL")
    assert reap(pid) == -signal.SIGKILL
    wait_status(rt, cid, "stopped")


def test_kill_all(rt, bundle, ids):
    b = bundle().args("sh", "-c", "sleep 100 & sleep 100 & echo ready; wait")
    cid = ids()
    _, out = create(rt, b, cid)
    rt.ok("start", cid)
    pid = read_pid_file(b.pid_file)
    assert wait_for(lambda: b"ready" in out.read_bytes())
    ps = wait_for(lambda: (lambda p: p if len(p) == 3 else None)(
        json.loads(rt.ok("ps", "--format", "json", cid).stdout)))
    assert ps and pid in ps, f"ps: {ps}"
    rt.ok("kill", "--all", cid, "KILL")
    assert reap(pid) == -signal.SIGKILL
    assert wait_for(lambda: not any(is_alive(p) for p in ps)), "kill --all left processes"
    wait_status(rt, cid, "stopped")


def test_kill_unknown_and_stopped(rt, bundle, ids):
    r = rt.run("kill", "oci-unknown-" + secrets.token_hex(4), "KILL")
    assert r.returncode == 1 and says_unknown_id(rt, text(r.stderr)), text(r.stderr)
    b = bundle().args("true")
    cid = ids()
    create(rt, b, cid)
    assert start_and_wait(rt, b, cid) == 0
    wait_status(rt, cid, "stopped")
    r = rt.run("kill", cid, "KILL")
    assert r.returncode == 1
    assert "container not running" in text(r.stderr), text(r.stderr)


# ---- delete -------------------------------------------------------------------

def test_delete_created_without_force(rt, bundle, ids):
    """containerd deletes a created container with a plain `delete`."""
    b = bundle().args("sleep", "100")
    cid = ids()
    create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    rt.ok("delete", cid)
    assert reap(pid) == -signal.SIGKILL
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid, [pid])


def test_delete_running_needs_force(rt, bundle, ids):
    cid, out, pid = running_trapper(rt, bundle(), ids)
    r = rt.run("delete", cid)
    assert r.returncode == 1
    assert "running" in text(r.stderr), text(r.stderr)
    assert rt.status(cid) == "running" and is_alive(pid)
    rt.ok("delete", "--force", cid)
    assert reap(pid) == -signal.SIGKILL
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid, [pid])


def test_delete_unknown(rt):
    r = rt.run("delete", "oci-unknown-" + secrets.token_hex(4))
    assert r.returncode == 1 and says_unknown_id(rt, text(r.stderr)), text(r.stderr)


# ---- ps -----------------------------------------------------------------------

def test_ps_format_json(rt, bundle, ids):
    cid, out, pid = running_trapper(rt, bundle(), ids)
    r = rt.ok("ps", "--format", "json", cid)
    pids = json.loads(r.stdout)
    assert isinstance(pids, list) and pid in pids, pids
    assert all(isinstance(p, int) for p in pids)


# ---- --log --log-format json ----------------------------------------------------

def test_log_json_lines(rt, bundle, ids, tmp_path):
    log = tmp_path / "log.json"
    cid = "oci-unknown-" + secrets.token_hex(4)
    r = rt.run("state", cid, log=log)
    assert r.returncode == 1
    b = bundle().args("no-such-command")
    r, _ = create(rt, b, ids(), log=log, expect_ok=False)
    assert r.returncode == 1
    lines = [l for l in log.read_text().splitlines() if l.strip()]
    assert lines, "nothing in the --log file"
    objs = [json.loads(l) for l in lines]
    for o in objs:
        assert {"level", "msg", "time"} <= set(o), o
    errors = [o["msg"] for o in objs if o["level"] == "error"]
    if rt.name == "crun":
        errors = [re.sub(r" `[^`]*`", "", m) for m in errors]  # as in test_create_bad_command_*
    assert any(says_unknown_id(rt, m) for m in errors), errors
    assert any("executable file not found in $PATH" in m for m in errors), errors


# ---- concurrency --------------------------------------------------------------

def test_concurrent_create_delete(rt, bundle, ids):
    """Several clients at once, each on its own ids: the store stays consistent."""
    b = bundle().args("sleep", "100")
    threads, rounds = 4, 3
    cids = [[ids() for _ in range(rounds)] for _ in range(threads)]
    errors = []

    def client(mine):
        try:
            for cid in mine:
                pidf = b.path / f"{cid}.pid"
                with open(os.devnull, "wb") as null:
                    r = rt.run("create", "--bundle", b.path, "--pid-file", pidf, cid,
                               stdout=null)
                if r.returncode != 0:
                    errors.append(f"create {cid}: {text(r.stderr)}")
                    continue
                st = json.loads(rt.ok("state", cid).stdout)
                if st["status"] != "created" or st["pid"] != read_pid_file(pidf):
                    errors.append(f"state {cid}: {st}")
            for cid in mine:
                pid = read_pid_file(b.path / f"{cid}.pid")
                r = rt.run("delete", cid)
                if r.returncode != 0:
                    errors.append(f"delete {cid}: {text(r.stderr)}")
                reap(pid)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=client, args=(mine,)) for mine in cids]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=120)
    assert errors == []
    for mine in cids:
        for cid in mine:
            assert rt.run("state", cid).returncode == 1
            assert_nothing_left(rt, cid)
    assert list(rt.root.iterdir()) == [], f"--root not empty: {list(rt.root.iterdir())}"


def test_exit_status_reaches_the_subreaper(rt, bundle, ids):
    b = bundle().args("sh", "-c", "exit 42")
    cid = ids()
    create(rt, b, cid)
    assert start_and_wait(rt, b, cid) == 42


# ---- terminal: true -----------------------------------------------------------

def read_until_closed(fd, seconds=20):
    """All a pty master gives until its slave side closes (EIO) or SECONDS pass."""
    data, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the slave side is closed
                return data
            if not chunk:
                return data
            data += chunk
    return data


def test_console_socket(rt, bundle, ids, tmp_path):
    """With terminal true, create sends the pty master over --console-socket:
    one message, a non-empty payload, exactly one SCM_RIGHTS fd."""
    b = bundle().args("sh", "-c", "tty; test -t 0 && echo stdin-tty; exit 3")
    b.config["process"]["terminal"] = True
    b.save()
    cid = ids()
    with console_listener(tmp_path / "console.sock") as got:
        _, out = create(rt, b, cid, extra=["--console-socket", tmp_path / "console.sock"])
    assert "error" not in got, got
    assert got.get("msg"), f"empty payload: {got}"
    assert len(got["fds"]) == 1, f"want one fd, got {got['fds']}"
    master = got["fds"][0]
    try:
        assert os.isatty(master)
        pid = read_pid_file(b.pid_file)
        rt.ok("start", cid)
        data = read_until_closed(master)
        assert reap(pid) == 3
    finally:
        os.close(master)
    lines = data.decode(errors="replace").replace("\r", "").split("\n")
    assert lines[0].startswith("/dev/"), lines
    assert "stdin-tty" in lines, lines
    assert out.read_bytes() == b"", "create printed on stdout"


@pytest.mark.parametrize("terminal,socket_given", [(True, False), (False, True)])
def test_console_socket_must_match_terminal(rt, bundle, ids, tmp_path, terminal, socket_given):
    """runc's checkTerminal: a terminal needs a socket to send it over, and a
    socket without a terminal is a mistake too; create fails, status 1."""
    b = bundle().args("true")
    b.config["process"]["terminal"] = terminal
    b.save()
    cid = ids()
    extra = ["--console-socket", str(tmp_path / "unused.sock")] if socket_given else []
    r, _ = create(rt, b, cid, extra=extra, expect_ok=False)
    err = text(r.stderr)
    assert r.returncode == 1, f"exit {r.returncode}: {err}"
    assert "console" in err.lower() or "tty" in err.lower(), err
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid)


# ---- namespaces with a path ---------------------------------------------------

@pytest.fixture
def sandbox():
    """A pod sandbox's stand-in: a process holding a network and a UTS
    namespace of its own (hostname podhost); its /proc/PID/ns directory."""
    holder = subprocess.Popen(["unshare", "--net", "--uts", "sh", "-c",
                               "hostname podhost && echo ready && exec sleep 120"],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert holder.stdout.readline() == b"ready\n", "the sandbox did not start"
        yield f"/proc/{holder.pid}/ns"
    finally:
        holder.kill()
        holder.wait()


def joining(b, ns_dir, files):
    """b's config joins the namespaces named in FILES ({type: file}) in ns_dir."""
    for ns in b.config["linux"]["namespaces"]:
        if ns["type"] in files:
            ns["path"] = f"{ns_dir}/{files[ns['type']]}"
    b.config.pop("hostname", None)  # a joined UTS namespace's name is its owner's
    return b.save()


def test_join_namespaces_by_path(rt, bundle, ids, sandbox):
    """As a pod's containers do: the network and UTS namespaces are the
    sandbox's own (the same inode), its hostname unchanged."""
    b = joining(bundle(), sandbox, {"network": "net", "uts": "uts"})
    b.args("sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname")
    cid = ids()
    _, out = create(rt, b, cid)
    assert start_and_wait(rt, b, cid) == 0
    want = [os.readlink(f"{sandbox}/net"), os.readlink(f"{sandbox}/uts"), "podhost"]
    assert out.read_bytes().decode().split() == want
    assert os.readlink("/proc/self/ns/net") != want[0], "the sandbox's netns is the host's"


@pytest.mark.parametrize("files", [{"network": "no-such-file"}, {"network": "uts"}],
                         ids=["missing", "wrong-type"])
def test_join_a_bad_namespace_path(rt, bundle, ids, sandbox, files):
    """A path that is not there, or a namespace of another type: create fails
    with status 1 and leaves nothing."""
    b = joining(bundle(), sandbox, files).args("true")
    cid = ids()
    r, _ = create(rt, b, cid, expect_ok=False)
    assert r.returncode == 1, text(r.stderr)
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid)
