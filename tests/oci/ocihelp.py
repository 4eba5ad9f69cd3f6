"""Helpers for the OCI runtime tests (see conftest.py)."""

import contextlib
import ctypes
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[2]
BARCO = REPO / "bin" / "barco"
CGROUP_ROOT = Path("/sys/fs/cgroup")
PR_SET_CHILD_SUBREAPER = 36
# Seconds one runtime invocation may take before the test gives up on it.
TIMEOUT = 30
# Host ids container root maps to when a test asks for a user namespace
# (`barco rootfs create` makes the rootfs owned by this uid).
MAPPED_ROOT = 100000
MAPPED_SIZE = 65536

HYBRID_CRUN = "cgroups in hybrid mode not supported"


# ---- runtimes -----------------------------------------------------------------

def parse_runtimes(text):
    """'runc barco=/x/barco' -> [('runc', 'runc'), ('barco', '/x/barco')]."""
    out = []
    for word in text.split():
        name, _, path = word.partition("=")
        out.append((name, path or name))
    return out


def default_runtimes():
    found = [("runc", "runc")]
    if shutil.which("crun"):
        found.append(("crun", "crun"))
    return found


def runtimes_from_env():
    text = os.environ.get("OCI_RUNTIMES", "").strip()
    return parse_runtimes(text) if text else None


class Runtime:
    """One runtime binary, always called with its own `--root` under a temp dir."""

    def __init__(self, name, path, root):
        self.name = name
        self.path = path
        self.root = Path(root)

    def argv(self, *args, root=True, log=None):
        g = [self.path]
        if root:
            g += ["--root", str(self.root)]
        if log:
            g += ["--log", str(log), "--log-format", "json"]
        return g + [str(a) for a in args]

    def run(self, *args, root=True, log=None, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
            stdout=None, stderr=None):
        """Runs the runtime; stdout and stderr go to files unless given (never to
        pipes: a container's init inherits them and would hold them open)."""
        with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
            r = subprocess.run(self.argv(*args, root=root, log=log), stdin=stdin,
                               stdout=stdout or o, stderr=stderr or e, timeout=timeout)
            o.seek(0)
            e.seek(0)
            r.stdout = o.read() if stdout is None else b""
            r.stderr = e.read() if stderr is None else b""
        return r

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, \
            f"{self.name} {' '.join(map(str, args))}: exit {r.returncode}: {text(r.stderr)}"
        return r

    def state(self, cid, **kw):
        r = self.ok("state", cid, **kw)
        return json.loads(r.stdout)

    def status(self, cid):
        return self.state(cid)["status"]


def text(b):
    return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")


def says_unknown_id(rt, err):
    """Whether err is rt's answer for an id it has no container of. runc's words,
    "container ID does not exist", are what clients match (FACTS.md; barco says
    them too). crun 1.8.1 names the state it could not open instead: "error
    opening file `ROOT/ID/status`: No such file or directory", or for delete
    "cannot open directory 'ROOT/ID': No such file or directory" (measured in the
    Debian 12 VM, make vm-oci-test)."""
    if rt.name == "crun":
        return "No such file or directory" in err
    return "does not exist" in err


def runtime_unusable(name, path, probe_bundle, scratch):
    """Why NAME cannot be tested on this host, or None."""
    exe = shutil.which(path)
    if not exe:
        return f"{name}: no executable {path}"
    root = Path(tempfile.mkdtemp(prefix="probe.", dir=scratch))
    probe = Runtime(name, exe, root)
    cid = "oci-probe-" + secrets.token_hex(4)
    try:
        # barco rejects `--root` and `state` ("unknown option", "unknown
        # command", exit 125) until it has the OCI commands: skip it then.
        # Any other answer, right or wrong, is tested.
        argv = " ".join(probe.argv("state", cid))
        r = probe.run("state", cid)
        err = text(r.stderr).strip()
        if r.returncode != 0 and ("unknown command" in err or "unknown option" in err):
            return (f"{name} does not speak the OCI CLI yet: `{argv}` exited "
                    f"{r.returncode}: {err!r}")
        r = probe.run("create", "--bundle", probe_bundle, "--pid-file",
                      probe_bundle / "probe.pid", cid)
        if r.returncode != 0:
            err = text(r.stderr).strip()
            if HYBRID_CRUN in err:
                return f"{name} refuses this hybrid-cgroup host: {err!r}"
        # Any other failure is the runtime's: the tests run and show it.
        return None
    finally:
        probe.run("delete", "--force", cid)
        if (probe_bundle / "probe.pid").exists():
            reap(read_pid_file(probe_bundle / "probe.pid"))
        shutil.rmtree(root, ignore_errors=True)


# ---- processes ----------------------------------------------------------------

def make_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def proc_stat(pid):
    """(state, ppid) of PID, or None when it is gone."""
    try:
        s = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def is_alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children_of(pid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            st = proc_stat(p)
            if st and st[1] == pid:
                out.append(int(p))
    return out


def reap(pid, timeout=10.0):
    """waitpid(PID) if it is our child: its exit status (as os.waitstatus_to_exitcode), or None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if got == pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def reap_zombie_children():
    """Reaps our zombie children: orphans re-parented to us (inits, shims, conmons)."""
    for pid in children_of(os.getpid()):
        st = proc_stat(pid)
        if st and st[0] == "Z":
            reap(pid, timeout=0)


@contextlib.contextmanager
def console_listener(path, timeout=20):
    """Listens on the AF_UNIX socket PATH, as conmon and the shim do, for one
    --console-socket message; yields a dict that holds "msg" and "fds" (or
    "error") once the block has run."""
    got = {}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as srv:
        srv.bind(str(path))
        srv.listen(1)
        srv.settimeout(timeout)

        def receive():
            try:
                conn, _ = srv.accept()
                with conn:
                    got["msg"], got["fds"], _, _ = socket.recv_fds(conn, 4096, 4)
            except OSError as e:
                got["error"] = repr(e)

        t = threading.Thread(target=receive)
        t.start()
        try:
            yield got
        finally:
            t.join(timeout + 10)


def read_pid_file(path):
    return int(Path(path).read_text())


def wait_for(pred, seconds=10.0, step=0.02):
    deadline = time.monotonic() + seconds
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def wait_status(rt, cid, want, seconds=10.0):
    got = wait_for(lambda: rt.status(cid) == want, seconds)
    assert got, f"{rt.name}: {cid} status {rt.status(cid)!r}, want {want!r}"


def processes_mentioning(word):
    """Live processes whose command line or cgroup paths contain WORD."""
    me = os.getpid()
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me or not is_alive(p):
            continue
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            cg = Path(f"/proc/{p}/cgroup").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if word in cmd or word in cg:
            found.append(f"{p}: {cmd.strip()}")
    return found


def cgroup_dirs_named(cid):
    """Directories named CID directly under each hierarchy's root, our own cgroup,
    or barco's parent ("barco", where barco names a container's cgroups)."""
    found = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if ctrls.startswith("name="):
            ctrls = ctrls[5:]
        hier = CGROUP_ROOT / (ctrls or "unified")
        if not hier.is_dir() and not ctrls:
            hier = CGROUP_ROOT
        for base in {hier, hier / path.lstrip("/"), hier / "barco"}:
            d = base / cid
            if d.is_dir():
                found.append(str(d))
    return sorted(set(found))


def leftovers(rt, cid, pids=()):
    left = []
    if (rt.root / cid).exists():
        left.append(f"state dir {rt.root / cid}")
    left += [f"process {p} still alive" for p in pids if is_alive(p)]
    left += [f"process {p}" for p in processes_mentioning(cid)]
    left += [f"cgroup {d}" for d in cgroup_dirs_named(cid)]
    return left


def assert_nothing_left(rt, cid, pids=(), grace=5.0):
    left = wait_for(lambda: not leftovers(rt, cid, pids), grace) or leftovers(rt, cid, pids)
    assert left in (True, []), f"{rt.name}: left behind by {cid}: {left}"


# ---- rootfs and bundles -------------------------------------------------------

def make_rootfs(dest):
    """A busybox-static rootfs: `barco rootfs create` when barco is built, else by hand."""
    if BARCO.is_file():
        r = subprocess.run([str(BARCO), "rootfs", "create", str(dest)],
                           capture_output=True, timeout=120)
        assert r.returncode == 0, f"barco rootfs create: {text(r.stderr)}"
    else:
        bb = shutil.which("busybox") or "/bin/busybox"
        for d in ("bin", "dev", "etc", "proc", "sys", "tmp", "root"):
            (dest / d).mkdir(parents=True, exist_ok=True)
        shutil.copy2(bb, dest / "bin" / "busybox")
        applets = subprocess.run([str(dest / "bin" / "busybox"), "--list"],
                                 capture_output=True, text=True, check=True).stdout.split()
        for a in applets:
            if not (dest / "bin" / a).exists():
                (dest / "bin" / a).symlink_to("busybox")
        for p in dest.rglob("*"):
            os.lchown(p, MAPPED_ROOT, MAPPED_ROOT)
        os.chown(dest, MAPPED_ROOT, MAPPED_ROOT)
    # A file that exists but cannot be executed, for the "permission denied" test.
    noexec = dest / "bin" / "noexec"
    noexec.write_text("#!/bin/sh\necho never\n")
    noexec.chmod(0o644)


SPEC_SOURCES = ("runc", "crun", "barco")


def spec_config(source, scratch):
    """config.json as `SOURCE spec` writes it, or None with a reason."""
    named = dict(runtimes_from_env() or [])
    exe = shutil.which(named.get(source) or (str(BARCO) if source == "barco" else source))
    if not exe or not os.access(exe, os.X_OK):
        return None, f"no {source} binary to run `{source} spec`"
    d = Path(tempfile.mkdtemp(prefix=f"spec-{source}.", dir=scratch))
    r = subprocess.run([exe, "spec"], cwd=d, capture_output=True, timeout=TIMEOUT)
    cfg = d / "config.json"
    if r.returncode != 0 or not cfg.is_file():
        return None, (f"`{source} spec` does not work yet: exit {r.returncode}: "
                      f"{text(r.stderr).strip()!r}")
    return json.loads(cfg.read_text()), None


class Bundle:
    """A bundle directory with its config.json; `save()` after changing `config`."""

    def __init__(self, path, config, rootfs):
        self.path = path
        self.config = config
        self.rootfs = rootfs
        self.pid_file = path / "init.pid"

    def __fspath__(self):
        return str(self.path)

    def __str__(self):
        return str(self.path)

    def save(self):
        (self.path / "config.json").write_text(json.dumps(self.config, indent=1))
        return self

    def args(self, *args):
        self.config["process"]["args"] = list(args)
        return self.save()

    def user_namespace(self):
        lin = self.config["linux"]
        if not any(n["type"] == "user" for n in lin["namespaces"]):
            lin["namespaces"].append({"type": "user"})
        m = [{"containerID": 0, "hostID": MAPPED_ROOT, "size": MAPPED_SIZE}]
        lin["uidMappings"] = m
        lin["gidMappings"] = m
        return self.save()


def adjust(config, rootfs):
    """What every test wants of a spec's default: no terminal, the shared read-only rootfs."""
    c = json.loads(json.dumps(config))
    c["process"]["terminal"] = False
    c["process"]["args"] = ["true"]
    c["root"] = {"path": str(rootfs), "readonly": True}
    c.get("linux", {}).pop("uidMappings", None)
    c.get("linux", {}).pop("gidMappings", None)
    ns = c.get("linux", {}).get("namespaces", [])
    c["linux"]["namespaces"] = [n for n in ns if n["type"] != "user"]
    return c




def create(rt, b, cid, out=None, extra=(), log=None, expect_ok=True):
    """`RT create --bundle B --pid-file B/init.pid ID`, stdio to files (never pipes:
    with terminal false the init keeps them open). Returns (result, out_path)."""
    out = out or (b.path / f"{cid}.out")
    err = b.path / f"{cid}.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        r = rt.run("create", "--bundle", b.path, "--pid-file", b.pid_file, *extra, cid,
                   stdout=o, stderr=e, log=log)
    r.stderr = err.read_bytes()
    if expect_ok:
        assert r.returncode == 0, f"{rt.name} create {cid}: exit {r.returncode}: {text(r.stderr)}"
    return r, out


# What a -t container runs: its tty, whether stdin is one, and exit 4.
TTY_SCRIPT = "tty; test -t 0 && echo stdin-is-a-tty; exit 4"


def assert_tty_under_script(argv, timeout):
    """Runs an engine's `run -t ... sh -c TTY_SCRIPT` (argv) under script(1), which gives
    it a terminal, and checks the container got a pty of its own and exit 4 came back."""
    if not shutil.which("script"):
        pytest.skip("script(1) is not installed (util-linux)")
    cmd = " ".join(shlex.quote(str(a)) for a in argv)
    r = subprocess.run(["script", "-qec", cmd, "/dev/null"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    out = text(r.stdout)
    assert r.returncode == 4, f"exit {r.returncode}: {out} {text(r.stderr)}"
    assert "/dev/pts/" in out and "stdin-is-a-tty" in out, out


def start_ready(rt, b, cid, script):
    """create and start `sh -c SCRIPT`, which prints "ready" once it runs;
    returns (its stdout file, its init's pid) once it has."""
    b.args("sh", "-c", script)
    _, out = create(rt, b, cid)
    rt.ok("start", cid)
    assert wait_for(lambda: b"ready" in out.read_bytes()), "container never printed ready"
    return out, read_pid_file(b.pid_file)


def run_to_end(rt, b, cid):
    """create, start, wait for exit 0, delete, nothing left: (stdout, stderr) as text
    (the stderr of create, which the init inherited)."""
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    err = b.path / f"{cid}.err"
    rt.ok("start", cid)
    assert reap(pid, timeout=20) == 0, text(err.read_bytes())
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)
    return out.read_text(), text(err.read_bytes())


def assert_create_refused(rt, b, cid, json_path, barco_words=None):
    """create fails with exit 1 and leaves nothing; barco's error is one line
    naming the JSON path (or saying barco_words)."""
    r, _ = create(rt, b, cid, expect_ok=False)
    err = text(r.stderr).strip()
    assert r.returncode == 1, f"exit {r.returncode}: {err}"
    assert rt.run("state", cid).returncode == 1
    assert_nothing_left(rt, cid)
    if rt.name == "barco":
        want = barco_words or f"config.json: {json_path}: "
        assert len(err.splitlines()) == 1 and want in err, err
    return err
