"""tools/lessons-check can fail: each kind of lesson mistake makes it exit 1.

Every test writes a small synthetic lesson in a temp dir and runs the
checker on it; each mistake is paired with the same lesson written right,
which must pass, so a checker that always fails would not pass these tests.
Run as root with the system Python:  /usr/bin/python3 -m pytest -q tests/integration
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CHECKER = REPO / "tools" / "lessons-check"


def check(tmp_path, text, *args):
    """(exit status, stdout+stderr) of lessons-check on one lesson TEXT."""
    lesson = tmp_path / "x-lesson.md"
    lesson.write_text(text)
    proc = subprocess.run([sys.executable, str(CHECKER), *args, str(lesson)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    return proc.returncode, proc.stdout + proc.stderr


def assert_fails(tmp_path, text, why, *args):
    status, out = check(tmp_path, text, *args)
    assert status == 1, out
    assert why in out, out
    assert "FAIL" in out.rsplit("lessons-check:", 1)[1], out  # listed again at the end
    return out


def assert_passes(tmp_path, text, *args):
    status, out = check(tmp_path, text, *args)
    assert status == 0, out
    return out


def console(*lines):
    return "# lesson\n\n```console\n" + "\n".join(lines) + "\n```\n"


def test_a_failing_command_without_an_exit_marker_fails(tmp_path):
    assert_fails(tmp_path, console("# ls /nonexistent-lessons-check 2>/dev/null"),
                 "exit status 2, expected 0")
    # pipefail: a failing first command is not hidden by the pipeline's last one
    assert_fails(tmp_path, console("# false | wc -l", "0"), "exit status 1, expected 0")
    assert_passes(tmp_path, console("# ls /nonexistent-lessons-check 2>/dev/null", "[exit 2]"))
    assert_fails(tmp_path, console("# true", "[exit 2]"), "exit status 0, expected 2")


def test_the_first_failure_ends_the_exercise(tmp_path):
    out = assert_fails(tmp_path, console("# false", "# echo after", "after"),
                       "never ran")
    assert "exit status 1, expected 0" in out


def test_a_typed_placeholder_out_of_range_fails(tmp_path):
    assert_fails(tmp_path, console("# echo 0", "<N:1..>"), "expected: ['<N:1..>']")
    assert_fails(tmp_path, console("# echo 11", "<N:1..10>"), "got:      ['11']")
    assert_fails(tmp_path, console("# echo 0", "<PID>"), "expected: ['<PID>']")
    assert_fails(tmp_path, console("# echo abc", "<HEX12>"), "expected: ['<HEX12>']")
    assert_fails(tmp_path, console("# echo kprobe", "<ONE:raw_tp|fexit>"), "got:      ['kprobe']")
    assert_passes(tmp_path, console("# echo fexit", "<ONE:raw_tp|fexit>"))
    assert_passes(tmp_path, console("# echo 1 10 $$ 05fb6e1d62c1 /a/b",
                                    "<N:1..> <N:..10> <PID> <HEX12> <PATH>"))


@pytest.mark.parametrize("placeholder", ["<N>", "<ANY>", "<ID>"])
def test_an_untyped_placeholder_is_refused(tmp_path, placeholder):
    assert_fails(tmp_path, console("# echo 5", placeholder), placeholder)


def test_an_unmarked_block_that_is_not_run_fails(tmp_path):
    body = "```sh\nrm -rf /nowhere\n```\n"
    for info in ("sh", "text", ""):
        assert_fails(tmp_path, f"# lesson\n\n```{info}\nshown\n```\n",
                     "is neither run")
    assert_passes(tmp_path, "# lesson\n\n<!-- illustration -->\n" + body)


def test_a_sample_report_that_no_longer_matches_fails(tmp_path):
    marker = "<!-- sample: printf 'a 1\\nb %s\\nc\\n' $$ -->\n"
    right = "# lesson\n\n" + marker + "```text\na 1\nb <PID>\nc\n```\n"
    stale = "# lesson\n\n" + marker + "```text\na 2\nb <PID>\nc\n```\n"
    elided = "# lesson\n\n" + marker + "```text\na 1\n  … one line\nc\n```\n"
    assert_passes(tmp_path, right)
    assert_passes(tmp_path, elided)
    assert_fails(tmp_path, stale, "no longer matches")
    # a failing sample command fails too, even when it printed the sample
    assert_fails(tmp_path, "# lesson\n\n<!-- sample: echo a; false -->\n```text\na\n```\n",
                 "exit status 1")
    # make lessons-samples: the stale sample is rewritten from the real run
    assert_passes(tmp_path, stale, "--refresh-samples")
    text = (tmp_path / "x-lesson.md").read_text()
    assert "```text\na 1\nb " in text and "\nc\n```" in text, text
    assert_passes(tmp_path, text)


def container_traces(name):
    """What of container NAME is on the host: state dir, cgroup dirs, processes."""
    found = [f"/run/barco/{name}"] if os.path.exists(f"/run/barco/{name}") else []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(root, d) for d in dirs if d == name]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if name.encode() in cmdline.split(b"\0"):
            found.append(f"process {pid}: {cmdline!r}")
    return found


def test_a_timeout_fails_cleans_up_and_the_run_goes_on(tmp_path):
    name = "lc-pt-" + secrets.token_hex(4)
    text = (console(f"# barco step --until=cgroups --name {name} -- /bin/sh > /dev/null",
                    f"# barco ps | awk '$1 == \"{name}\" {{print $3}}'", "cgroups",
                    "# sleep 60")
            + "\n```console\n# echo still checked\nstill checked\n```\n")
    try:
        out = assert_fails(tmp_path, text, "timed out after 5 s", "--timeout", "5")
        assert "ok   x-lesson.md:" in out, out  # the block after the timeout ran
        assert container_traces(name) == [], out
    finally:
        subprocess.run([str(REPO / "bin" / "barco"), "delete", name], capture_output=True,
                       timeout=60)


def test_a_container_left_behind_fails_and_is_deleted(tmp_path):
    name = "lc-pt-" + secrets.token_hex(4)
    try:
        out = assert_fails(tmp_path, console(
            f"# barco step --until=userns --name {name} -- /bin/sh > /dev/null"),
            f"left container(s) behind: {name}")
        assert container_traces(name) == [], out
    finally:
        subprocess.run([str(REPO / "bin" / "barco"), "delete", name], capture_output=True,
                       timeout=60)
