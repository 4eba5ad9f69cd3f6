"""root.readonly and the tmpfs mounts podman adds with --read-only.

podman --read-only sets root.readonly and mounts tmpfs on /run, /tmp and
/var/tmp with runc's own option "tmpcopyup": the tmpfs starts with what
the image has in that directory. Same rules as test_contract.py: every
runtime in OCI_RUNTIMES, runc the reference.
"""

import os

from ocihelp import create, read_pid_file, reap, text

PODMAN_TMPFS_OPTIONS = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]


def run_to_end(rt, b, cid):
    """create, start, wait: (exit status, stdout)."""
    _, out = create(rt, b, cid)
    pid = read_pid_file(b.pid_file)
    rt.ok("start", cid)
    return reap(pid, timeout=20), out.read_text()


def test_readonly_root_with_tmpcopyup_mount(rt, bundle, ids):
    """/ is read-only; a tmpcopyup tmpfs over /etc is writable and starts with
    the image's /etc (same bytes, modes and owners; the tmpfs itself takes the
    directory's mode, its owner stays root); the image is untouched."""
    b = bundle()
    assert b.config["root"]["readonly"] is True
    b.config["mounts"].append({"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
                               "options": PODMAN_TMPFS_OPTIONS})
    b.args("sh", "-c", "touch /x 2>/dev/null; echo root=$?; echo new > /etc/new && echo etc=ok; "
           "grep ' /etc ' /proc/mounts | cut -d' ' -f3; stat -c '%u %g %a' /etc /etc/passwd; "
           "cat /etc/passwd")
    status, out = run_to_end(rt, b, ids())
    assert status == 0, out
    lines = out.split("\n")
    assert lines[:3] == ["root=1", "etc=ok", "tmpfs"], lines
    etc = b.rootfs / "etc"
    st = os.stat(etc / "passwd")
    want = [f"0 0 {os.stat(etc).st_mode & 0o7777:o}",
            f"{st.st_uid} {st.st_gid} {st.st_mode & 0o7777:o}"]
    assert lines[3:5] == want, lines
    assert "\n".join(lines[5:]) == (etc / "passwd").read_text(), "copied /etc/passwd differs"
    assert not (etc / "new").exists(), "the tmpfs wrote through to the image"


def test_tmpfs_without_tmpcopyup_starts_empty(rt, bundle, ids):
    """Without tmpcopyup the tmpfs hides what the image has there."""
    b = bundle()
    b.config["mounts"].append({"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
                               "options": ["rw", "nosuid", "nodev"]})
    b.args("sh", "-c", "ls -A /etc | wc -l")
    status, out = run_to_end(rt, b, ids())
    assert status == 0 and out.strip() == "0", text(out)
