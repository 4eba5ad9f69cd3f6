"""barco step, ps, delete and stages, checked from the host.

At every stage boundary the paused container's state is read from /proc and
/sys and compared with what the stage claims to have done; the reports are
checked for the real pid, their three sections and a duration.
"""

import errno
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (BARCO, DEFAULT_CAPS, EXIT_BARCO, MAPPED_ROOT, PAUSABLE, RUN_DIR,
                      STAGES, TIMEOUT, all_caps_mask, assert_nothing_left, cgroup_dirs,
                      cgroup_paths_of, existing_cgroup_dirs, expected_root_field,
                      has_unified_hybrid, is_alive, is_cgroup_v2, mountinfo, one_barco_error,
                      parse_json_lines, pid_of, proc_status, state_of, wait_dead)

LIMIT_OPTS = ("--memory", "64M", "--pids", "20")
MEMORY_BYTES = "67108864"
IDMAP = ["0", str(MAPPED_ROOT), "65536"]
HOST_NS = sorted(os.listdir("/proc/self/ns"))

# A word the "what" part of each stage's report must contain: the syscall it is about.
WHAT_KEYWORD = {
    "cgroups": "mkdir(",
    "userns": "CLONE_NEWUSER",
    "namespaces": "unshare(",
    "hostname": "sethostname(",
    "mounts": "pivot_root(",
    "network": "SIOCSIFFLAGS",
    "caps": "capset(",
    "seccomp": "seccomp(",
    "exec": "",
}

# The "look" part must give a command on the real pid; {pid} is filled in.
LOOK_FRAGMENT = {
    "userns": "cat /proc/{pid}/uid_map",
    "namespaces": "/proc/{pid}/ns",
    "hostname": "nsenter -t {pid} -u hostname",
    "mounts": "/proc/{pid}/mountinfo",
    "network": "nsenter -t {pid} -n",
    "caps": "/proc/{pid}/status",
    "seccomp": "/proc/{pid}/status",
    "exec": "{pid}",
}

needs_nsenter = pytest.mark.skipif(shutil.which("nsenter") is None,
                                   reason="nsenter (util-linux) is not installed")


# ---- what the host sees -----------------------------------------------------------

def ns_differing(pid):
    """The namespace kinds (as in /proc/self/ns) in which PID is not where we are."""
    out = set()
    for kind in HOST_NS:
        if os.readlink(f"/proc/{pid}/ns/{kind}") != os.readlink(f"/proc/self/ns/{kind}"):
            out.add(kind)
    return out


def hostname_of(pid):
    r = subprocess.run(["nsenter", "-t", str(pid), "-u", "hostname"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def root_mounts(pid):
    return [m for m in mountinfo(pid) if m["mountpoint"] == "/"]


def check_cgroups(name, pid):
    dirs = cgroup_dirs(name)
    for d in set(dirs.values()):
        assert d.is_dir(), f"cgroup {d} missing"
    if is_cgroup_v2():
        assert (dirs["memory"] / "memory.max").read_text().strip() == MEMORY_BYTES
    else:
        assert (dirs["memory"] / "memory.limit_in_bytes").read_text().strip() == MEMORY_BYTES
    assert (dirs["pids"] / "pids.max").read_text().strip() == "20"
    procs = {d: (d / "cgroup.procs").read_text().split() for d in set(dirs.values())}
    if pid == 0:
        # Nothing to put there yet: in particular not the monitor.
        assert all(p == [] for p in procs.values()), procs
        return
    for d, p in procs.items():
        assert str(pid) in p, f"{pid} not in {d}/cgroup.procs: {p}"
    want = "/barco/" + name
    paths = cgroup_paths_of(pid)
    if is_cgroup_v2():
        assert paths.get("") == want, paths
        return
    for ctrl in ("memory", "cpu", "pids"):
        hits = [v for k, v in paths.items() if ctrl in k.split(",")]
        assert hits == [want], f"{ctrl}: {paths}"
    if has_unified_hybrid():
        assert paths.get("") == want, paths


def check_mounts(pid, i, rootfs):
    host_roots = [(m["dev"], m["root"], m["fstype"], m["source"]) for m in root_mounts("self")]
    roots = root_mounts(pid)
    text = Path(f"/proc/{pid}/mountinfo").read_text()
    if i < STAGES.index("mounts"):
        assert [(m["dev"], m["root"], m["fstype"], m["source"]) for m in roots] == host_roots
        assert os.path.samestat(os.stat(f"/proc/{pid}/root"), os.stat("/"))
        return
    assert len(roots) == 1, [m["line"] for m in roots]
    assert roots[0]["root"] == expected_root_field(rootfs), roots[0]["line"]
    assert os.path.samestat(os.stat(f"/proc/{pid}/root"), os.stat(rootfs))
    assert os.path.exists(f"/proc/{pid}/root/bin/barco-testhelper")
    assert "/work" not in text
    # No host-only mount point survived pivot_root and the detach of the old root.
    kept = ("/", "/proc", "/sys", "/dev", "/tmp")
    host_only = {m["mountpoint"] for m in mountinfo("self")
                 if not any(m["mountpoint"] == k or m["mountpoint"].startswith(k.rstrip("/") + "/")
                            for k in kept[1:]) and m["mountpoint"] != "/"}
    leaked = host_only & {m["mountpoint"] for m in mountinfo(pid)}
    assert not leaked, f"host mounts visible after pivot_root: {leaked}"
    # Nothing else of the host's root filesystem is bound in.
    rdev = roots[0]["dev"]
    for m in mountinfo(pid):
        if m["dev"] == rdev:
            assert m["root"].startswith(roots[0]["root"]), m["line"]


def check_boundary(barco, name, stage, hostname, rootfs=None):
    """The paused container NAME is exactly in the state `stage` leaves it in."""
    rootfs = rootfs or barco.rootfs
    i = STAGES.index(stage)
    st = state_of(name)
    pid = pid_of(name)
    assert st["stage"] == stage
    assert st["pid"] == pid
    assert is_alive(st["runner_pid"]), "the monitor is not running"
    check_cgroups(name, pid)
    if i == 0:
        assert pid == 0
        return pid
    assert is_alive(pid), f"container process {pid} is gone"
    # userns
    assert Path(f"/proc/{pid}/uid_map").read_text().split() == IDMAP
    assert Path(f"/proc/{pid}/gid_map").read_text().split() == IDMAP
    # namespaces
    if i == 1:
        assert ns_differing(pid) == {"user"}
    else:
        assert ns_differing(pid) == set(HOST_NS)
        assert proc_status(pid)["NSpid"].split()[-1] == "1"
    # hostname
    want_host = hostname if i >= STAGES.index("hostname") else socket.gethostname()
    assert hostname_of(pid) == want_host
    # mounts
    check_mounts(pid, i, rootfs)
    # network: the local routing table has 127.0.0.1 only once lo is up
    if i >= 2:
        fib = Path(f"/proc/{pid}/net/fib_trie").read_text()
        assert ("127.0.0.1" in fib) == (i >= STAGES.index("network")), fib
    # caps
    status = proc_status(pid)
    if i < STAGES.index("caps"):
        assert status["CapEff"] == all_caps_mask()
        assert status["CapBnd"] == all_caps_mask()
    else:
        # README: bounding, permitted, effective hold the allowlist; inheritable
        # and ambient are emptied.
        for k in ("CapEff", "CapBnd", "CapPrm"):
            assert status[k] == DEFAULT_CAPS, (k, status[k])
        for k in ("CapInh", "CapAmb"):
            assert status[k] == "0" * 16, (k, status[k])
    # seccomp
    after_seccomp = i >= STAGES.index("seccomp")
    assert status["Seccomp"] == ("2" if after_seccomp else "0")
    assert status["NoNewPrivs"] == ("1" if after_seccomp else "0")
    return pid


# ---- reports --------------------------------------------------------------------------

def check_json_report(obj, name, stage, pid):
    assert obj["type"] == "stage"
    assert obj["container"] == name
    assert obj["stage"] == stage
    assert obj["index"] == STAGES.index(stage) + 1
    assert obj["pid"] == pid
    assert isinstance(obj["duration_ms"], (int, float)) and obj["duration_ms"] > 0
    check_sections(name, stage, pid, obj["what"], obj["why"], obj["look"])


def check_sections(name, stage, pid, what, why, look):
    assert what and all(isinstance(w, str) for w in what)
    assert WHAT_KEYWORD[stage] in "\n".join(what), what
    assert why.strip(), "empty why"
    assert look, "empty look"
    look_text = "\n".join(look)
    if stage == "cgroups":
        for d in set(cgroup_dirs(name).values()):
            assert str(d) in look_text, look
        return
    assert LOOK_FRAGMENT[stage].format(pid=pid) in look_text, look
    assert set(re.findall(r"/proc/(\d+)/", look_text)) <= {str(pid)}, look
    if stage == "userns":
        # clone3 straight into the cgroup2 directory, or clone(2) where the kernel lacks it.
        assert any(re.match(r"clone3?\(CLONE_NEWUSER", w) and w.endswith(f"= {pid}") for w in what)
        assert f"write /proc/{pid}/uid_map" in "\n".join(what)


TEXT_HEADER = re.compile(r"^== stage (\d+)/9: (\w+) \((\d+\.\d+) ms\)$")


def text_reports(stdout):
    """[(stage, duration_ms, {section: [lines]})] from a text-mode report, in order."""
    out = []
    section = None
    for line in stdout.splitlines():
        m = TEXT_HEADER.match(line)
        if m:
            assert int(m.group(1)) == STAGES.index(m.group(2)) + 1, line
            out.append((m.group(2), float(m.group(3)), {}))
            section = None
        elif out and line in ("  what:", "  why:", "  look:"):
            section = line.strip(" :")
            out[-1][2][section] = []
        elif out and section and line.startswith("    "):
            out[-1][2][section].append(line[4:])
        else:
            section = None
    return out


def command_lines(stdout):
    """The lines of a text-mode client's stdout that are not part of a report."""
    return [l for l in stdout.splitlines()
            if not TEXT_HEADER.match(l) and l not in ("  what:", "  why:", "  look:")
            and not l.startswith("    ")]


def check_text_report(rep, name, stage, pid):
    got_stage, duration, sec = rep
    assert got_stage == stage
    assert duration > 0
    assert set(sec) == {"what", "why", "look"}, sec
    check_sections(name, stage, pid, sec["what"], " ".join(sec["why"]), sec["look"])


def ps_json(barco):
    r = barco.run("ps", "--json")
    assert r.returncode == 0, r.stderr
    return {c["name"]: c for c in json.loads(r.stdout)}


def ps_text(barco):
    r = barco.run("ps")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "PID", "STAGE"]
    return {f[0]: f for f in (l.split() for l in lines[1:])}


# ---- barco stages ------------------------------------------------------------------

def test_stages_lists_the_nine_stages_in_order(barco):
    r = barco.run("stages")
    assert r.returncode == 0, r.stderr
    rows = [l.split() for l in r.stdout.splitlines() if l.strip()]
    assert [row[0] for row in rows] == [str(i) for i in range(1, 10)]
    assert [row[1] for row in rows] == STAGES
    assert all(len(row) > 2 for row in rows), "each stage has a summary"


# ---- the state at each boundary ------------------------------------------------------

@needs_nsenter
@pytest.mark.parametrize("stage", PAUSABLE)
def test_state_after_until_stage_is_what_the_report_claims(barco, names, stage):
    name = names()
    r = barco.create(name, stage, opts=LIMIT_OPTS)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    objs = parse_json_lines(r.stdout)
    i = STAGES.index(stage)
    assert [o["type"] for o in objs] == ["stage"] * (i + 1) + ["paused"]
    assert [o["stage"] for o in objs[:-1]] == STAGES[:i + 1]
    pid = check_boundary(barco, name, stage, hostname=name)
    for o in objs[:-1]:
        # Before the namespaces stage forks pid 1 the container is the userns child.
        if o["stage"] == "cgroups":
            check_json_report(o, name, "cgroups", 0)
        elif o["stage"] != "userns" or i == 1:
            check_json_report(o, name, o["stage"], pid)
        else:
            check_json_report(o, name, "userns", o["pid"])
            assert o["pid"] != pid and o["pid"] > 0
    paused = objs[-1]
    assert paused == {"type": "paused", "container": name, "after": stage,
                      "next": STAGES[i + 1], "pid": pid}
    listed = ps_json(barco)[name]
    assert (listed["stage"], listed["pid"], listed["live"]) == (stage, pid, True)


@needs_nsenter
def test_step_name_advances_exactly_one_stage_each_time(barco, names):
    """From cgroups, `barco step NAME` eight times: one stage per call, checked each time."""
    name = names()
    host = "walk-" + name
    r = barco.create(name, "cgroups", "/bin/sh", "-c", "echo walked-$HOSTNAME; exit 3",
                     opts=LIMIT_OPTS + ("--hostname", host), json_out=False)
    assert r.returncode == 0, r.stderr
    reps = text_reports(r.stdout)
    assert len(reps) == 1
    check_text_report(reps[0], name, "cgroups", 0)
    check_boundary(barco, name, "cgroups", hostname=host)
    for stage in PAUSABLE[1:]:
        before = state_of(name)["stage"]
        r = barco.run("step", name)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        reps = text_reports(r.stdout)
        assert [rep[0] for rep in reps] == [stage], f"after {before}: {r.stdout}"
        pid = check_boundary(barco, name, stage, hostname=host)
        check_text_report(reps[0], name, stage, pid)
        nxt = STAGES[STAGES.index(stage) + 1]
        assert f"paused {name} after {stage} (pid {pid}); next stage: {nxt}" in r.stdout
        assert ps_text(barco)[name][1:3] == [str(pid), stage]
        # Files are swapped in whole (state.json, pid): no temporary one stays behind.
        assert state_of(name)["stage"] == stage and pid_of(name) == pid
        assert sorted(os.listdir(RUN_DIR / name)) == ["ctl.sock", "pid", "state.json"]
    # The last step is exec: the command runs on this client's stdout.
    r = barco.run("step", name)
    assert r.returncode == 3, r.stderr
    reps = text_reports(r.stdout)
    assert [rep[0] for rep in reps] == ["exec"]
    check_text_report(reps[0], name, "exec", pid)
    assert command_lines(r.stdout) == [f"walked-{host}"]
    assert_nothing_left(name, str(barco.scratch))


def test_chain_userns_then_caps_then_exec(barco, names):
    name = names()
    r = barco.create(name, "userns", "/bin/sh", "-c", "echo chain-out-$(id -u); exit 7",
                     json_out=False)
    assert r.returncode == 0, r.stderr
    assert [rep[0] for rep in text_reports(r.stdout)] == ["cgroups", "userns"]
    assert state_of(name)["stage"] == "userns"

    r = barco.run("step", name, "--until=caps")
    assert r.returncode == 0, r.stderr
    reps = text_reports(r.stdout)
    assert [rep[0] for rep in reps] == ["namespaces", "hostname", "mounts", "network", "caps"]
    pid = pid_of(name)
    for rep in reps:
        check_text_report(rep, name, rep[0], pid)
    assert state_of(name)["stage"] == "caps"
    assert proc_status(pid)["CapEff"] == DEFAULT_CAPS
    assert proc_status(pid)["Seccomp"] == "0"

    r = barco.run("step", name, "--until=exec")
    assert r.returncode == 7, r.stderr
    assert r.stderr == ""
    reps = text_reports(r.stdout)
    assert [rep[0] for rep in reps] == ["seccomp", "exec"]
    assert command_lines(r.stdout) == ["chain-out-0"]
    assert_nothing_left(name, str(barco.scratch))


def test_json_until_exec_prints_every_report_and_the_command_output(barco, names):
    name = names()
    r = barco.create(name, "exec", "/bin/sh", "-c", "echo json-cmd-out; exit 4")
    assert r.returncode == 4, r.stderr
    lines = r.stdout.splitlines()
    assert [l for l in lines if not l.startswith("{")] == ["json-cmd-out"]
    objs = parse_json_lines("\n".join(l for l in lines if l.startswith("{")))
    assert [o["stage"] for o in objs] == STAGES
    assert all(o["type"] == "stage" for o in objs)
    assert_nothing_left(name, str(barco.scratch))


def test_default_rootfs_comes_from_barco_home(barco, names):
    name = names()
    home_rootfs = barco.home / "rootfs"
    r = barco.create(name, "mounts", rootfs=False)
    assert r.returncode == 0, r.stderr
    assert (home_rootfs / "bin").is_dir()
    assert Path(state_of(name)["rootfs"]) == home_rootfs
    pid = pid_of(name)
    roots = root_mounts(pid)
    assert len(roots) == 1
    assert roots[0]["root"] == expected_root_field(home_rootfs)
    assert os.path.samestat(os.stat(f"/proc/{pid}/root"), os.stat(home_rootfs))


def test_exec_report_is_printed_before_the_command_runs(barco, names):
    """The exec report describes what happened before execve, so it must reach the
    client's stdout before anything the command writes. It is a race, so it is run
    many times, with the monitor and container on one CPU and the client on another
    (which makes the wrong order likely, when barco allows it, on this VM)."""
    cpus = sorted(os.sched_getaffinity(0))
    monitor_cpus, client_cpus = ({cpus[0]}, {cpus[1]}) if len(cpus) > 1 else (None, None)
    bad = []
    runs = 20
    for _ in range(runs):
        name = names()
        r = barco.create(name, "seccomp", "/bin/echo", "cmd-first-line", json_out=False,
                         cpus=monitor_cpus)
        assert r.returncode == 0, r.stderr
        r = barco.run("step", name, cpus=client_cpus)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert "cmd-first-line" in lines and "== stage 9/9: exec" in r.stdout
        if not lines[0].startswith("== stage 9/9: exec"):
            bad.append(r.stdout)
    assert bad == [], f"{len(bad)}/{runs} runs printed the command's output before the exec " \
                      f"report, e.g.:\n{bad[0] if bad else ''}"


# ---- interactive, on a pseudo-terminal --------------------------------------------------

PROMPT_END = b"[q] quit: "


def run_on_pty(barco, args, on_prompt, timeout=TIMEOUT):
    """Runs barco on a new pty; on_prompt(n, output, pid) answers the n-th prompt.

    Returns (exit status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(str(BARCO), [str(BARCO), *map(str, args)], barco.env)
        finally:
            os._exit(127)
    out = b""
    prompts = 0
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"barco -i did not finish in {timeout} s; output:\n{out.decode()}")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            out += data
            while out.count(PROMPT_END) > prompts:
                prompts += 1
                os.write(fd, on_prompt(prompts, out, pid))
        while True:
            wpid, status = os.waitpid(pid, os.WNOHANG)
            if wpid:
                return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                pytest.fail("barco -i did not exit after closing its terminal")
            time.sleep(0.02)
    finally:
        os.close(fd)


def test_interactive_enter_through_every_stage(barco, names):
    name = names()
    seen = []

    def enter(n, out, pid):
        seen.append(n)
        return b"\n"

    status, out = run_on_pty(barco, ["step", "-i", "--rootfs", barco.rootfs, "--name", name,
                                     "--", "/bin/sh", "-c", "echo interactive-ran; exit 5"],
                             enter)
    assert status == 5, out
    assert "interactive-ran" in out
    headers = re.findall(r"== stage (\d)/9: (\w+) ", out)
    assert [h[1] for h in headers] == STAGES, out
    assert seen == list(range(1, 9)), "one prompt after each stage but exec"
    for k, stage in enumerate(STAGES[1:], start=2):
        assert f"[Enter] run stage {k}/9 ({stage}), [q] quit: " in out
    assert_nothing_left(name, str(barco.scratch), grace=1.0)


def test_interactive_is_not_aborted_by_a_sigchld(barco, names):
    """Only Enter, q, end of input or a terminating signal end a prompt. The process
    that forks pid 1 at the namespaces stage exits, and its SIGCHLD may reach the
    runner while it waits at the next prompt: that must not abort. Sent by hand here
    so the test does not depend on the race."""
    name = names()
    sent = []

    def answer(n, out, pid):
        if n == 3:
            os.kill(pid, signal.SIGCHLD)
            sent.append(pid)
            time.sleep(0.3)
        return b"\n"

    status, out = run_on_pty(barco, ["step", "-i", "--rootfs", barco.rootfs, "--name", name,
                                     "--", "/bin/sh", "-c", "echo survived-sigchld; exit 6"],
                             answer)
    assert sent, "never reached the third prompt"
    assert "aborted" not in out, out
    assert status == 6, out
    assert "survived-sigchld" in out


@pytest.mark.parametrize("quit_at", [1, 5, 8])
def test_interactive_q_aborts_and_leaves_nothing(barco, names, quit_at):
    """q at prompt N (after stage N): the command never runs and nothing is left."""
    name = names()
    there = {}

    def answer(n, out, pid):
        if n < quit_at:
            return b"\n"
        there["cgroups"] = existing_cgroup_dirs(name)
        there["state"] = os.path.exists(RUN_DIR / name)
        there["n"] = n
        there["procs"] = [p for d in there["cgroups"]
                          for p in (d / "cgroup.procs").read_text().split()]
        return b"q\n"

    status, out = run_on_pty(barco, ["step", "-i", "--rootfs", barco.rootfs, "--name", name,
                                     "--", "/bin/sh", "-c", "echo SHOULD-NOT-RUN"], answer)
    assert status == 0, out
    assert "SHOULD-NOT-RUN" not in out
    headers = [h[1] for h in re.findall(r"== stage (\d)/9: (\w+) ", out)]
    assert headers == STAGES[:quit_at]
    assert f"aborted before {STAGES[quit_at]}" in out
    # The test is only worth something if there was something to clean up.
    assert there["cgroups"], f"no cgroup existed when q was pressed: {there} {out}"
    if quit_at > 1:
        assert there["procs"], "no container process existed when q was pressed"
    assert_nothing_left(name, str(barco.scratch), grace=1.0)
    for p in there["procs"]:
        assert wait_dead(int(p), 1.0), f"container process {p} survived q"


def test_ps_shows_the_stage_of_an_interactive_container(barco, names):
    """`barco ps` lists containers and their current stage, -i ones included."""
    name = names()
    seen = {}

    def answer(n, out, pid):
        if n == 3:
            seen.update(ps_json(barco).get(name, {}))
            seen["real_pid"] = [p for d in existing_cgroup_dirs(name)
                                for p in (d / "cgroup.procs").read_text().split()]
            return b"q\n"
        return b"\n"

    status, out = run_on_pty(barco, ["step", "-i", "--rootfs", barco.rootfs, "--name", name,
                                     "--", "/bin/true"], answer)
    assert status == 0, out
    assert seen.get("live") is True, seen
    assert (seen.get("stage"), str(seen.get("pid"))) == ("namespaces", seen["real_pid"][0]), seen


# ---- several at once: ps and delete -----------------------------------------------------

def test_five_paused_containers_listed_by_ps_and_deleted(barco, names):
    stages = ["cgroups", "userns", "namespaces", "mounts", "seccomp"]
    made = {}
    for stage in stages:
        name = names()
        r = barco.create(name, stage, "/bin/sleep", "30")
        assert r.returncode == 0, r.stderr
        made[name] = stage
    listed = ps_json(barco)
    text = ps_text(barco)
    for name, stage in made.items():
        pid = pid_of(name)
        assert listed[name]["stage"] == stage
        assert listed[name]["pid"] == pid
        assert listed[name]["live"] is True
        assert Path(listed[name]["rootfs"]) == barco.rootfs
        assert text[name][1:3] == [str(pid), stage]
    for name in made:
        pids = [p for d in existing_cgroup_dirs(name) for p in (d / "cgroup.procs").read_text().split()]
        runner = state_of(name)["runner_pid"]
        r = barco.run("delete", name)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == name
        assert_nothing_left(name, str(barco.scratch))
        assert wait_dead(runner, 2.0), f"monitor {runner} of {name} survived delete"
        for p in pids:
            assert wait_dead(int(p), 2.0), f"process {p} of {name} survived delete"
        assert name not in ps_json(barco)
    # The others are untouched until their turn (checked by the loop's ps).


def test_ps_age_counts_from_creation_not_from_the_last_stage(barco, names):
    """state.json's "created" is written once: stepping must not reset AGE,
    and the pid file follows the container process through its two pids."""
    name = names()
    r = barco.create(name, "cgroups", "/bin/sleep", "30")
    assert r.returncode == 0, r.stderr
    created = ps_json(barco)[name]["created"]
    assert Path(f"/run/barco/{name}/pid").read_text() == "0\n"
    time.sleep(1.2)  # "created" is in whole seconds
    for _ in ("userns", "namespaces", "hostname"):
        r = barco.run("step", name)
        assert r.returncode == 0, r.stderr
        assert ps_json(barco)[name]["created"] == created
        pid = state_of(name)["pid"]
        assert pid > 0 and os.path.exists(f"/proc/{pid}")
        assert Path(f"/run/barco/{name}/pid").read_text() == f"{pid}\n"
    r = barco.run("delete", name)
    assert r.returncode == 0, r.stderr


# ---- bad input ----------------------------------------------------------------------------

def test_unknown_stage_lists_the_stages_and_creates_nothing(barco, names):
    name = names()
    r = barco.create(name, "bogus")
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert "bogus" in line
    for stage in STAGES:
        assert stage in line
    assert r.stdout == ""
    assert not (RUN_DIR / name).exists()
    assert existing_cgroup_dirs(name) == []


def test_unknown_stage_on_a_paused_container_changes_nothing(barco, names):
    name = names()
    assert barco.create(name, "namespaces").returncode == 0
    pid = pid_of(name)
    r = barco.run("step", name, "--until=nosuchstage")
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert all(stage in line for stage in STAGES)
    assert state_of(name)["stage"] == "namespaces"
    assert pid_of(name) == pid and is_alive(pid)


def test_going_backwards_is_refused_and_the_container_stays_usable(barco, names):
    name = names()
    r = barco.create(name, "caps", "/bin/sh", "-c", "echo still-fine; exit 9")
    assert r.returncode == 0, r.stderr
    pid = pid_of(name)
    r = barco.run("step", name, "--until=userns")
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert "userns" in line and "forward" in line, line
    assert "seccomp" in line, "the message names the next stage"
    assert r.stdout == ""
    assert state_of(name)["stage"] == "caps"
    assert pid_of(name) == pid and is_alive(pid)
    assert proc_status(pid)["Seccomp"] == "0"
    assert ps_json(barco)[name]["stage"] == "caps"
    r = barco.run("step", name)
    assert r.returncode == 0, r.stderr
    assert [rep[0] for rep in text_reports(r.stdout)] == ["seccomp"]
    assert state_of(name)["stage"] == "seccomp"
    assert proc_status(pid)["Seccomp"] == "2"
    r = barco.run("step", name, "--until=exec")
    assert r.returncode == 9, r.stderr
    assert command_lines(r.stdout) == ["still-fine"]


def test_the_current_stage_again_is_refused(barco, names):
    name = names()
    assert barco.create(name, "mounts").returncode == 0
    r = barco.run("step", name, "--until=mounts")
    assert r.returncode == EXIT_BARCO
    one_barco_error(r.stderr)
    assert state_of(name)["stage"] == "mounts"


def test_a_name_in_use_is_refused_and_the_first_container_survives(barco, names):
    name = names()
    assert barco.create(name, "userns").returncode == 0
    first = state_of(name)
    r = barco.create(name, "cgroups")
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert name in line and "exists" in line, line
    assert state_of(name) == first
    assert is_alive(first["pid"]) and is_alive(first["runner_pid"])
    assert "/barco/" + name in cgroup_paths_of(first["pid"]).values()
    # Still advanceable by its own monitor.
    r = barco.run("step", name)
    assert r.returncode == 0, r.stderr
    assert state_of(name)["stage"] == "namespaces"


def test_step_of_a_name_that_does_not_exist(barco, names):
    name = names()
    r = barco.run("step", name)
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert f"no container named '{name}'" in line
    assert not (RUN_DIR / name).exists()
    r = barco.run("delete", name)
    assert r.returncode == EXIT_BARCO
    assert "no container named" in one_barco_error(r.stderr)


def test_invalid_name_is_refused(barco):
    r = barco.run("step", "--until=userns", "--name", "../evil", "--rootfs", barco.rootfs,
                  "--", "/bin/true")
    assert r.returncode == EXIT_BARCO
    one_barco_error(r.stderr)
    assert not Path("/run/evil").exists()


def test_until_is_required_to_create(barco, names):
    name = names()
    r = barco.run("step", "--name", name, "--rootfs", barco.rootfs, "--", "/bin/true")
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert "--until" in line
    assert not (RUN_DIR / name).exists()
    assert existing_cgroup_dirs(name) == []


# ---- faults ---------------------------------------------------------------------------------

def assert_gone_monitor_error(r, name):
    """`barco step NAME` after its monitor died: 125 and the `barco delete` hint. Any
    other barco starting a container reclaims stale state (state.c), so on a busy
    host the name may already be gone: then "no container named" is right too."""
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    if f"no container named '{name}'" in line and not (RUN_DIR / name).exists():
        return False
    assert f"barco delete {name}" in line, line
    return True


def cgroup_pids(name):
    return [int(p) for d in existing_cgroup_dirs(name)
            for p in (d / "cgroup.procs").read_text().split()]


def kill_monitor(name):
    """SIGKILL the monitor, and wait for the paused container process to follow it
    (it reads end of file on its socket and exits)."""
    runner = state_of(name)["runner_pid"]
    pids = cgroup_pids(name)
    assert is_alive(runner)
    os.kill(runner, signal.SIGKILL)
    assert wait_dead(runner), f"monitor {runner} survived SIGKILL"
    for p in pids:
        assert wait_dead(p), f"container process {p} outlived its monitor"
    return runner


def sockets_of(pid):
    """Inodes of the sockets PID has open."""
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            m = re.match(r"socket:\[(\d+)\]$", os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            continue
        if m:
            out.add(m.group(1))
    return out


def ctl_socket_inodes(name):
    """Inodes of every socket bound to or accepted on /run/barco/NAME/ctl.sock."""
    path = str(RUN_DIR / name / "ctl.sock")
    out = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        f = line.split()
        if len(f) >= 8 and f[7] == path:
            out.add(f[6])
    return out


@pytest.mark.parametrize("stage", ["userns", "namespaces", "seccomp"])
def test_paused_container_holds_no_control_socket_of_its_monitor(barco, names, stage):
    """The container must not inherit the monitor's listening ctl.sock (nor a client's
    connection): while it holds them, a client can connect after the monitor died
    and gets "sendmsg: Connection reset by peer" instead of the `barco delete` hint,
    or waits on a socket nobody serves."""
    name = names()
    assert barco.create(name, stage).returncode == 0
    ctl = ctl_socket_inodes(name)
    assert ctl, "no socket bound to ctl.sock"
    runner = state_of(name)["runner_pid"]
    assert sockets_of(runner) & ctl, "the monitor does not hold its own ctl.sock"
    for pid in cgroup_pids(name):
        held = sockets_of(pid) & ctl
        assert not held, f"container process {pid} holds ctl.sock sockets {held}"


def test_step_after_the_monitor_died_says_to_delete(barco, names):
    name = names()
    assert barco.create(name, "namespaces").returncode == 0
    kill_monitor(name)
    if not assert_gone_monitor_error(barco.run("step", name), name):
        pytest.skip("another barco reclaimed the stale state before we could look")
    deadline = time.monotonic() + 3
    while ps_json(barco).get(name, {}).get("live") and time.monotonic() < deadline:
        time.sleep(0.05)
    listed = ps_json(barco)
    assert name not in listed or listed[name]["live"] is False


@pytest.mark.parametrize("stage", PAUSABLE)
def test_monitor_killed_at_each_stage_then_delete_cleans_up(barco, names, stage):
    name = names()
    r = barco.create(name, stage, "/bin/sleep", "30")
    assert r.returncode == 0, r.stderr
    pids = cgroup_pids(name)
    if stage != "cgroups":
        assert pid_of(name) in pids
    kill_monitor(name)
    if assert_gone_monitor_error(barco.run("step", name), name):
        r = barco.run("delete", name)
        if r.returncode != 0:  # reclaimed by another barco in between
            assert f"no container named '{name}'" in one_barco_error(r.stderr), r.stderr
        else:
            assert r.stdout.strip() == name
    assert_nothing_left(name, str(barco.rootfs))
    for p in pids:
        assert wait_dead(p, 2.0), f"container process {p} survived"


def test_two_clients_advancing_at_once_run_the_command_once(barco, names, reap):
    name = names()
    marker = "ran-once"
    r = barco.create(name, "seccomp", "/bin/sh", "-c", f"sleep 1; echo {marker}")
    assert r.returncode == 0, r.stderr
    clients = [barco.popen("step", name, "--until=exec") for _ in range(2)]
    for c in clients:
        reap(c)
    results = []
    for c in clients:
        out, err = c.communicate(timeout=TIMEOUT)
        results.append((c.returncode, out, err))
    ran = [res for res in results if marker in res[1]]
    refused = [res for res in results if marker not in res[1]]
    assert len(ran) == 1, results
    assert ran[0][0] == 0, results
    assert refused[0][0] == EXIT_BARCO, results
    line = one_barco_error(refused[0][2])
    assert re.search(r"busy|no container named|gone|died", line), line
    assert_nothing_left(name, str(barco.scratch))


def test_a_client_that_never_asks_does_not_hold_the_monitor(barco, names):
    """The monitor serves one client at a time; a connection that sends nothing
    is dropped after its request timeout (5 s), and the next client is served."""
    name = names()
    r = barco.create(name, "userns", "/bin/true")
    assert r.returncode == 0, r.stderr
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as idle:
        idle.connect(f"/run/barco/{name}/ctl.sock")
        r = barco.run("step", name, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "namespaces" in r.stdout
        idle.settimeout(5)
        assert idle.recv(64) == b"", "the monitor kept the silent client"
    r = barco.run("delete", name)
    assert r.returncode == 0, r.stderr
    assert_nothing_left(name, str(barco.rootfs))


def test_delete_while_the_command_runs_ends_the_client_with_137(barco, names, reap):
    name = names()
    r = barco.create(name, "seccomp", "/bin/sleep", "30")
    assert r.returncode == 0, r.stderr
    pid = pid_of(name)
    client = barco.popen("step", name, "--until=exec")
    reap(client)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}/comm").read_text().strip() != "sleep":
        assert time.monotonic() < deadline, "the command never started"
        assert client.poll() is None, client.communicate()
        time.sleep(0.02)
    r = barco.run("delete", name)
    assert r.returncode == 0, r.stderr
    out, err = client.communicate(timeout=10)
    assert client.returncode == 137, (out, err)
    assert_nothing_left(name, str(barco.scratch))
    assert wait_dead(pid, 1.0)
