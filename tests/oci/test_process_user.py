"""process.user in config.json: supplementary groups (additionalGids) and
umask. runc is the reference: every test here passes against it.
"""

import pytest

from ocihelp import MAPPED_ROOT, assert_create_refused, run_to_end

SCRIPT = "grep -E '^(Uid|Gid|Groups):' /proc/self/status; umask"


def run_script(rt, b, cid):
    out, _ = run_to_end(rt, b, cid)
    return dict(l.split(":", 1) if ":" in l else ("umask", l) for l in out.splitlines())


@pytest.mark.parametrize("user,groups,umask", [
    ({"uid": 0, "gid": 0, "additionalGids": [5, 6]}, "5 6", "0022"),
    ({"uid": 1000, "gid": 1000, "additionalGids": [10], "umask": 0o077}, "10", "0077"),
    ({"uid": 0, "gid": 0}, "", "0022"),
])
def test_groups_and_umask(rt, bundle, ids, user, groups, umask):
    """The groups are exactly additionalGids; no umask means 0022 (runc's)."""
    b = bundle()
    b.config["process"]["user"] = user
    # Not what this test is about (barco gives a non-root uid no ambient set yet).
    b.config["process"].get("capabilities", {}).pop("ambient", None)
    b.args("sh", "-c", SCRIPT)
    got = run_script(rt, b, ids())
    assert got["Groups"].split() == groups.split(), got
    assert got["Gid"].split()[0] == str(user["gid"]), got
    assert got["umask"] == umask, got


def test_groups_in_a_user_namespace(rt, bundle, ids):
    b = bundle().user_namespace()
    b.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [5]}
    b.args("sh", "-c", SCRIPT)
    got = run_script(rt, b, ids())
    assert got["Groups"].split() == ["5"], got


def test_group_outside_the_gid_map_fails_create(rt, bundle, ids):
    """setgroups(2) takes only mapped groups: create fails, exit 1, nothing left."""
    b = bundle().user_namespace()
    b.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [5, MAPPED_ROOT]}
    err = assert_create_refused(rt, b.save(), ids(), "process.user.additionalGids[1]")
    if rt.name == "barco":
        assert err == ("barco: config.json: process.user.additionalGids[1]: gid 100000 is not "
                       "in linux.gidMappings"), err
