"""linux.devices (nodes in /dev) and linux.resources.devices (the devices
cgroup). runc is the reference: every test here passes against it.
"""

from pathlib import Path

import pytest

from ocihelp import assert_create_refused, assert_nothing_left, create, run_to_end, text

FUSE = {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o640,
        "uid": 0, "gid": 5}
TUN = {"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 0o666}
FIFO = {"path": "/dev/myfifo", "type": "p", "fileMode": 0o600, "uid": 1, "gid": 1}

STAT = "stat -c '%n %F %t:%T %a %u:%g' "


def run_script(rt, b, cid):
    return run_to_end(rt, b, cid)[0].splitlines()


def test_device_nodes(rt, bundle, ids):
    """No user namespace: mknod with the type, numbers, mode and owner asked for."""
    b = bundle()
    b.config["linux"]["devices"] = [FUSE, TUN, FIFO]
    b.args("sh", "-c", STAT + "/dev/fuse /dev/net/tun /dev/myfifo")
    assert run_script(rt, b, ids()) == [
        "/dev/fuse character special file a:e5 640 0:5",
        "/dev/net/tun character special file a:c8 666 0:0",
        "/dev/myfifo fifo 0:0 600 1:1",
    ]


def test_device_nodes_in_a_user_namespace(rt, bundle, ids):
    """mknod is refused there: the host's node is bound at the same path."""
    if not Path("/dev/net/tun").exists():
        pytest.skip("no /dev/net/tun on this host to bind")
    b = bundle().user_namespace()
    b.config["linux"]["devices"] = [TUN]
    b.args("sh", "-c", "stat -c '%n %F %t:%T' /dev/net/tun")
    assert run_script(rt, b, ids()) == ["/dev/net/tun character special file a:c8"]


def devices_cgroup_v1():
    return Path("/sys/fs/cgroup/devices/devices.allow").exists()


@pytest.mark.parametrize("allow_fuse", [False, True])
def test_devices_cgroup(rt, bundle, ids, allow_fuse):
    """runc spec's "deny all" rule: /dev/fuse cannot be opened unless a rule
    allows it; the default nodes (/dev/null) stay usable."""
    if not devices_cgroup_v1():
        pytest.skip("no cgroup v1 devices hierarchy (barco has no cgroup v2 device "
                    "program yet)")
    b = bundle()
    b.config["linux"]["devices"] = [FUSE]
    rules = [{"allow": False, "access": "rwm"}]
    if allow_fuse:
        rules.append({"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"})
    b.config["linux"].setdefault("resources", {})["devices"] = rules
    b.args("sh", "-c", "if (: < /dev/fuse) 2>/dev/null; then echo fuse; else echo no-fuse; fi; "
                       "echo x > /dev/null && echo null")
    assert run_script(rt, b, ids()) == ["fuse" if allow_fuse else "no-fuse", "null"]


@pytest.mark.parametrize("where,value,path", [
    ("devices", [dict(FUSE, type="x")], "linux.devices[0].type"),
    ("devices", [dict(FUSE, major="10")], "linux.devices[0].major"),
    ("rules", [{"allow": "yes", "type": "c", "access": "rwm"}],
     "linux.resources.devices[0].allow"),
])
def test_bad_devices_fail_create(rt, bundle, ids, where, value, path):
    """Exit 1, nothing left; barco's one-line error names the JSON path."""
    b = bundle()
    if where == "devices":
        b.config["linux"]["devices"] = value
    else:
        b.config["linux"].setdefault("resources", {})["devices"] = value
    assert_create_refused(rt, b.save(), ids(), path)


def test_barco_devices_outside_dev_refused(rt, bundle, ids):
    """barco makes nodes under /dev only (runc takes any path)."""
    if rt.name != "barco":
        pytest.skip("barco's own limit")
    b = bundle()
    b.config["linux"]["devices"] = [dict(FUSE, path="/etc/fuse")]
    b.save()
    cid = ids()
    r, _ = create(rt, b, cid, expect_ok=False)
    assert r.returncode == 1
    assert text(r.stderr).strip() == ('barco: config.json: linux.devices[0].path: "/etc/fuse": '
                                      'barco makes device nodes under /dev only, as /dev/NAME')
    assert_nothing_left(rt, cid)
