"""Bash completion (completion/barco.bash): sourced into a bash with
bash-completion (and once without it), then _barco is called as bash calls
it on Tab, with COMP_WORDS split where bash splits them ("=" is a word of
its own), and COMPREPLY is what would be offered."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import BARCO, REPO, TIMEOUT

COMPLETION = REPO / "completion" / "barco.bash"
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


def bash_words(line):
    """The words bash hands a completion function for LINE: "=" apart, and
    an empty word last when LINE ends with a blank."""
    words = []
    for w in shlex.split(line):
        words += [p for p in re.split(r"(=)", w) if p]
    if line.endswith(" "):
        words.append("")
    return words


def complete(line, with_bash_completion=True, path=None):
    words = bash_words(line)
    script = "\n".join([
        f"source {BASH_COMPLETION}" if with_bash_completion else "",
        f"source {COMPLETION}",
        "COMP_WORDS=(" + " ".join(shlex.quote(w) for w in words) + ")",
        f"COMP_CWORD={len(words) - 1}",
        f"COMP_LINE={shlex.quote(line)}",
        f"COMP_POINT={len(line)}",
        '_barco "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
        'printf "%s\\n" "${COMPREPLY[@]}"',
    ])
    env = dict(os.environ, PATH=f"{path}:{os.environ['PATH']}") if path else None
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return sorted(w for w in r.stdout.splitlines() if w)


@pytest.fixture(autouse=True)
def needs_bash_completion():
    if not BASH_COMPLETION.is_file():
        pytest.skip(f"no {BASH_COMPLETION}: apt-get install bash-completion (make setup)")


def stages():
    r = subprocess.run([BARCO, "stages"], stdout=subprocess.PIPE, text=True, timeout=TIMEOUT)
    return [line.split()[1] for line in r.stdout.splitlines()]


def test_commands():
    assert complete(f"{BARCO} st") == ["stages", "start", "state", "step"]
    assert complete(f"{BARCO} ") == sorted(["run", "step", "stages", "ps", "delete", "lesson",
                                             "rootfs", "probe", "verify", "spec", "create",
                                             "start", "state", "kill", "exec", "pause",
                                             "resume", "update", "help", "version"])


def test_options_of_a_command():
    assert complete(f"{BARCO} run --cap-") == ["--cap-add", "--cap-drop"]
    assert complete(f"{BARCO} ps --") == ["--format", "--help", "--json"]
    assert complete(f"{BARCO} create --no-") == ["--no-new-keyring", "--no-pivot"]
    # The global options go before the command: never offered after it.
    assert complete(f"{BARCO} kill --") == ["--all", "--help"]
    assert complete(f"{BARCO} verify --h") == ["--helper"]


def test_step_offers_its_options_and_those_of_run_but_trace():
    offered = complete(f"{BARCO} step --")
    assert {"--until=", "--json", "--memory", "--rootfs"} <= set(offered)
    assert "--trace" not in offered


def test_until_completes_the_stages():
    assert complete(f"{BARCO} step --until=") == sorted(stages())
    assert complete(f"{BARCO} step --until=ca") == ["caps"]
    assert complete(f"{BARCO} step --until ") == sorted(stages())


def test_arguments():
    assert complete(f"{BARCO} lesson us") == ["userns"]
    assert complete(f"{BARCO} probe c") == ["caps", "cgroup"]
    assert complete(f"{BARCO} run --seccomp u") == ["unconfined"]
    assert complete(f"{BARCO} run --net=s") == ["slirp4netns"]
    assert complete(f"{BARCO} rootfs ") == ["create"]


def test_without_bash_completion():
    assert complete(f"{BARCO} step --until=c", with_bash_completion=False) == ["caps", "cgroups"]
    assert complete(f"{BARCO} st", with_bash_completion=False) == ["stages", "start", "state",
                                                                  "step"]


def test_step_completes_paused_containers_and_delete_all(tmp_path):
    """A fake barco on PATH: the names come from `barco ps` of the barco completed."""
    fake = tmp_path / "barco"
    fake.write_text("#!/bin/sh\n"
                    "[ \"$1\" = ps ] || exit 125\n"
                    "echo 'NAME             PID      STAGE      AGE    ROOTFS'\n"
                    "echo 'box              4711     userns     3s     /r'\n"
                    "echo 'bin              4712     exec       9s     /r'\n"
                    "echo 'bop              -        dead       1m     /r'\n")
    fake.chmod(0o755)
    assert complete("barco step b", path=tmp_path) == ["box"]
    assert complete("barco delete b", path=tmp_path) == ["bin", "bop", "box"]


def test_step_completes_a_real_paused_container(barco, names):
    name = names()
    r = barco.create(name, "cgroups")
    assert r.returncode == 0, r.stderr
    assert name in complete(f"{BARCO} step {name[:5]}")
    assert name in complete(f"{BARCO} delete ")
