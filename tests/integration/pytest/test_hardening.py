"""The release binaries are built hardened, checked on the ELF files
themselves (what checksec(1) reports), not on the Makefile's flags:

  PIE              ELF type DYN with DF_1_PIE             (-fPIE -pie)
  full RELRO       a PT_GNU_RELRO segment and BIND_NOW    (-z relro -z now)
  NX stack         PT_GNU_STACK not executable
  no W+X segment   no PT_LOAD both writable and executable
  stack canaries   __stack_chk_fail imported              (-fstack-protector-strong)
  FORTIFY_SOURCE   glibc's checked __*_chk functions      (-D_FORTIFY_SOURCE=3)
                   (bin/barco is a static PIE: both are looked for among
                   the functions linked in, which glibc's own code may
                   also have pulled in; the per-unit check below is the
                   one that names a unit built without the flags)
  no RPATH/RUNPATH
  and, for a gcc build (gcc records its options in DW_AT_producer), every
  compilation unit of src/ built with -fstack-protector-strong,
  -fstack-clash-protection, -fcf-protection and -fPIE.

bin/barco-testhelper is excluded: it runs inside containers with no libc
and is linked statically on purpose.
"""

import re
import shutil
import subprocess

import pytest

from conftest import REPO

BINARIES = ["barco"] + sorted(p.name for p in (REPO / "bin").glob("barco-probe-*"))
PRODUCER_FLAGS = ["-fstack-protector-strong", "-fstack-clash-protection", "-fcf-protection",
                  "-fPIE"]

pytestmark = pytest.mark.skipif(shutil.which("readelf") is None,
                                reason="readelf (binutils) is not installed")


def readelf(*args):
    r = subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(params=BINARIES)
def elf(request):
    path = REPO / "bin" / request.param
    if not path.is_file():
        pytest.fail(f"build first: make (missing {path})")
    return path


def segments(path):
    """(type, flags) of each program header."""
    out = []
    for line in readelf("-l", str(path)).splitlines():
        f = line.split()
        if f and re.fullmatch(r"[A-Z_]+", f[0]) and len(f) >= 8 and f[1].startswith("0x"):
            out.append((f[0], "".join(x for x in f[6:-1] if re.fullmatch(r"[RWE]+", x))))
    return out


def dynamic(path):
    return readelf("-d", str(path))


def is_static(path):
    return "INTERP" not in [kind for kind, _ in segments(path)]


def imports(path):
    """The functions the binary's code calls from the C library. A static PIE
    (bin/barco) has no imports: the library's functions it pulled in are in
    its own symbol table, and a static link pulls in only what is called."""
    if is_static(path):
        return set(re.findall(r"\bFUNC\s+\w+\s+\w+\s+\d+\s+([^@\s]+)",
                              readelf("--syms", str(path))))
    return set(re.findall(r"\bUND\s+([^@\s]+)", readelf("--dyn-syms", str(path))))


def test_pie(elf):
    assert "DYN (Position-Independent Executable file)" in readelf("-h", str(elf))
    assert re.search(r"FLAGS_1\)\s+Flags:.*\bPIE\b", dynamic(elf))


def test_full_relro(elf):
    assert ("GNU_RELRO", "R") in segments(elf)
    assert re.search(r"\(FLAGS\)\s+.*BIND_NOW", dynamic(elf)) or \
        re.search(r"FLAGS_1\)\s+Flags:.*\bNOW\b", dynamic(elf))


def test_nx_stack_and_no_wx_segment(elf):
    segs = segments(elf)
    stack = [flags for kind, flags in segs if kind == "GNU_STACK"]
    assert stack == ["RW"], segs
    assert not [s for s in segs if s[0] == "LOAD" and "W" in s[1] and "E" in s[1]], segs


def test_stack_protector(elf):
    assert "__stack_chk_fail" in imports(elf)


def test_fortify_source(elf):
    checked = sorted(s for s in imports(elf) if re.fullmatch(r"__\w+_chk", s) and
                     s != "__stack_chk_fail")
    assert checked, "no _FORTIFY_SOURCE checked function is used"


def test_no_rpath(elf):
    assert "RPATH" not in dynamic(elf) and "RUNPATH" not in dynamic(elf)


def test_compiler_flags_recorded(elf):
    """gcc records its command line in DW_AT_producer; clang does not by default."""
    info = readelf("--debug-dump=info", "--dwarf-depth=1", str(elf))
    units = re.findall(r"DW_AT_producer\s*:.*?\):\s*(.*)\n(?:.*\n)*?.*DW_AT_name\s*:.*?\):\s*(\S+)",
                       info)
    ours = [(producer, name) for producer, name in units if name.startswith("src/") or
            name.startswith("probes/")]
    if not ours or not ours[0][0].startswith("GNU C"):
        pytest.skip("not built by gcc (or without -g): no command line in DW_AT_producer")
    for producer, name in ours:
        missing = [f for f in PRODUCER_FLAGS if not re.search(re.escape(f) + r"(\s|=|$)",
                                                                producer)]
        assert not missing, f"{name} built without {missing}: {producer}"


def test_barco_size_under_cap():
    """bin/barco stays under the cap that the Makefile names (BARCO_MAX_BYTES,
    with what it weighed and why its debug sections are compressed)."""
    cap = re.search(r"^BARCO_MAX_BYTES := (\d+)$", (REPO / "Makefile").read_text(), re.M)
    assert cap, "the Makefile no longer names BARCO_MAX_BYTES"
    path = REPO / "bin" / "barco"
    if not is_static(path):
        pytest.skip("bin/barco is linked dynamically (STATIC_LIBS=no): the cap is for the static build")
    size = path.stat().st_size
    assert size <= int(cap.group(1)), f"bin/barco is {size} bytes, over the cap of {cap.group(1)}"
