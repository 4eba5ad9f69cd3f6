"""The host-side helpers of make vm-oci-test and make vm-bench: vm/oci-summary counts
pytest's JUnit results per runtime; bench/stats.py says when a table came from the
VM under software emulation; tests/run-all runs only the suites it is given."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="7">
<testcase classname="tests.oci.test_contract" name="test_a[runc]"/>
<testcase classname="tests.oci.test_contract" name="test_a[crun]">
  <failure message="AssertionError: exit 1 != 0&#10;more">trace</failure></testcase>
<testcase classname="tests.oci.test_contract" name="test_a[barco]"/>
<testcase classname="tests.oci.test_contract" name="test_kill[crun-TERM-got TERM-143]"/>
<testcase classname="tests.oci.test_devices" name="test_b[runc]">
  <skipped message="runc: needs bpftool"/></testcase>
<testcase classname="tests.oci.test_devices" name="test_b[barco]">
  <error message="fixture broke"/></testcase>
<testcase classname="tests.oci.test_contract_hooks" name="test_barco_run_bundle"/>
</testsuite></testsuites>
"""


def test_oci_summary_counts_each_runtime_and_names_failures(tmp_path):
    xml = tmp_path / "junit.xml"
    xml.write_text(JUNIT)
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "vm" / "oci-summary"), str(xml),
                        "runc", "crun", "barco"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("| ") and not ln.startswith("| runtime ")]
    assert rows == ["| runc | 1 | 0 | 0 | 1 | 2 |", "| crun | 1 | 1 | 0 | 0 | 2 |",
                    "| barco | 1 | 0 | 1 | 0 | 2 |", "| (no runtime) | 1 | 0 | 0 | 0 | 1 |"]
    assert "- `test_contract::test_a[crun]`: AssertionError: exit 1 != 0" in r.stdout
    assert "- `test_devices::test_b[barco]`: fixture broke" in r.stdout
    assert "- 1× runc: needs bpftool" in r.stdout


def test_oci_summary_refuses_a_missing_file(tmp_path):
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "vm" / "oci-summary"),
                        str(tmp_path / "none.xml"), "runc"], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.startswith("vm/oci-summary: ") and len(r.stderr.splitlines()) == 1


def rendered(machine_extra):
    """bench/stats.py's table of the saved host run, its machine changed."""
    data = json.loads((ROOT / "bench" / "results" / "2026-11-23-vm.json").read_text())
    data["machine"].update(machine_extra)
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import stats
    finally:
        sys.path.pop(0)
    return stats.render(data)


def test_stats_says_a_tcg_table_compares_ratios_only():
    text = rendered({"name": "vm-debian12-tcg", "vm": {"accel": "tcg", "host_load": "1.0 0.5 0.2"}})
    assert text.startswith("# barco benchmark, 2026-11-23 22:02, vm-debian12-tcg\n")
    assert "under qemu with TCG (qemu's software emulation of the CPU); the load average of " \
           "the machine running qemu was 1.0 0.5 0.2" in text
    assert "Absolute times are meaningless; the ratios between runtimes" in text
    assert "| barco probe < 200 ms | 100.0 ms | 80.1 ms | not judged: an absolute time under " \
           "emulation |" in text
    assert "| barco run ≤ 0.2× runc | 0.16× | 0.17× | pass |" in text
    kvm = rendered({"vm": {"accel": "kvm", "host_load": None}})
    assert "KVM (hardware virtualization)" in kvm and "Absolute times are meaningless" not in kvm
    assert "Absolute times" not in rendered({}) and "**VM**" not in rendered({})


def test_run_all_refuses_an_unknown_suite():
    r = subprocess.run(["bash", str(ROOT / "tests" / "run-all"), "unit", "no-such-suite"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 125
    assert r.stderr == ("run-all: 'no-such-suite' is not a suite: unit, bats, pytest, "
                        "oci-contract, lessons or leftovers\n")
