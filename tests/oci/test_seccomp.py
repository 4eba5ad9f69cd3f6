"""linux.seccomp in config.json: the profile an engine sends (podman always
sends one) is the filter the container gets. runc is the reference: every
test here passes against it.
"""

import pytest

from ocihelp import assert_create_refused, run_to_end

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
