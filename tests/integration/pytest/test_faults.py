"""Fault injection: every stage can fail, and barco or its step monitor can
die at every stage boundary, without leaving anything behind.

bin/barco-fault is barco built with the test-only hook (`make
bin/barco-fault`; release builds compile it out, src/runtime/runner.c):
BARCO_FAULT=STAGE:parent makes STAGE fail in the runner, STAGE:child in the
container process, and STAGE:kill has the runner SIGKILL itself right after
STAGE; exec:late has the runner look for the command's execve only after
it has exited. "Nothing left" is conftest.leftovers(): no /run/barco/NAME, no cgroup
directory NAME under any barco/ parent, no process in those cgroups or
naming NAME, no mount of the test's scratch directory (which holds the
rootfs) in the host's mountinfo.
"""

import os
import signal
import subprocess
import time

import pytest

from conftest import (BARCO, EXIT_BARCO, PAUSABLE, REPO, RUN_DIR, STAGES, TIMEOUT,
                      assert_nothing_left, leftovers, one_barco_error, processes_of, state_of,
                      wait_dead)

FAULT = REPO / "bin" / "barco-fault"

# Which side of each stage has a part (src/runtime/stage.c's table; README "The stages").
SIDES = {
    "cgroups": ["parent"],
    "userns": ["parent", "child"],
    "namespaces": ["child"],
    "hostname": ["child"],
    "mounts": ["child"],
    "network": ["child"],
    "caps": ["child"],
    "seccomp": ["child"],
    "exec": ["parent", "child"],
}
FAULTS = [(stage, side) for stage in STAGES for side in SIDES[stage]]


@pytest.fixture(scope="session")
def fault(barco):
    """fault(SPEC, *ARGS): bin/barco-fault ARGS with BARCO_FAULT=SPEC."""
    if not FAULT.is_file():
        pytest.fail(f"build first: make bin/barco-fault (missing {FAULT})")

    def run(spec, *args, timeout=TIMEOUT):
        env = dict(barco.env, BARCO_FAULT=spec)
        return subprocess.run([str(FAULT), *map(str, args)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)
    return run


def assert_clean(barco, name):
    assert_nothing_left(name, str(barco.scratch))


def assert_processes_gone(name, seconds=5.0):
    """What the dead runner started must die on its own (end of file on its
    socket, or PR_SET_PDEATHSIG once the command runs)."""
    deadline = time.monotonic() + seconds
    while processes_of(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_of(name) == [], f"processes of {name} outlived their runner"


# A stale container is reclaimed by *any* later barco (barco_state_reclaim_all):
# on a host where other barco commands run meanwhile, it may be gone before
# the test looks. That is the cleanup under test too, so the checks below
# accept "already reclaimed" where they would otherwise see it stale.

def reclaimed(name, seconds=0.0):
    """True when NAME's state is gone (within seconds: a reclaimer holds the
    lock while it removes the cgroups, and ps then sees it as live)."""
    deadline = time.monotonic() + seconds
    while (RUN_DIR / name).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not (RUN_DIR / name).exists()


def assert_dead_in_ps(barco, name):
    r = barco.run("ps")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    row = [cols for cols in rows if cols and cols[0] == name]
    assert (row and row[0][2] == "dead") or reclaimed(name, 3.0), \
        f"barco ps does not show {name} dead:\n{r.stdout}"


def assert_told_to_delete(barco, name):
    r = barco.run("step", name)
    assert r.returncode == EXIT_BARCO
    line = one_barco_error(r.stderr)
    assert f"barco delete {name}" in line or \
        (f"no container named '{name}'" in line and reclaimed(name)), line


def delete(barco, name):
    r = barco.run("delete", name)
    if r.returncode != 0:
        assert f"no container named '{name}'" in one_barco_error(r.stderr), r.stderr
        assert reclaimed(name)


def run_step_monitor(barco, name, until, cmd=("/bin/sleep", "30")):
    r = barco.create(name, until, *cmd, json_out=False)
    assert r.returncode == 0, r.stderr
    return state_of(name)["runner_pid"]


def reclaim_by_next_run(barco, names):
    """Any later container reclaims every stale one (barco_state_reclaim_all)."""
    other = names()
    r = barco.run("run", "--rootfs", barco.rootfs, "--name", other, "--", "/bin/true")
    assert r.returncode == 0, r.stderr


def clean_up_dead(barco, names, name, cleanup):
    """barco delete (cleanup "delete") or the next run's reclaim removes a dead
    container: nothing of it is left."""
    if cleanup == "delete":
        delete(barco, name)
    else:
        reclaim_by_next_run(barco, names)
    assert_clean(barco, name)


def test_sides_cover_every_stage():
    assert list(SIDES) == STAGES


def test_release_build_ignores_barco_fault(barco, names):
    """The hook is compiled out of bin/barco: the variable changes nothing."""
    name = names()
    env = dict(barco.env, BARCO_FAULT="cgroups:parent")
    r = subprocess.run([str(BARCO), "run", "--rootfs", str(barco.rootfs), "--name", name,
                        "--", "/bin/true"], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert_clean(barco, name)


@pytest.mark.parametrize("stage,side", FAULTS, ids=[f"{s}-{w}" for s, w in FAULTS])
def test_run_fault(barco, names, fault, stage, side):
    """barco run: status 125, one line naming the stage, nothing left, no delete needed."""
    name = names()
    r = fault(f"{stage}:{side}", "run", "--rootfs", barco.rootfs, "--name", name, "--",
              "/bin/true")
    assert r.returncode == EXIT_BARCO, r.stderr
    line = one_barco_error(r.stderr)
    assert f"stage {stage}:" in line and "fault injected" in line, line
    assert r.stdout == ""
    assert_clean(barco, name)


@pytest.mark.parametrize("stage,side", FAULTS, ids=[f"{s}-{w}" for s, w in FAULTS])
def test_step_fault(barco, names, fault, stage, side):
    """The same faults in the step monitor: the client is told, the monitor cleans up."""
    name = names()
    r = fault(f"{stage}:{side}", "step", "--until=exec", "--rootfs", barco.rootfs,
              "--name", name, "--", "/bin/true")
    assert r.returncode == EXIT_BARCO, r.stderr
    line = one_barco_error(r.stderr)
    assert f"stage {stage}:" in line and "fault injected" in line, line
    assert_clean(barco, name)


@pytest.mark.parametrize("cleanup", ["delete", "reclaim"])
@pytest.mark.parametrize("stage", STAGES)
def test_run_killed_after_stage(barco, names, fault, stage, cleanup):
    """The runner SIGKILLed after STAGE: its container dies with it; the state
    and cgroups it left are removed by `barco delete` or by the next run."""
    name = names()
    r = fault(f"{stage}:kill", "run", "--rootfs", barco.rootfs, "--name", name, "--",
              "/bin/sleep", "30")
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert_processes_gone(name)
    assert_dead_in_ps(barco, name)
    clean_up_dead(barco, names, name, cleanup)


@pytest.mark.parametrize("stage", STAGES)
def test_monitor_kills_itself_after_stage(barco, names, fault, stage):
    """The step monitor dies (SIGKILL) right after STAGE, while a client waits."""
    name = names()
    r = fault(f"{stage}:kill", "step", "--until=exec", "--rootfs", barco.rootfs,
              "--name", name, "--", "/bin/sleep", "30")
    assert r.returncode == EXIT_BARCO, r.stderr
    assert "monitor" in one_barco_error(r.stderr)
    assert_processes_gone(name)
    delete(barco, name)
    assert_clean(barco, name)


@pytest.mark.parametrize("cleanup", ["delete", "reclaim"])
@pytest.mark.parametrize("stage", PAUSABLE)
def test_paused_monitor_killed(barco, names, stage, cleanup):
    """A paused container whose monitor is SIGKILLed: the container process
    exits, the next client is told to delete, and delete (or the next
    run's reclaim) leaves nothing."""
    name = names()
    monitor = run_step_monitor(barco, name, stage)
    os.kill(monitor, signal.SIGKILL)
    assert wait_dead(monitor)
    assert_processes_gone(name)
    assert_dead_in_ps(barco, name)
    assert_told_to_delete(barco, name)
    clean_up_dead(barco, names, name, cleanup)


def test_running_command_loses_its_monitor(barco, names):
    """After exec, killing the monitor kills the command too (PR_SET_PDEATHSIG)."""
    name = names()
    monitor = run_step_monitor(barco, name, "seccomp")
    client = barco.popen("step", name, "--until=exec")
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if state_of(name).get("stage") == "exec":
                break
            time.sleep(0.05)
        assert state_of(name).get("stage") == "exec"
        os.kill(monitor, signal.SIGKILL)
        assert_processes_gone(name)
        out, err = client.communicate(timeout=TIMEOUT)
        assert client.returncode == EXIT_BARCO, err
    finally:
        if client.poll() is None:
            client.kill()
            client.communicate()
    delete(barco, name)
    assert leftovers(name, str(barco.scratch)) == []


def test_command_that_ends_before_the_runner_looks(barco, names, fault):
    """The runner reads the signalfd while it waits for the execve, and the
    SIGCHLD of a command that has already ended is read there: the monitor
    must still see that it ended, not wait for a signal that never comes
    (the `barco step` client then hung; about 1 in 16 runs without the hook)."""
    name = names()
    r = fault("exec:late", "step", "--until=seccomp", "--name", name, "--rootfs", barco.rootfs,
              "--", "/bin/sh", "-c", "exit 7")
    assert r.returncode == 0, r.stderr
    r = barco.run("step", name, timeout=10)
    assert r.returncode == 7, r.stderr
    assert reclaimed(name, seconds=5)
    assert_clean(barco, name)
