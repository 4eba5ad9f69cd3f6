"""barco run on a terminal: the original demo, an interactive shell.

The terminal is the container's stdin and stdout; the container is the
terminal's foreground job, so Ctrl-C reaches its foreground process and not
barco; `exit N` ends it, barco exits N and leaves nothing behind. With
--init the same holds for the init's child, and Ctrl-C ends even a command
with no SIGINT handler, which as pid 1 it does not.
"""

import contextlib
import fcntl
import os
import pty
import struct
import termios
import secrets
import select
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BARCO = Path(os.environ.get("BARCO_BIN") or REPO / "bin" / "barco")


def read_until(fd, needle, timeout=15.0):
    """Reads the pty until needle shows up; returns everything read."""
    out = b""
    end = time.monotonic() + timeout
    while needle not in out and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def spawn(argv, env):
    """barco on a fresh pseudo-terminal of 24x80, as a terminal emulator would give it."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execve(str(BARCO), [str(BARCO)] + argv, env)
    return pid, fd


def wait_exit(pid, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("barco did not exit")


@contextlib.contextmanager
def shell_on_pty(*options):
    """`barco run OPTIONS -- /bin/sh` on a fresh terminal, its prompt "box# " read:
    yields (name, barco's pid, the terminal's fd, BARCO_HOME), closes the fd after."""
    name = "pt-tty-" + secrets.token_hex(3)
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)  # container root (uid 100000 outside) walks to the rootfs
        env = dict(os.environ, BARCO_HOME=home, PS1="box# ")
        pid, fd = spawn(["run", *options, "--name", name, "--env", "PS1=box# ", "--", "/bin/sh"],
                        env)
        try:
            assert b"box# " in read_until(fd, b"box# ")
            yield name, pid, fd, home
        finally:
            os.close(fd)


# With --init the shell is pid 2, the init's child, and must still own the terminal.
@pytest.mark.parametrize("options,shell_pid", [([], b"1"), (["--init"], b"2")])
def test_interactive_shell_ctrl_c_reaches_the_container(options, shell_pid):
    with shell_on_pty(*options) as (name, pid, fd, home):
        os.write(fd, b"echo pid=$$ tty-ok\n")
        banner = b"pid=" + shell_pid + b" tty-ok"
        assert banner in read_until(fd, banner)
        # A long foreground command, then Ctrl-C: the command dies, the shell and barco live.
        os.write(fd, b"sleep 60; echo after-sleep\n")
        time.sleep(0.5)
        os.write(fd, b"\x03")
        out = read_until(fd, b"box# ", timeout=10)
        assert b"\nafter-sleep" not in out  # the command line echo has it, the output must not
        assert os.waitpid(pid, os.WNOHANG) == (0, 0), "barco died of the Ctrl-C"
        os.write(fd, b"echo still-here\n")
        assert b"still-here" in read_until(fd, b"still-here")
        os.write(fd, b"exit 7\n")
        assert wait_exit(pid) == 7
        assert home not in Path("/proc/self/mountinfo").read_text()
    assert not Path("/run/barco", name).exists()


def ctrl_c_on_sleep(options):
    """`sleep 3` on a terminal, Ctrl-C once it runs: barco's exit status."""
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)
        pid, fd = spawn(["run", *options, "--", "/bin/sh", "-c", "echo ready; exec sleep 3"],
                        dict(os.environ, BARCO_HOME=home))
        try:
            assert b"ready" in read_until(fd, b"ready")
            time.sleep(0.3)  # let sh exec sleep (a Ctrl-C before that ends sh alike)
            os.write(fd, b"\x03")
            return wait_exit(pid)
        finally:
            os.close(fd)


def test_ctrl_c_does_not_end_sleep_as_pid_1():
    """The kernel drops the SIGINT for pid 1, which has no handler: sleep runs its 3 s, exit 0."""
    assert ctrl_c_on_sleep([]) == 0


def test_ctrl_c_ends_sleep_under_init():
    """Under --init, sleep is the init's child and the terminal's foreground job: 128+2."""
    assert ctrl_c_on_sleep(["--init"]) == 130


def test_window_size_ioctl_works_on_the_terminal():
    """TIOCGWINSZ must pass the seccomp filter (the original's masked TIOCSTI rule broke it)."""
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)
        env = dict(os.environ, BARCO_HOME=home)
        pid, fd = spawn(["run", "--", "/bin/stty", "size"], env)
        out = read_until(fd, b"\n", timeout=15) + read_until(fd, b"@@never@@", timeout=2)
        os.close(fd)
        assert wait_exit(pid) == 0, out
        assert b"24 80" in out, out


def test_no_terminal_means_no_job_control_surprises():
    """Without a terminal, barco must not try to hand one over: output flows, status passes."""
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)
        proc = subprocess.run([str(BARCO), "run", "--", "/bin/sh", "-c", "echo piped; exit 4"],
                              env=dict(os.environ, BARCO_HOME=home), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=30)
        assert proc.returncode == 4
        assert proc.stdout == b"piped\n"


# ---- barco run -t: a terminal of the container's own ------------------------------

def test_tty_gives_a_pty_of_the_containers_devpts_and_relays_it():
    """-t: the command's fds 0-2 are /dev/pts/0 of the container's devpts (not barco's
    terminal); keys, Ctrl-C and window size reach it through barco; the terminal is
    barco's again, in its old mode, when the command exits with its status."""
    with shell_on_pty("-t") as (name, pid, fd, _):
        os.write(fd, b"echo $(tty) $(stty size) $(ls /dev/pts | tr -d '\\n')@\n")
        # A fresh devpts: its first pty, and ptmx beside it; the size copied from ours.
        assert b"/dev/pts/0 24 80 0ptmx@" in read_until(fd, b"ptmx@")
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
        time.sleep(0.3)  # the kernel's SIGWINCH to barco, barco's TIOCSWINSZ on the pty
        os.write(fd, b"stty size\n")
        assert b"33 101" in read_until(fd, b"33 101")
        os.write(fd, b"sleep 60\n")
        time.sleep(0.5)
        os.write(fd, b"\x03")  # a byte through barco's raw terminal, SIGINT on the pty
        os.write(fd, b"echo after-$?\n")
        assert b"after-130" in read_until(fd, b"after-130")
        os.write(fd, b"exit 3\n")
        assert wait_exit(pid) == 3
        # pty.fork's child (barco) shared this terminal: its line discipline is cooked again.
        lflag = termios.tcgetattr(fd)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO
    assert not Path("/run/barco", name).exists()


def run_tty(home, *cmd, stdin=subprocess.DEVNULL, input=None):
    return subprocess.run([str(BARCO), "run", "-t", "--", *cmd], env=dict(os.environ,
                          BARCO_HOME=home), capture_output=True, stdin=None if input else stdin,
                          input=input, timeout=30)


def test_tty_without_a_terminal_still_gives_one_and_ends_at_end_of_input():
    """stdin a file or pipe: the command still has a terminal; the end of input becomes
    the pty's Ctrl-D, so `cat` ends; output comes back through the pty (\\r\\n)."""
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)
        proc = run_tty(home, "/bin/sh", "-c", "tty; test -t 0 && test -t 1 && exit 7")
        assert proc.returncode == 7, proc.stderr
        assert proc.stdout == b"/dev/pts/0\r\n"
        proc = run_tty(home, "/bin/cat", input=b"hello\n")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count(b"hello\r\n") == 2  # the pty's echo, then cat's copy


def test_tty_is_refused_where_it_has_no_meaning(tmp_path):
    """step runs the command on its caller's terminal; with --bundle, process.terminal
    decides: one line, 125, nothing made."""
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        env = dict(os.environ, BARCO_HOME=home)
        for argv, says in ((["step", "-t", "--until=exec", "--", "true"], b"-t is an option"),
                           (["run", "--bundle", str(tmp_path), "-t"], b"--tty: with --bundle")):
            before = set(os.listdir("/run/barco")) if os.path.isdir("/run/barco") else set()
            proc = subprocess.run([str(BARCO), *argv], env=env, capture_output=True,
                                  stdin=subprocess.DEVNULL, timeout=30)
            assert proc.returncode == 125
            assert says in proc.stderr and proc.stderr.count(b"\n") == 1, proc.stderr
            after = set(os.listdir("/run/barco")) if os.path.isdir("/run/barco") else set()
            assert after <= before


def test_tty_hangs_up_the_container_when_barcos_terminal_goes_away():
    """-t with a shell whose line editor reads raw: when barco's terminal hangs
    up (the emulator closed), the container's pty hangs up too; the shell's
    read ends, barco exits and leaves nothing, instead of waiting for keys."""
    with shell_on_pty("-t") as (name, pid, fd, _):
        pass
    wait_exit(pid)
    assert not Path("/run/barco", name).exists()
