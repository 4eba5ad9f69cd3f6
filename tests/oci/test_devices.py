"""linux.devices (nodes in /dev) and linux.resources.devices (the devices
cgroup). runc is the reference: every test here passes against it.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ocihelp import (assert_create_refused, assert_nothing_left, create, read_pid_file, reap,
                     run_to_end, text, wait_for)

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


# Major 42 is "demo/sample use" in the kernel's devices.txt: no driver takes
# it, so an open the devices cgroup lets through fails with ENXIO ("No such
# device or address") and one it stops with EPERM, whatever modules the host has.
DEMO = {"path": "/dev/demo", "type": "c", "major": 42, "minor": 0, "fileMode": 0o666}
DENY_ALL = {"allow": False, "access": "rwm"}

# Each attempt prints allowed or denied: read, write, read-write of /dev/demo, write of /dev/null.
TRY = ('t() { if e=$( (eval "$1") 2>&1 ); then echo allowed; else case $e in '
       '*"not permitted"*) echo denied;; *"No such device"*) echo allowed;; '
       '*) echo "other: $e";; esac; fi; }; '
       "t ': < /dev/demo'; t ': > /dev/demo'; t ': <> /dev/demo'; t 'echo x > /dev/null'")


def demo(allow, access, minor=0):
    return {"allow": allow, "type": "c", "major": 42, "minor": minor, "access": access}


def enforced_here():
    """The v1 devices controller (hybrid, v1), or cgroup2 at the root, where runc
    and barco attach a device program."""
    return (Path("/sys/fs/cgroup/devices/devices.allow").exists()
            or Path("/sys/fs/cgroup/cgroup.controllers").exists())


def is_pure_v2():
    return Path("/sys/fs/cgroup/cgroup.controllers").exists()


@pytest.mark.parametrize("rules,want", [
    # runc spec's "deny all": /dev/demo is out of reach; the default nodes stay usable.
    ([DENY_ALL], ["denied", "denied", "denied", "allowed"]),
    ([DENY_ALL, demo(True, "rw")], ["allowed", "allowed", "allowed", "allowed"]),
    # The later rule takes write back: reading alone is left.
    ([DENY_ALL, demo(True, "rw"), demo(False, "w")], ["allowed", "denied", "denied", "allowed"]),
    # No "deny all" first: the list starts from it anyway (runc's and crun's do).
    ([demo(True, "r")], ["allowed", "denied", "denied", "allowed"]),
    ([], ["denied", "denied", "denied", "allowed"]),
], ids=["deny-all", "allowed", "last-rule-wins", "no-deny-all", "empty"])
def test_devices_cgroup(rt, bundle, ids, rules, want):
    """linux.resources.devices, in order, then the default nodes: enforced by the
    v1 devices controller, or on cgroup v2 by a device program."""
    if not enforced_here():
        pytest.skip("neither a v1 devices controller nor cgroup2 at /sys/fs/cgroup")
    b = bundle()
    b.config["linux"]["devices"] = [DEMO]
    b.config["linux"].setdefault("resources", {})["devices"] = rules
    b.args("sh", "-c", TRY)
    assert run_script(rt, b, ids()) == want


def device_programs(cgroup):
    """The programs attached to a cgroup2 directory, as bpftool shows them."""
    r = subprocess.run(["bpftool", "-j", "cgroup", "show", str(cgroup)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [p for p in json.loads(r.stdout or "[]") if p["attach_type"] == "cgroup_device"]


def program_exists(prog_id):
    return subprocess.run(["bpftool", "prog", "show", "id", str(prog_id)],
                          capture_output=True, timeout=30).returncode == 0


def test_barco_update_replaces_device_rules(rt, bundle, ids, tmp_path):
    """update --resources with devices: the whole new list, enforced (runc's
    update leaves device rules as they are). On pure cgroup v2, one
    barco_devices program on the container's cgroup at any time: the new one
    attached, the old one detached; delete takes it away."""
    if rt.name != "barco":
        pytest.skip("runc 1.1.5's update does not change device rules (SkipDevices)")
    if not enforced_here():
        pytest.skip("neither a v1 devices controller nor cgroup2 at /sys/fs/cgroup")
    with_bpftool = is_pure_v2() and shutil.which("bpftool")
    b = bundle()
    b.config["linux"]["devices"] = [DEMO]
    b.config["linux"].setdefault("resources", {})["devices"] = [DENY_ALL]
    b.args("sh", "-c", TRY)
    cid = ids()
    _, out = create(rt, b, cid)
    cgroup = Path("/sys/fs/cgroup/barco") / cid
    before = device_programs(cgroup) if with_bpftool else []
    f = tmp_path / "resources.json"
    f.write_text(json.dumps({"devices": [DENY_ALL, demo(True, "r")]}))
    r = rt.run("update", "--resources", f, cid)
    assert r.returncode == 0, text(r.stderr)
    if with_bpftool:
        after = device_programs(cgroup)
        assert [p["name"] for p in before + after] == ["barco_devices"] * 2, (before, after)
        assert not program_exists(before[0]["id"])
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    assert reap(pid, timeout=20) == 0
    assert out.read_text().splitlines() == ["allowed", "denied", "denied", "allowed"]
    rt.ok("delete", cid)
    assert_nothing_left(rt, cid)
    if with_bpftool:
        assert wait_for(lambda: not program_exists(after[0]["id"])), \
            "the program outlived its cgroup"


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
