"""`make install` and `make uninstall` into a DESTDIR (packaging.mk): the
binaries, the manual pages (gzip -9n, a link per probe tool), the bash
completion and the verify helper, where PREFIX says; uninstall removes
every file install made."""

import gzip
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO

PROBE_TOOLS = [f"barco-probe-{s}" for s in
               ("kernel", "userns", "ns", "cgroup", "caps", "seccomp", "bpf", "net")]


def make(*args):
    r = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout
    return r.stdout


def files_under(root):
    """Every file and link under ROOT, relative to it (directories left out)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def without_date(roff):
    """A page without the date scdoc writes in its .TH line (the day it ran)."""
    return re.sub(r'^(\.TH "[^"]*" "[^"]*") "[^"]*"', r"\1", roff, flags=re.M)


@pytest.fixture(autouse=True)
def needs_scdoc():
    if not shutil.which("scdoc"):
        pytest.skip("scdoc is not installed (make setup installs it)")


@pytest.mark.parametrize("prefix", ["/usr", "/usr/local"])
def test_install_then_uninstall(tmp_path, prefix):
    dest = tmp_path / "root"
    make("install", f"DESTDIR={dest}", f"PREFIX={prefix}")
    top = dest / prefix.lstrip("/")
    man1 = "share/man/man1"
    expected = (["bin/barco"] + [f"bin/{t}" for t in PROBE_TOOLS]
                + ["libexec/barco/barco-testhelper", "share/bash-completion/completions/barco",
                   f"{man1}/barco.1.gz", f"{man1}/barco-probe.1.gz"]
                + [f"{man1}/{t}.1.gz" for t in PROBE_TOOLS])
    assert files_under(dest) == sorted(f"{prefix.lstrip('/')}/{f}" for f in expected)

    for f in ["bin/barco", "libexec/barco/barco-testhelper"] + [f"bin/{t}" for t in PROBE_TOOLS]:
        assert os.access(top / f, os.X_OK), f
    r = subprocess.run([top / "bin" / "barco", "version"], stdout=subprocess.PIPE, text=True)
    assert r.stdout == f"barco {(REPO / 'VERSION').read_text().strip()}\n"

    # The pages are scdoc's rendering, compressed as dh_compress would (no name, no date).
    for page in ("barco.1", "barco-probe.1"):
        data = (top / man1 / f"{page}.gz").read_bytes()
        assert data[3] & 0x08 == 0, f"{page}.gz records a file name (gzip without -n)"
        assert data[4:8] == b"\0\0\0\0", f"{page}.gz records a time stamp (gzip without -n)"
        with open(REPO / "docs" / "man" / f"{page}.scd") as src:
            roff = subprocess.run(["scdoc"], stdin=src, stdout=subprocess.PIPE, text=True).stdout
        assert without_date(gzip.decompress(data).decode()) == without_date(roff)
    for t in PROBE_TOOLS:
        assert os.readlink(top / man1 / f"{t}.1.gz") == "barco-probe.1.gz"
    completion = top / "share" / "bash-completion" / "completions" / "barco"
    assert completion.read_text() == (REPO / "completion" / "barco.bash").read_text()

    make("uninstall", f"DESTDIR={dest}", f"PREFIX={prefix}")
    assert files_under(dest) == []


# ---- make deb ------------------------------------------------------------------------------

def needs(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (make setup installs them)")


def test_deb_version_comes_from_the_version_file(tmp_path):
    needs("dpkg-parsechangelog")
    changelog = tmp_path / "changelog"
    shutil.copyfile(REPO / "debian" / "changelog", changelog)
    released = changelog.read_text()
    entry = REPO / "debian" / "version-entry"
    subprocess.run([entry, "9.8.7", changelog], check=True, stdout=subprocess.DEVNULL)
    version = subprocess.run(["dpkg-parsechangelog", "-l", changelog, "-S", "Version"],
                             stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    assert version == "9.8.7"
    assert changelog.read_text().endswith(released), "the released entries changed"
    # Already at that version: nothing is added.
    before = changelog.read_text()
    subprocess.run([entry, "9.8.7", changelog], check=True, stdout=subprocess.DEVNULL)
    assert changelog.read_text() == before


def test_make_deb_builds_a_package_lintian_accepts():
    """make deb fails when lintian reports an error (lintian --fail-on error)."""
    needs("dpkg-buildpackage", "dh", "lintian", "fakeroot")
    out = make("deb")
    deb = REPO / out.strip().splitlines()[-1].removeprefix("deb: ")
    assert deb.parent == REPO / "build" / "deb" and deb.is_file(), out

    def field(name):
        return subprocess.run(["dpkg-deb", "-f", deb, name], stdout=subprocess.PIPE, text=True,
                              check=True).stdout.strip()

    assert field("Version") == (REPO / "VERSION").read_text().strip()
    assert "busybox-static" in field("Depends")
    assert "glibc (= " in field("Built-Using")
    listing = subprocess.run(["dpkg-deb", "-c", deb], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
    for path in ["./usr/bin/barco", "./usr/bin/barco-probe-kernel",
                 "./usr/libexec/barco/barco-testhelper", "./usr/share/man/man1/barco.1.gz",
                 "./usr/share/man/man1/barco-probe-bpf.1.gz -> barco-probe.1.gz",
                 "./usr/share/bash-completion/completions/barco",
                 "./usr/share/doc/barco/copyright"]:
        assert path in listing, f"{path} not in {deb}"
