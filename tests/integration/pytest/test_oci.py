"""The OCI lifecycle as engines drive it (issue 16): create, start, state, kill,
delete, ps, with runc's process model: `create` exits and leaves the container's
init to its caller, a subreaper (conmon, containerd's shim), waiting in
exec.fifo until `start`.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import (BARCO, RUN_DIR, assert_nothing_left, is_alive, one_barco_error,
                      processes_of, wait_dead)


@pytest.fixture
def bundle(barco, tmp_path):
    """bundle(args) -> a `barco spec` bundle on the test rootfs running ARGS."""
    tmp_path.chmod(0o755)

    def make(args, edit=None):
        d = tmp_path / f"b{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        r = barco.run("spec", "--bundle", d)
        assert r.returncode == 0, r.stderr
        c = json.loads((d / "config.json").read_text())
        c["root"]["path"] = str(barco.rootfs)
        c["process"]["args"] = args
        if edit:
            edit(c)
        (d / "config.json").write_text(json.dumps(c))
        return d

    return make


# A subreaper, as conmon and the shim are: runs create, reports who the init's
# parent is once create has returned, starts it and reaps it.
SUBREAPER = r"""
import ctypes, json, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
barco, bundle, cid, pid_file, out = sys.argv[1:6]
# Files, not pipes: the init inherits create's stdio, so a pipe would see no end of
# file before the container exits (conmon and the shim do not wait for one).
with open(out + ".out", "w+") as o, open(out + ".err", "w+") as e:
    r = subprocess.run([barco, "create", "--bundle", bundle, "--pid-file", pid_file, cid],
                       stdout=o, stderr=e, timeout=30)
    o.seek(0), e.seek(0)
    res = {"create": r.returncode, "create_stdout": o.read(), "create_stderr": e.read(),
           "me": os.getpid()}
if r.returncode == 0:
    res["pid_file"] = open(pid_file).read()
    pid = int(res["pid_file"])
    status = dict(l.split(":\t", 1) for l in open(f"/proc/{pid}/status").read().splitlines())
    res["init_ppid"] = int(status["PPid"])
    res["state"] = json.loads(subprocess.run([barco, "state", cid], stdout=subprocess.PIPE,
                                             text=True, timeout=30).stdout)
    res["start"] = subprocess.run([barco, "start", cid], timeout=30).returncode
    _, st = os.waitpid(pid, 0)
    res["exit"] = os.waitstatus_to_exitcode(st)
    res["stdout_after"] = open(out + ".out").read()
open(out, "w").write(json.dumps(res))
"""


def create(barco, tmp_path, *args):
    """`barco create ARGS` with its stdio in files: the init inherits them, and a pipe
    would not reach end of file before the container exits."""
    with open(tmp_path / "create.out", "w+") as o, open(tmp_path / "create.err", "w+") as e:
        r = subprocess.run([str(BARCO), *map(str, args)], stdin=subprocess.DEVNULL, stdout=o,
                           stderr=e, env=barco.env, timeout=30)
        o.seek(0), e.seek(0)
        return subprocess.CompletedProcess(r.args, r.returncode, o.read(), e.read())


def created(barco, tmp_path, bundle_dir, cid):
    """`barco create --bundle BUNDLE_DIR CID`, which must succeed; the init's host pid."""
    r = create(barco, tmp_path, "create", "--bundle", bundle_dir, cid)
    assert r.returncode == 0, r.stderr
    return json.loads(barco.run("state", cid).stdout)["pid"]


def run_under_subreaper(barco, bundle_dir, cid, tmp_path):
    out = tmp_path / "result.json"
    r = subprocess.run([sys.executable, "-c", SUBREAPER, str(BARCO), str(bundle_dir), cid,
                        str(tmp_path / "init.pid"), str(out)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text()), r.stdout


def test_create_leaves_the_init_to_the_callers_subreaper(barco, bundle, names, tmp_path):
    cid = names()
    d = bundle(["sh", "-c", "echo from-the-container; exit 7"])
    res, stdout = run_under_subreaper(barco, d, cid, tmp_path)
    assert res["create"] == 0, res["create_stderr"]
    # No barco process stays the init's parent: the subreaper inherited it.
    assert res["init_ppid"] == res["me"]
    # Digits only, no newline; nothing on create's own stdout (terminal: false).
    assert res["pid_file"].isdigit()
    assert res["create_stdout"] == ""
    assert res["state"]["status"] == "created"
    assert res["state"]["pid"] == int(res["pid_file"])
    assert res["state"]["id"] == cid
    assert res["state"]["bundle"] == str(d)
    assert res["state"]["barco.stage"] == "exec"
    assert res["start"] == 0
    assert res["exit"] == 7
    # fds 0-2 passed through untouched: the command wrote where create's stdout went.
    assert res["stdout_after"] == "from-the-container\n"
    r = barco.run("state", cid)
    assert json.loads(r.stdout)["status"] == "stopped"
    r = barco.run("delete", cid)
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert_nothing_left(cid)


def test_state_kill_ps_delete(barco, bundle, names, tmp_path):
    cid = names()
    d = bundle(["sleep", "100"])
    r = create(barco, tmp_path, "create", "--bundle", d, cid)
    assert r.returncode == 0, r.stderr
    st = json.loads(barco.run("state", cid).stdout)
    assert st["status"] == "created"
    pid = st["pid"]
    r = barco.run("ps", "--format", "json", cid)
    assert r.returncode == 0, r.stderr
    assert pid in json.loads(r.stdout)
    # runc's table is not implemented: refused, not answered in json.
    r = barco.run("ps", "--format", "table", cid)
    assert (r.returncode, r.stdout) == (1, "")
    assert "only json" in one_barco_error(r.stderr)
    assert barco.run("start", cid).returncode == 0
    assert json.loads(barco.run("state", cid).stdout)["status"] == "running"
    r = barco.run("start", cid)
    assert r.returncode == 1
    assert "only a created one" in one_barco_error(r.stderr)
    r = barco.run("delete", cid)
    assert r.returncode == 1
    assert "not stopped: running" in one_barco_error(r.stderr)
    # pid 1 ignores TERM without a handler (pid_namespaces(7)); KILL by name, as engines send it.
    assert barco.run("kill", cid, "SIGKILL").returncode == 0
    wait_dead(pid)
    assert json.loads(barco.run("state", cid).stdout)["status"] == "stopped"
    r = barco.run("kill", cid, "9")
    assert r.returncode == 1
    assert "container not running" in one_barco_error(r.stderr)
    assert barco.run("delete", cid).returncode == 0
    assert_nothing_left(cid)


def test_a_created_container_is_deleted_without_force(barco, bundle, names, tmp_path):
    cid = names()
    pid = created(barco, tmp_path, bundle(["true"]), cid)
    r = barco.run("delete", cid)
    assert r.returncode == 0, r.stderr
    wait_dead(pid)
    assert not is_alive(pid)
    assert_nothing_left(cid)


def test_kill_all_and_force_delete_a_running_container(barco, bundle, names, tmp_path):
    cid = names()
    pid = created(barco, tmp_path, bundle(["sleep", "100"]), cid)
    assert barco.run("start", cid).returncode == 0
    assert barco.run("kill", "--all", cid, "KILL").returncode == 0
    wait_dead(pid)
    assert json.loads(barco.run("state", cid).stdout)["status"] == "stopped"
    r = create(barco, tmp_path, "create", "--bundle", bundle(["sleep", "100"]), cid)
    assert r.returncode == 1
    assert "already exists" in one_barco_error(r.stderr)
    r = barco.run("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert_nothing_left(cid)


def test_force_delete_kills_a_running_container(barco, bundle, names, tmp_path):
    cid = names()
    pid = created(barco, tmp_path, bundle(["sleep", "100"]), cid)
    assert barco.run("start", cid).returncode == 0
    r = barco.run("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert not is_alive(pid)
    assert_nothing_left(cid)


@pytest.mark.parametrize("verb", [["state"], ["start"], ["kill"], ["--root", "/run/barco", "delete"],
                                  ["ps", "--format", "json"]])
def test_unknown_id_does_not_exist(barco, verb):
    r = barco.run(*verb, "pt-nosuch")
    assert r.returncode == 1
    assert one_barco_error(r.stderr) == 'barco: container "pt-nosuch" does not exist'


def test_force_delete_of_an_unknown_id_is_no_error(barco):
    r = barco.run("delete", "--force", "pt-nosuch")
    assert r.returncode == 0 and r.stderr == ""


@pytest.mark.parametrize("args, words", [
    (["no-such-command"], 'exec: "no-such-command": executable file not found in $PATH'),
    (["/no/such/file"], 'exec: "/no/such/file": no such file or directory'),
    (["/etc/passwd"], 'exec: "/etc/passwd": permission denied'),
])
def test_a_command_that_cannot_run_fails_at_create(barco, bundle, names, tmp_path, args, words):
    cid = names()
    pid_file = tmp_path / "pid"
    r = create(barco, tmp_path, "create", "--bundle", bundle(args), "--pid-file", pid_file, cid)
    assert r.returncode == 1
    assert words in one_barco_error(r.stderr)
    assert not pid_file.exists()
    assert not (RUN_DIR / cid).exists()
    assert_nothing_left(cid)


def test_a_config_barco_cannot_apply_fails_at_create_with_its_path(barco, bundle, names,
                                                                    tmp_path):
    cid = names()
    log = tmp_path / "log.json"
    d = bundle(["true"], lambda c: c["linux"]["namespaces"].append({"type": "foo"}))
    r = create(barco, tmp_path, "--log", log, "--log-format", "json", "create", "--bundle", d,
               cid)
    assert r.returncode == 1
    assert one_barco_error(r.stderr) == (
        'barco: config.json: linux.namespaces[7].type: unknown namespace type "foo"')
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["level"] == "error"
    assert entry["msg"].startswith("config.json: linux.namespaces[7].type")
    assert not (RUN_DIR / cid).exists()
    assert_nothing_left(cid)


def test_step_explain_prints_the_stage_reports_of_a_created_container(barco, bundle, names, tmp_path):
    cid = names()
    r = create(barco, tmp_path, "create", "--bundle", bundle(["true"]), cid)
    assert r.returncode == 0, r.stderr
    r = barco.run("step", cid, "--explain")
    assert r.returncode == 0, r.stderr
    for n, stage in enumerate(["cgroups", "userns", "namespaces", "hostname", "mounts",
                               "network", "caps", "seccomp", "exec"], 1):
        assert f"== stage {n}/9: {stage} " in r.stdout
    assert "exec.fifo" in r.stdout
    assert barco.run("delete", cid).returncode == 0


def test_global_options_are_accepted_and_state_needs_none(barco, bundle, names, tmp_path):
    cid = names()
    d = bundle(["true"])
    r = create(barco, tmp_path, "--root", "/run/barco", "--log", tmp_path / "log",
               "--log-format", "json", "--systemd-cgroup", "create", "--bundle", d,
               "--no-pivot", "--no-new-keyring", cid)
    assert r.returncode == 0, r.stderr
    assert json.loads(barco.run("state", cid).stdout)["status"] == "created"
    assert barco.run("delete", cid).returncode == 0


@pytest.mark.parametrize("sig, ok", [("TERM", True), ("SIGKILL", True), ("USR1", True),
                                     ("15", True), ("NOPE", False), ("0", False)])
def test_signals_by_number_and_name(barco, bundle, names, sig, ok, tmp_path):
    cid = names()
    # A handler for every signal tried, so the container's pid 1 survives all but KILL.
    d = bundle(["sh", "-c", "trap '' TERM USR1; sleep 100"])
    assert create(barco, tmp_path, "create", "--bundle", d, cid).returncode == 0
    r = barco.run("kill", cid, sig)
    if ok:
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode == 1
        assert "unknown signal" in one_barco_error(r.stderr)
    assert barco.run("delete", "--force", cid).returncode == 0


# ---- --help ---------------------------------------------------------------------------

@pytest.mark.parametrize("verb", ["spec", "create", "start", "state", "kill", "delete", "ps"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_each_oci_verb_answers_help_with_its_usage(verb, flag):
    before = set(os.listdir(RUN_DIR)) if os.path.isdir(RUN_DIR) else set()
    r = subprocess.run([BARCO, verb, flag], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.startswith(f"Usage: barco {verb}"), r.stdout
    assert "  -h, --help" in r.stdout
    # --help is never taken for a container id: no state, nothing created.
    after = set(os.listdir(RUN_DIR)) if os.path.isdir(RUN_DIR) else set()
    assert after - before == set()


def test_options_accepted_and_ignored_say_so():
    r = subprocess.run([BARCO, "create", "--help"], stdout=subprocess.PIPE, text=True,
                       timeout=30)
    for opt in ("--no-pivot", "--no-new-keyring"):
        line = next(l for l in r.stdout.splitlines() if l.strip().startswith(opt))
        assert "accepted and ignored" in line, line
    r = subprocess.run([BARCO, "help"], stdout=subprocess.PIPE, text=True, timeout=30)
    line = next(l for l in r.stdout.splitlines() if l.strip().startswith("--systemd-cgroup"))
    assert "slice:prefix:name" in line, line
