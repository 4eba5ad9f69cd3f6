"""Fixtures for the OCI runtime tests: any runc-compatible binary, one contract.

Run as root with the system Python (standard library and pytest only):

    OCI_RUNTIMES="runc barco=/path/to/bin/barco" /usr/bin/python3 -m pytest -q tests/oci

OCI_RUNTIMES is a space-separated list of NAME or NAME=PATH (default: runc,
plus crun where this host lets crun run a container). Every test that takes
the `rt` fixture runs once per runtime. A runtime that cannot run here is
skipped with the reason: barco until it answers `state` the OCI way, crun on
a hybrid-cgroup host.

This pytest process makes itself a child subreaper (prctl
PR_SET_CHILD_SUBREAPER, as conmon and containerd's shim do): a container's
init, re-parented to the caller of `create`, becomes our child; the tests
read its exit status with waitpid and no zombie is left (pid 1 of this host
does not reap orphans).
"""

import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from ocihelp import (Bundle, Runtime, adjust, default_runtimes, is_alive, leftovers,
                     make_rootfs, make_subreaper, reap, reap_zombie_children,
                     runtime_unusable, runtimes_from_env, spec_config, wait_for, SPEC_SOURCES)


DEFAULT_ROOTS = [Path("/run/runc"), Path("/run/crun")]


# ---- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="session")
def scratch():
    if os.geteuid() != 0:
        pytest.skip("the OCI runtime tests need root")
    make_subreaper()
    # Default state roots the tests make when a client passes no --root
    # (podman, test_default_root_*): removed at the end if empty and new.
    new_roots = [p for p in DEFAULT_ROOTS if not p.exists()]
    d = Path(tempfile.mkdtemp(prefix="barco-oci."))
    d.chmod(0o755)
    try:
        yield d
    finally:
        reap_zombie_children()
        shutil.rmtree(d, ignore_errors=True)
        for p in new_roots:
            try:
                p.rmdir()
            except OSError:
                pass


@pytest.fixture(scope="session")
def rootfs(scratch):
    d = scratch / "rootfs"
    make_rootfs(d)
    return d


@pytest.fixture(scope="session")
def specs(scratch):
    """{source: (config or None, reason)} for runc, crun and barco spec."""
    found = {s: spec_config(s, scratch) for s in SPEC_SOURCES}
    NO_SPEC.update({s: why for s, (cfg, why) in found.items() if cfg is None})
    return found


def new_bundle(scratch, rootfs, config):
    d = Path(tempfile.mkdtemp(prefix="bundle.", dir=scratch))
    d.chmod(0o755)
    b = Bundle(d, adjust(config, rootfs), rootfs)
    return b.save()


# Why each runtime named in OCI_RUNTIMES cannot be tested here (None: it can),
# printed once at the end of the run.
UNUSABLE = {}
# Why `SOURCE spec` gave no config.json, for the same summary.
NO_SPEC = {}


def reference_config(specs):
    """The first spec that exists: runc's, else crun's, else barco's."""
    for source in SPEC_SOURCES:
        cfg, _ = specs[source]
        if cfg is not None:
            return cfg, source
    return None, "; ".join(why for _, why in specs.values())


@pytest.fixture(scope="session")
def usable(scratch, rootfs, specs):
    """usable(name, path) -> why NAME cannot be tested here, or None; probed once."""
    def check(name, path):
        if name not in UNUSABLE:
            cfg, source = reference_config(specs)
            if cfg is None:
                UNUSABLE[name] = f"no `spec` command to make a bundle with: {source}"
            else:
                b = new_bundle(scratch, rootfs, cfg)
                b.args("sleep", "5")
                UNUSABLE[name] = runtime_unusable(name, path, b.path, scratch)
        return UNUSABLE[name]
    return check


def pytest_terminal_summary(terminalreporter):
    for name, why in UNUSABLE.items():
        terminalreporter.write_line(f"OCI runtime {name}: " + (f"SKIPPED: {why}" if why
                                                              else "tested"))
    for source, why in NO_SPEC.items():
        terminalreporter.write_line(f"bundles from `{source} spec`: SKIPPED: {why}")


def pytest_generate_tests(metafunc):
    if "rt" in metafunc.fixturenames:
        rts = runtimes_from_env() or default_runtimes()
        metafunc.parametrize("rt", rts, ids=[n for n, _ in rts], indirect=True)


@pytest.fixture
def rt(request, scratch, usable):
    name, path = request.param
    why = usable(name, path)
    if why:
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix=f"root-{name}.", dir=scratch))
    r = Runtime(name, shutil.which(path), root)
    yield r
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def bundle(scratch, rootfs, specs):
    """bundle() -> a fresh Bundle from the reference spec (runc's when there is
    a runc); bundle("crun") from `crun spec`."""
    def make(source=None):
        if source is None:
            cfg, why = reference_config(specs)
        else:
            cfg, why = specs[source]
        if cfg is None:
            pytest.skip(why)
        return new_bundle(scratch, rootfs, cfg)
    return make


@pytest.fixture
def ids_runtime(rt):
    """The runtime `ids` deletes with and checks: rt. A module whose tests run
    another (test_contract_rootless: the user's) overrides this fixture."""
    return rt


@pytest.fixture
def ids(ids_runtime):
    """ids() -> a fresh container id; each is deleted (--force) and checked after."""
    rt = ids_runtime
    made = []

    def new(cid=None):
        cid = cid or "oci-" + secrets.token_hex(6)
        made.append(cid)
        return cid

    yield new
    problems = []
    for cid in made:
        st = rt.run("state", cid)
        pid = json.loads(st.stdout).get("pid") if st.returncode == 0 else None
        rt.run("delete", "--force", cid)
        if pid:
            reap(pid, timeout=5)
        left = wait_for(lambda: not leftovers(rt, cid), 5) or leftovers(rt, cid)
        if left is not True:
            problems += left
        if pid and is_alive(pid):
            problems.append(f"init {pid} of {cid} alive")
    reap_zombie_children()
    assert problems == [], f"{rt.name}: left behind: {problems}"


