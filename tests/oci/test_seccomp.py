"""linux.seccomp in config.json: the profile an engine sends (podman always
sends one) is the filter the container gets. runc is the reference: every
test here passes against it.
"""

import os
import time
from pathlib import Path

import pytest

from ocihelp import (assert_create_refused, assert_nothing_left, create, read_pid_file, reap,
                     run_to_end)

EXDEV = 18

# mkdir fails with EXDEV (errnoRet); chmod fails when its mode is 0700 or
# 0711: two conditions on the same argument are two rules (alternatives), as
# runc makes them; ANDed, neither mode could match and both chmods would work.
PROFILE = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        {"names": ["mkdir", "mkdirat", "no_such_syscall"], "action": "SCMP_ACT_ERRNO",
         "errnoRet": EXDEV},
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 1, "value": 0o700, "op": "SCMP_CMP_EQ"},
                  {"index": 1, "value": 0o711, "op": "SCMP_CMP_EQ"}]},
    ],
}

SCRIPT = ("mkdir /dev/shm/d; echo mkdir=$?; touch /dev/shm/f; "
          "for m in 700 711 755; do chmod $m /dev/shm/f; echo chmod$m=$?; done; "
          "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status")


def run_script(rt, b, cid):
    out, err = run_to_end(rt, b, cid)
    return out.split("\n"), err


@pytest.mark.parametrize("no_new_privileges", [True, False])
def test_profile_is_the_filter(rt, bundle, ids, no_new_privileges):
    """With noNewPrivileges false the filter must be loaded before the
    capabilities are dropped (loading it needs CAP_SYS_ADMIN then)."""
    b = bundle()
    b.config["process"]["noNewPrivileges"] = no_new_privileges
    b.config["linux"]["seccomp"] = PROFILE
    b.args("sh", "-c", SCRIPT)
    lines, err = run_script(rt, b, ids())
    assert lines[:4] == ["mkdir=1", "chmod700=1", "chmod711=1", "chmod755=0"], (lines, err)
    assert "Invalid cross-device link" in err, err
    status = dict(l.split(":\t") for l in lines[4:6])
    assert status == {"NoNewPrivs": str(int(no_new_privileges)), "Seccomp": "2"}, lines
    if rt.name == "barco":
        assert 'linux.seccomp.syscalls[0].names[2]: unknown syscall "no_such_syscall" ' \
            'skipped' in err, err


def test_barco_reads_a_compiled_profile_back(rt, bundle, ids):
    """barco keeps the program libseccomp compiled for a profile
    (src/runtime/oci_seccomp_cache.h): the next container with the same
    profile reads it back, says so in its seccomp stage's report, and is
    filtered the same, warnings included."""
    if rt.name != "barco":
        pytest.skip("barco's own cache of compiled profiles")
    # A name no earlier run used, so that the first create compiles.
    unknown = f"no_such_call_{os.getpid()}_{time.time_ns()}"
    first = dict(PROFILE["syscalls"][0], names=["mkdir", "mkdirat", unknown])
    profile = dict(PROFILE, syscalls=[first] + PROFILE["syscalls"][1:])
    cache = Path("/run/barco/.seccomp-cache")
    before = set(cache.iterdir()) if cache.is_dir() else set()
    said = []
    for cid in (ids(), ids()):
        b = bundle()
        b.config["linux"]["seccomp"] = profile
        b.args("sh", "-c", SCRIPT)
        _, out = create(rt, b, cid)
        reports = Path(f"/run/barco/{cid}/reports").read_text()
        said += [l.strip() for l in reports.splitlines() if "seccomp filter: config.json" in l]
        pid = read_pid_file(b.pid_file)
        rt.ok("start", cid)
        err = (b.path / f"{cid}.err").read_text()
        assert reap(pid, timeout=20) == 0, err
        rt.ok("delete", cid)
        assert_nothing_left(rt, cid)
        lines = out.read_text().split("\n")
        assert lines[:4] == ["mkdir=1", "chmod700=1", "chmod711=1", "chmod755=0"], (lines, err)
        assert f'names[2]: unknown syscall "{unknown}" skipped' in err, err
    assert len(said) == 2, said
    # The first create compiled it (where the exe guard re-executes barco, its
    # second reading of config.json already finds the file the first made).
    kept = said[1].partition(" read back from ")[2].split(" ")[0]
    assert kept.startswith(f"{cache}/") and Path(kept) not in before, (said, before)
    assert "(1 unknown syscall names skipped)" in said[1], said


def test_no_profile_no_filter(rt, bundle, ids):
    """No linux.seccomp (podman's --security-opt seccomp=unconfined): no filter."""
    b = bundle()
    b.config["linux"].pop("seccomp", None)
    b.args("sh", "-c", SCRIPT)
    lines, err = run_script(rt, b, ids())
    assert lines[:4] == ["mkdir=0", "chmod700=0", "chmod711=0", "chmod755=0"], (lines, err)
    assert "Seccomp:\t0" in lines, lines


@pytest.mark.parametrize("change,path", [
    ({"defaultAction": "SCMP_ACT_FOO"}, "linux.seccomp.defaultAction"),
    ({"architectures": ["SCMP_ARCH_Z80"]}, "linux.seccomp.architectures[0]"),
    ({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]},
     "linux.seccomp.syscalls[0].action"),
    ({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_KILL",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]},
     "linux.seccomp.syscalls[0].args[0].op"),
])
def test_bad_profile_fails_create(rt, bundle, ids, change, path):
    """Exit 1, nothing left; barco's one-line error names the JSON path."""
    b = bundle()
    b.config["linux"]["seccomp"] = dict(PROFILE, **change)
    assert_create_refused(rt, b.save(), ids(), path)
