"""Shared fixtures for barco's pytest integration suites (step, ps, delete).

Run as root with the system Python:  /usr/bin/python3 -m pytest -q tests/integration

Every container a test makes is named by the `names` fixture ("pt-" + random
hex); whatever the test does, its finalizer runs `barco delete NAME` and then
checks that nothing of NAME is left on the host: no /run/barco/NAME, no cgroup
directory, no process in its cgroup or naming it on its command line, no mount
of the test rootfs.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# BARCO_BIN: another barco to test, e.g. the one a package installed (vm/init).
BARCO = Path(os.environ.get("BARCO_BIN") or REPO / "bin" / "barco")
HELPER = REPO / "bin" / "barco-testhelper"
HOST_FACTS = REPO / "tests" / "integration" / "host-facts"
RUN_DIR = Path("/run/barco")
CGROUP_ROOT = Path("/sys/fs/cgroup")

# The stages, in the order barco runs them; all but exec can be paused after.
STAGES = ["cgroups", "userns", "namespaces", "hostname", "mounts", "network",
          "caps", "seccomp", "exec"]
PAUSABLE = STAGES[:-1]

# The default idmap puts container root at this host uid (and gid).
MAPPED_ROOT = 100000
# CapEff = CapBnd of container root with the default allowlist.
DEFAULT_CAPS = "00000000a80425fb"
# Seconds any one barco invocation may take before the test gives up on it.
TIMEOUT = 30
EXIT_BARCO = 125


# ---- host facts ---------------------------------------------------------------

def is_cgroup_v2():
    return (CGROUP_ROOT / "cgroup.controllers").exists()


def has_unified_hybrid():
    """A hybrid host: v1 controllers plus a cgroup2 tree at /sys/fs/cgroup/unified."""
    return (CGROUP_ROOT / "unified" / "cgroup.controllers").exists()


def host_facts(*args):
    """tests/integration/host-facts, which the bats helpers call too: its lines."""
    r = subprocess.run([str(HOST_FACTS), *args], stdout=subprocess.PIPE, text=True,
                       check=True, timeout=TIMEOUT)
    return r.stdout.splitlines()


def cgroup_dirs(name):
    """The cgroup directories barco makes for NAME: {role: Path}.

    Roles: memory, cpu, pids (v1 controllers, or all "unified" on v2) and
    unified (the cgroup2 directory)."""
    pairs = (line.split(" ", 1) for line in host_facts("cgroup-dirs", name))
    return {role: Path(d) for role, d in pairs}


def existing_cgroup_dirs(name):
    """Every directory named NAME under any barco/ cgroup parent."""
    return [Path(d) for d in host_facts("existing-cgroup-dirs", name)]


def all_caps_mask():
    return host_facts("caps-mask")[0]


# ---- processes ----------------------------------------------------------------

def read_text(path, default=None):
    try:
        return Path(path).read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return default


def proc_status(pid):
    """/proc/PID/status as a dict (empty when the process is gone)."""
    text = read_text(f"/proc/{pid}/status", "")
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def is_alive(pid):
    """True while PID exists and is not a zombie."""
    st = proc_status(pid)
    return bool(st) and not st.get("State", "").startswith(("Z", "X"))


def wait_dead(pid, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.02)
    return not is_alive(pid)


def cgroup_paths_of(pid):
    """The cgroup paths in /proc/PID/cgroup: {hierarchy-controllers: path}."""
    out = {}
    for line in (read_text(f"/proc/{pid}/cgroup", "") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            out[parts[1]] = parts[2]
    return out


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def processes_of(name):
    """Live processes in one of NAME's cgroups or with NAME as an argument."""
    me = os.getpid()
    found = []
    cg = "/barco/" + name
    for pid in all_pids():
        if pid == me or not is_alive(pid):
            continue
        paths = cgroup_paths_of(pid).values()
        in_cgroup = any(p == cg or p.startswith(cg + "/") for p in paths)
        cmdline = (read_text(f"/proc/{pid}/cmdline", "") or "").split("\0")
        if in_cgroup or name in cmdline:
            found.append((pid, " ".join(cmdline).strip()))
    return found


# ---- leftovers ----------------------------------------------------------------

def host_mounts_mentioning(text):
    return [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if text in line]


def leftovers(name, mount_marker=None):
    """Everything that remains of container NAME, as strings; [] when clean."""
    left = []
    if (RUN_DIR / name).exists():
        left.append(f"state dir {RUN_DIR / name}")
    left += [f"cgroup {d}" for d in existing_cgroup_dirs(name)]
    left += [f"process {pid}: {cmd}" for pid, cmd in processes_of(name)]
    if mount_marker:
        left += [f"mount {m}" for m in host_mounts_mentioning(mount_marker)]
    return left


def assert_nothing_left(name, mount_marker=None, grace=3.0):
    """Polls briefly (a SIGKILLed process takes a moment to be reaped), then asserts."""
    deadline = time.monotonic() + grace
    left = leftovers(name, mount_marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = leftovers(name, mount_marker)
    assert left == [], f"left behind by {name}: {left}"


# ---- running barco ------------------------------------------------------------

class Barco:
    """Runs bin/barco with the suite's BARCO_HOME and a timeout."""

    def __init__(self, home, rootfs, scratch):
        self.home = home
        self.rootfs = rootfs
        self.scratch = scratch
        self.env = dict(os.environ, BARCO_HOME=str(home))

    def run(self, *args, timeout=TIMEOUT, stdin=subprocess.DEVNULL, cpus=None):
        """cpus: a set of CPUs to pin barco (and whatever it forks) to."""
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        return subprocess.run([str(BARCO), *map(str, args)], env=self.env,
                              stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, preexec_fn=pin)

    def popen(self, *args, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen([str(BARCO), *map(str, args)], env=self.env, text=True, **kw)

    def create(self, name, until, *cmd, opts=(), json_out=True, rootfs=True, cpus=None):
        """`barco step --until=UNTIL --name NAME [--rootfs R] OPTS -- CMD`."""
        args = ["step", f"--until={until}", "--name", name]
        if rootfs:
            args += ["--rootfs", self.rootfs]
        if json_out:
            args.append("--json")
        args += list(opts)
        args += ["--", *(cmd or ("/bin/true",))]
        return self.run(*args, cpus=cpus)


def state_of(name):
    return json.loads((RUN_DIR / name / "state.json").read_text())


def pid_of(name):
    return int((RUN_DIR / name / "pid").read_text().strip())


def parse_json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def one_barco_error(stderr):
    """The single 'barco: ' line on stderr of a failed barco call."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith("barco: "), lines[0]
    return lines[0]


# ---- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="session")
def barco():
    if os.geteuid() != 0:
        pytest.skip("barco integration tests need root")
    if not BARCO.is_file() or not HELPER.is_file():
        pytest.fail(f"build first: make (missing {BARCO} or {HELPER})")
    if int(read_text("/proc/sys/user/max_user_namespaces", "0") or 0) == 0:
        pytest.skip("user namespaces disabled (user.max_user_namespaces = 0)")
    # World-traversable: container root is host uid 100000 and must reach the rootfs.
    scratch = Path(tempfile.mkdtemp(prefix="barco-pt."))
    scratch.chmod(0o755)
    rootfs = scratch / "rootfs"
    home = scratch / "home"
    home.mkdir()
    r = subprocess.run([str(BARCO), "rootfs", "create", str(rootfs)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    assert r.returncode == 0, f"barco rootfs create failed: {r.stderr}"
    dest = rootfs / "bin" / "barco-testhelper"
    shutil.copyfile(HELPER, dest)
    dest.chmod(0o755)
    os.chown(dest, MAPPED_ROOT, MAPPED_ROOT)
    try:
        yield Barco(home, rootfs, scratch)
    finally:
        mounted = host_mounts_mentioning(str(scratch))
        # Never delete through a mount that is still there.
        if not mounted:
            shutil.rmtree(scratch, ignore_errors=True)
        assert mounted == [], f"mounts of the test scratch dir left: {mounted}"


@pytest.fixture
def names(barco):
    """names() -> a fresh container name; every such name is deleted and checked after."""
    made = []

    def new():
        n = "pt-" + secrets.token_hex(4)
        made.append(n)
        return n

    yield new
    problems = []
    for n in made:
        try:
            barco.run("delete", n)
        except subprocess.TimeoutExpired:
            problems.append(f"barco delete {n} timed out")
        left = []
        deadline = time.monotonic() + 3
        while True:
            left = leftovers(n, str(barco.scratch))
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        problems += left
    assert problems == [], f"left behind after barco delete: {problems}"


@pytest.fixture
def reap():
    """Popen objects registered here are killed (if still running) at the end."""
    procs = []
    yield procs.append
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        try:
            p.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError):
            pass


# ---- mountinfo ----------------------------------------------------------------

def mountinfo(pid):
    """Parsed /proc/PID/mountinfo: dicts with root, mountpoint, dev, fstype, source."""
    out = []
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        f = line.split()
        sep = f.index("-")
        out.append({"id": f[0], "dev": f[2], "root": unescape(f[3]),
                    "mountpoint": unescape(f[4]), "fstype": f[sep + 1],
                    "source": f[sep + 2], "line": line})
    return out


def unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def expected_root_field(path):
    """What mountinfo's root field shows for a bind mount of PATH: PATH relative
    to the root of the filesystem that holds it, as the host's mountinfo tells."""
    path = os.path.realpath(path)
    best = None
    for m in mountinfo("self"):
        mp = m["mountpoint"]
        if path == mp or path.startswith(mp.rstrip("/") + "/"):
            if best is None or len(mp) >= len(best["mountpoint"]):
                best = m
    rel = path[len(best["mountpoint"].rstrip("/")):]
    return os.path.normpath(best["root"].rstrip("/") + rel) if rel else best["root"]
