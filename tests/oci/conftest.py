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


# Where crun 1.8.1 (Debian 12), checked on pure cgroup v2 by make vm-oci-test,
# answers otherwise than runc 1.1.5 and barco: {test function, or
# function[parameters] for one case of it: what crun did}.
# These tests pin runc's answer (what clients expect, FACTS.md) or barco's own
# stricter one; for crun they are skipped with the reason rather than bent.
# Measured in the Debian 12 VM on 2026-12-07 (tests/oci/results/2026-12-07-vm-debian12-tcg.md).
CRUN_DIFFERS = {
    "test_start_only_on_created":
        "crun 1.8.1's start of a stopped container says \"is not running\", not \"stopped\"",
    "test_kill_unknown_and_stopped":
        "crun 1.8.1's kill of a stopped container says \"open pidfd: No such process\", not "
        "\"container not running\"",
    "test_update_refusals": "crun 1.8.1's update of a stopped container exits 0",
    "test_devices_cgroup[last-rule-wins]":
        "crun 1.8.1's device program lets an O_RDWR open through a later rule denying w "
        "(a write-only open is denied)",
    "test_devices_cgroup[empty]":
        "crun 1.8.1 adds no \"deny all\" to an empty device list: /dev/demo is usable",
    "test_delete_running_needs_force":
        "crun 1.8.1's delete of a running container says \"is not in `created` or `stopped` "
        "state\", not \"running\"",
    "test_join_a_bad_namespace_path":
        "crun 1.8.1 leaves the container's cgroup behind when joining a namespace fails",
    "test_group_outside_the_gid_map_fails_create":
        "crun 1.8.1 leaves the container's cgroup behind when create fails on the gid map",
    "test_exec_bad_command":
        "crun 1.8.1's failed exec leaves its process to the caller (one more child)",
    "test_exec_on_created_and_stopped":
        "crun 1.8.1's exec into a stopped container exits 1 (runc: 255)",
    "test_exec_usage_errors": "crun 1.8.1 exits 64 (EX_USAGE) for an unknown exec flag (runc: 1)",
    "test_exec_bad_process_file":
        "crun 1.8.1 exits 1 for a --process file that is not JSON (runc: 255), and runs one "
        "whose args is a string or whose env is empty without an error",
    "test_exec_flags_and_double_dash":
        "crun 1.8.1's exec --env replaces the environment: \"executable file `sh` not found "
        "in $PATH\" (runc adds to it)",
    "test_hooks_run_in_order_with_state":
        "crun 1.8.1 gives prestart hooks the status \"created\" (runc: \"creating\")",
    "test_create_hook_failure_fails_create":
        "crun 1.8.1's create exits 255 when a hook fails (runc: 1) and runs no poststop then",
    "test_poststart_failure_is_a_warning":
        "crun 1.8.1's start says nothing when a poststart hook fails",
    "test_bad_hooks_refused":
        "crun 1.8.1 runs malformed hooks (exit 255) or accepts them (timeout 0, poststart "
        "as an object) instead of refusing the spec",
    "test_pause_freezes_and_resume_thaws":
        "crun 1.8.1's exec into a paused container exits 1 (runc: 255)",
    "test_pause_created_resumes_to_created":
        "crun 1.8.1's state of a paused created container is \"created\"",
    "test_pause_resume_refusals": "crun 1.8.1's resume of a running container exits 0",
    "test_readonly_root_with_tmpcopyup_mount":
        "crun 1.8.1's tmpcopyup tmpfs keeps mode 1777, not the directory's 755",
    "test_update_from_stdin_and_flags":
        "crun 1.8.1's update --memory takes no unit suffix (\"50m\" is not parsed)",
    "test_update_bad_input_changes_nothing":
        "crun 1.8.1's update accepts [] and a string memory limit, exit 0",
    "test_runtime_binary_not_writable_through_proc_exe":
        "under crun 1.8.1 the attacker cannot open /proc/1/exe at all (EACCES): the attack "
        "this test stages does not start",
    "test_rootless_binary_of_the_user_not_writable_through_proc_exe":
        "under crun 1.8.1 the attacker cannot open the init's /proc/PID/ns/user (EACCES): "
        "the attack this test stages does not start",
    "test_rootless_subordinate_range_through_newuidmap":
        "crun 1.8.1 cannot make the user's rootfs private here: \"make `ROOTFS` private: "
        "Permission denied\"",
    "test_agent_answers_errno":
        "crun 1.8.1 sends the seccomp agent ociVersion 0.2.0 (the spec's 1.x expected)",
    "test_exec_sends_its_own_listener":
        "crun 1.8.1's exec sends the seccomp agent a state with pid 0 and bundle \".\"",
    "test_notify_without_listener_path_fails_create":
        "crun 1.8.1 accepts SCMP_ACT_NOTIFY without a listenerPath",
    "test_agent_that_never_accepts_fails_create":
        "crun 1.8.1's create waits past 30 s on an agent that never accepts",
    "test_bad_devices_fail_create": "crun 1.8.1 accepts malformed device entries, exit 0",
}


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
    if name == "crun":
        case = request.node.callspec.id.removeprefix("crun").removeprefix("-")
        for key in (request.node.originalname, f"{request.node.originalname}[{case}]"):
            if key in CRUN_DIFFERS:
                pytest.skip(CRUN_DIFFERS[key])
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


