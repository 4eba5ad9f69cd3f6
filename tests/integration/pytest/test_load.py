"""Load: many containers, one after another and at once, and a long-lived
step monitor serving many requests, leak nothing.

What can leak is what outlives a barco process: cgroup directories under
the barco/ parents, mounts in the host's mount namespace, /run/barco
entries, processes, and the descriptors of a process that lives on (the
step monitor; the container, which must not inherit barco's). The counts
of descriptors of barco processes after they exit mean nothing, so those
are what is measured. The commands are /bin/true: the tests are about
barco, not the containers.
"""

import fcntl
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

from conftest import (BARCO, EXIT_BARCO, RUN_DIR, TIMEOUT, host_mounts_mentioning, leftovers,
                      one_barco_error, state_of)

# Inside the VM (BARCO_IN_VM=1, software emulation) a barco run costs ten
# times what it does on a host: fewer rounds there. Every round checks the
# same things, so a leak in any one of them still fails the test.
IN_VM = os.environ.get("BARCO_IN_VM") == "1"
SEQUENTIAL = 50 if IN_VM else 200
CONCURRENT = 20
REQUESTS = 20 if IN_VM else 50


def barco_made(prefix):
    """Everything on the host whose name starts with prefix: state, cgroups."""
    found = [str(p) for p in RUN_DIR.glob(prefix + "*")]
    for parent in [Path("/sys/fs/cgroup/barco")] + sorted(Path("/sys/fs/cgroup").glob("*/barco")):
        found += [str(p) for p in parent.glob(prefix + "*") if p.is_dir()]
    return found


def assert_nothing_of(barco, prefix, names):
    assert barco_made(prefix) == []
    assert host_mounts_mentioning(str(barco.scratch)) == []
    for n in names:
        assert leftovers(n) == [], f"left behind by {n}"


def run_args(barco, name, *cmd):
    return ["run", "--rootfs", barco.rootfs, "--name", name, "--", *(cmd or ("/bin/true",))]


def open_fds(pid):
    """PID's descriptors once they settle: the monitor closes a client's
    connection just after its last reply, which the client may beat."""
    last = None
    for _ in range(100):
        now = sorted(os.listdir(f"/proc/{pid}/fd"), key=int)
        if now == last:
            return now
        last = now
        time.sleep(0.05)
    return last


def test_sequential_runs(barco):
    prefix = "pl-" + secrets.token_hex(3) + "-"
    names = [f"{prefix}{i}" for i in range(SEQUENTIAL)]
    start = time.monotonic()
    for n in names:
        r = barco.run(*run_args(barco, n))
        assert r.returncode == 0, f"{n}: {r.stderr}"
    elapsed = time.monotonic() - start
    print(f"{SEQUENTIAL} sequential runs: {elapsed:.1f} s")
    assert_nothing_of(barco, prefix, names[:10] + names[-10:])


def test_concurrent_runs(barco):
    prefix = "pc-" + secrets.token_hex(3) + "-"
    names = [f"{prefix}{i}" for i in range(CONCURRENT)]
    procs = [barco.popen(*run_args(barco, n, "/bin/sleep", "0.2")) for n in names]
    for n, p in zip(names, procs):
        out, err = p.communicate(timeout=TIMEOUT * 2)
        assert p.returncode == 0, f"{n}: {err}"
    assert_nothing_of(barco, prefix, names)


def test_container_inherits_no_descriptor(barco, names):
    """Descriptors barco's caller had open (here 41 of them, one above 500)
    do not reach the command (close_range(CLOSE_RANGE_CLOEXEC) at exec)."""
    name = names()
    extra = []
    null = os.open("/dev/null", os.O_RDONLY)
    try:
        extra = [os.dup(null) for _ in range(40)]
        extra.append(fcntl.fcntl(null, fcntl.F_DUPFD, 500))
        r = subprocess.run([str(BARCO), *map(str, run_args(barco, name, "/bin/ls",
                                                               "/proc/self/fd"))],
                           env=barco.env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=TIMEOUT, pass_fds=extra)
    finally:
        for fd in extra:
            os.close(fd)
        os.close(null)
    assert r.returncode == 0, r.stderr
    # ls itself holds one descriptor open on /proc/self/fd while it lists it.
    fds = sorted(int(x) for x in r.stdout.split())
    assert fds[:3] == [0, 1, 2] and len(fds) <= 4, f"the container sees descriptors {fds}"


def ctl_socket(name):
    return str(RUN_DIR / name / "ctl.sock")


def garbage_requests(name, i):
    """A client that sends what the monitor does not expect (no request is
    well formed): nothing it sends, descriptors included, may stay open."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(ctl_socket(name))
        kind = i % 4
        if kind == 0:
            s.send(b"garbage")
        elif kind == 1:  # descriptors with a message too short to be a request
            fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(3)]
            try:
                socket.send_fds(s, [b"x"], fds)
            finally:
                for fd in fds:
                    os.close(fd)
        elif kind == 2:  # more descriptors than any request carries
            fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(6)]
            try:
                socket.send_fds(s, [b"\0" * 64], fds)
            finally:
                for fd in fds:
                    os.close(fd)
        # kind 3: connect and hang up without a word
    finally:
        s.close()


def test_monitor_descriptors_stable(barco, names):
    """A paused container's monitor serves REQUESTS refused advances, `barco
    ps` calls and malformed requests: its descriptors do not change."""
    name = names()
    r = barco.create(name, "userns", "/bin/true", json_out=False)
    assert r.returncode == 0, r.stderr
    monitor = state_of(name)["runner_pid"]
    before = open_fds(monitor)
    for i in range(REQUESTS):
        refused = barco.run("step", name, "--until=cgroups")
        assert refused.returncode == EXIT_BARCO
        assert "done already" in one_barco_error(refused.stderr)
        assert barco.run("ps").returncode == 0
        garbage_requests(name, i)
    assert open_fds(monitor) == before, f"monitor {monitor} descriptors grew"
    # Still serving: advance, then finish.
    r = barco.run("step", name)
    assert r.returncode == 0, r.stderr
    assert state_of(name)["stage"] == "namespaces"


def test_monitor_descriptors_across_stages(barco, names):
    """One descriptor per thing the monitor holds; advancing does not add any
    (the stdio each client passes is closed unless the command gets it)."""
    name = names()
    r = barco.create(name, "userns", "/bin/true", json_out=False)
    assert r.returncode == 0, r.stderr
    monitor = state_of(name)["runner_pid"]
    counts = {"userns": len(open_fds(monitor))}
    for stage in ["namespaces", "hostname", "mounts", "network", "caps", "seccomp"]:
        r = barco.run("step", name)
        assert r.returncode == 0, r.stderr
        counts[stage] = len(open_fds(monitor))
    assert len(set(counts.values())) == 1, f"monitor descriptors per stage: {counts}"
    r = barco.run("step", name)
    assert r.returncode == 0, r.stderr
