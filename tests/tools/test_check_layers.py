"""tools/check-layers fails on an upward dependency and on a cycle (make check-layers)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tools" / "check-layers"


def check(*args):
    return subprocess.run(["/usr/bin/python3", str(CHECK), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_the_tree_passes():
    r = check(ROOT / "src")
    assert r.returncode == 0, r.stderr
    assert "all pointing down, no cycle" in r.stdout


def test_an_upward_include_fails(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src)
    err_c = src / "base" / "err.c"
    err_c.write_text('#include "cli/cmd.h"\n' + err_c.read_text())
    r = check(src)
    assert r.returncode == 1
    assert "upward: base/err.c includes cli/cmd.h (base may use only: nothing)" in r.stderr


def test_a_stage_reaching_into_the_runtime_fails(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src)
    caps_h = src / "stages" / "caps.h"
    caps_h.write_text(caps_h.read_text() + '#include "runtime/runner.h"\n')
    r = check(src)
    assert r.returncode == 1
    assert "upward: stages/caps.h includes runtime/runner.h" in r.stderr


@pytest.mark.skipif(shutil.which("cc") is None,
                    reason="no C compiler (cc) to build the two objects; the VM runs the host's build")
def test_a_cycle_of_calls_fails(tmp_path):
    src, build = tmp_path / "src", tmp_path / "build"
    (src / "base").mkdir(parents=True)
    (build / "base").mkdir(parents=True)
    (src / "base" / "a.c").write_text("int b(void);\nint a(void) { return b(); }\n")
    (src / "base" / "b.c").write_text("int a(void);\nint b(void) { return a(); }\n")
    for name in ("a", "b"):
        subprocess.run(["cc", "-c", "-o", build / "base" / f"{name}.o",
                        src / "base" / f"{name}.c"], check=True)
    r = check(src, build)
    assert r.returncode == 1
    assert "cycle: base/a <-> base/b: base/a.o uses b; base/b.o uses a" in r.stderr
