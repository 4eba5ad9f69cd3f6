"""tools/diagram: docs/diagram.svg is current, valid SVG; bad sources are refused."""
import subprocess
import xml.dom.minidom
from pathlib import Path

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


def test_an_arrow_to_no_process_is_refused(tmp_path):
    src = tmp_path / "d.txt"
    src.write_text("title t\nprocess a | A | x\nstage s\na: clone -> nobody\n")
    r = draw("--text", src)
    assert r.returncode == 1
    assert "line 4: '-> nobody': no such process" in r.stderr


def test_an_unknown_line_is_refused(tmp_path):
    src = tmp_path / "d.txt"
    src.write_text("title t\nprocesses a | A | x\n")
    r = draw("--svg", src)
    assert r.returncode == 1
    assert "line 2: cannot read" in r.stderr
