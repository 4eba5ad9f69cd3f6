"""tools/diagram: docs/diagram.svg is current, valid SVG; bad sources are refused."""
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "diagram"


def draw(*args):
    return subprocess.run(["/usr/bin/python3", str(TOOL), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_the_svg_is_current_and_valid():
    r = draw("--svg")
    assert r.returncode == 0, r.stderr
    assert (ROOT / "docs" / "diagram.svg").read_text() == r.stdout, \
        "docs/diagram.svg is stale: run make diagram"
    svg = xml.dom.minidom.parseString(r.stdout).documentElement
    assert svg.tagName == "svg"
    texts = "".join(t.toxml() for t in svg.getElementsByTagName("tspan"))
    for stage in ("1 cgroups", "5 mounts", "9 exec", "user namespace U"):
        assert stage in texts


def test_the_text_names_every_stage_in_order():
    out = draw("--text").stdout
    rows = [line.split()[1] for line in out.splitlines() if line[:2].strip().isdigit()]
    assert rows == ["cgroups", "userns", "namespaces", "hostname", "mounts",
                    "network", "caps", "seccomp", "exec"]


@pytest.mark.parametrize("mode, source, message", [
    ("--text", "title t\nprocess a | A | x\nstage s\na: clone -> nobody\n",
     "line 4: '-> nobody': no such process"),
    ("--svg", "title t\nprocesses a | A | x\n", "line 2: cannot read"),
])
def test_a_bad_source_is_refused(tmp_path, mode, source, message):
    src = tmp_path / "d.txt"
    src.write_text(source)
    r = draw(mode, src)
    assert r.returncode == 1
    assert message in r.stderr
