"""Break-it mode: --lesson-skip=STAGE leaves one protection out, loudly.

For every protection that may be left out, `barco verify --lesson-skip`
runs the escapes it prevents twice: in a default container each must be
stopped, and with the protection left out each must succeed. If the skip
stopped working (or the protection did), the escape row says so and the
test fails. The stages that cannot be left out are refused with one line
and status 125, before anything is made.
"""

import json
import socket
import subprocess
import sys

import pytest

from conftest import BARCO, HELPER, all_caps_mask, one_barco_error, proc_status
from test_completion import complete
from test_lessons_check import CHECKER

SKIPS = ["cgroups", "userns", "hostname", "mounts", "pivot_root", "caps", "seccomp"]
REFUSED = ["namespaces", "network", "exec"]


def warning_lines(stderr, skip):
    return [l for l in stderr.splitlines()
            if l.startswith(f"barco: WARNING: --lesson-skip={skip}: ") and "UNSAFE" in l]


@pytest.mark.parametrize("skip", SKIPS)
def test_escape_blocked_by_default_and_shown_with_skip(barco, skip):
    r = barco.run("verify", "--json", "--helper", HELPER, f"--lesson-skip={skip}", timeout=180)
    result = json.loads(r.stdout)
    assert r.returncode == 0, result
    assert result["type"] == "verify-lesson" and result["skip"] == skip
    assert result["ok"] is True
    assert result["rows"], "every skip has at least one escape"
    for row in result["rows"]:
        # Stopped in the default container, with the kernel's evidence when it can trace.
        assert row["default"]["verdict"] in ("pass", "unproven"), row
        assert row["escaped"] is True, row
        assert row["skipped"]["verdict"] == "ESCAPED", row
    assert len(warning_lines(r.stderr, skip)) == 1, r.stderr


@pytest.mark.parametrize("skip", REFUSED)
@pytest.mark.parametrize("verb", ["run", "step", "verify"])
def test_stage_that_cannot_be_skipped_is_refused(barco, names, skip, verb):
    args = [verb, f"--lesson-skip={skip}"]
    if verb != "verify":
        args += ["--name", names(), "--rootfs", barco.rootfs, "--until=exec", "--", "/bin/true"]
        if verb == "run":
            args.remove("--until=exec")
    r = barco.run(*args)
    assert r.returncode == 125
    line = one_barco_error(r.stderr)
    assert f"--lesson-skip={skip}: this stage cannot be left out: " in line


@pytest.mark.parametrize("args, message", [
    (["--lesson-skip=caps", "--lesson-skip=seccomp"], "--lesson-skip given twice"),
    (["--lesson-skip=bogus"], "unknown --lesson-skip value 'bogus'"),
    (["--lesson-skip=caps", "--bundle", "/nonexistent"], "not for an OCI bundle"),
    (["-t", "--lesson-skip=mounts"], "-t with --lesson-skip=mounts"),
])
def test_bad_lesson_skip_is_one_line(barco, names, args, message):
    r = barco.run("run", "--name", names(), "--rootfs", barco.rootfs, *args, "--", "/bin/true")
    assert r.returncode == 125
    assert message in one_barco_error(r.stderr)


def test_run_hostname_skip_keeps_host_name(barco, names):
    cmd = ["--rootfs", barco.rootfs, "--", "/bin/barco-testhelper", "hostname"]
    skipped = barco.run("run", "--name", names(), "--lesson-skip=hostname", *cmd)
    default = barco.run("run", "--name", names(), *cmd)
    assert skipped.returncode == 0 and default.returncode == 0, skipped.stderr + default.stderr
    assert skipped.stdout.strip() == socket.gethostname()
    assert default.stdout.strip() != socket.gethostname()
    assert len(warning_lines(skipped.stderr, "hostname")) == 1
    assert "WARNING" not in default.stderr


def test_run_quiet_still_warns(barco, names):
    r = barco.run("run", "-q", "--name", names(), "--rootfs", barco.rootfs,
                  "--lesson-skip=seccomp", "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    assert len(warning_lines(r.stderr, "seccomp")) == 1


def test_step_report_names_the_skip(barco, names):
    name = names()
    r = barco.create(name, "caps", opts=["--lesson-skip=caps"])
    assert r.returncode == 0, r.stderr
    stages = {s["stage"]: s for s in map(json.loads, r.stdout.splitlines())
              if s.get("stage")}
    caps_report = json.dumps(stages["caps"])
    assert "LESSON-SKIP (--lesson-skip=caps)" in caps_report
    assert not [s for s in stages if s != "caps" and "LESSON-SKIP" in json.dumps(stages[s])]
    # Nothing dropped: the bounding set is still full (every capability this kernel has).
    status = proc_status(stages["caps"]["pid"])
    assert status["CapBnd"] == all_caps_mask() and status["CapEff"] == all_caps_mask()


def test_step_error_is_one_line_without_warning(barco, names):
    r = barco.run("step", "--name", names(), "--rootfs", barco.rootfs, "--lesson-skip=caps",
                  "--", "/bin/true")
    assert r.returncode == 125
    assert "--until=STAGE is required" in one_barco_error(r.stderr)


def test_completion_offers_the_skippable_stages_only():
    assert complete(f"{BARCO} run --lesson-skip=", with_bash_completion=False) == sorted(SKIPS)
    assert complete(f"{BARCO} run --lesson-skip=c", with_bash_completion=False) == ["caps",
                                                                                    "cgroups"]


def test_lessons_check_wants_a_break_it_exercise(tmp_path):
    def check(text):
        lesson = tmp_path / "13-x.md"
        lesson.write_text(text)
        return subprocess.run([sys.executable, str(CHECKER), str(lesson)], capture_output=True,
                              text=True, timeout=120)

    exercise = "```console\n# echo broken\nbroken\n```\n"
    missing = check("# x\n\n## Exercises\n\n" + exercise)
    assert missing.returncode == 1 and "no '## Break it' section" in missing.stdout
    empty = check("# x\n\n## Break it\n\nNothing to run.\n\n## More\n\n" + exercise)
    assert empty.returncode == 1 and "no '## Break it' section" in empty.stdout
    right = check("# x\n\n## Break it\n\n" + exercise)
    assert right.returncode == 0, right.stdout + right.stderr
