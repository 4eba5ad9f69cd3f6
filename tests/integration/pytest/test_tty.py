"""barco run on a terminal: the original demo, an interactive shell.

The terminal is the container's stdin and stdout; the container is the
terminal's foreground job, so Ctrl-C reaches its foreground process and not
barco; `exit N` ends it, barco exits N and leaves nothing behind.
"""

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

REPO = Path(__file__).resolve().parents[3]
BARCO = REPO / "bin" / "barco"


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


def test_interactive_shell_ctrl_c_reaches_the_container():
    name = "pt-tty-" + secrets.token_hex(3)
    with tempfile.TemporaryDirectory(prefix="barco-tty.") as home:
        os.chmod(home, 0o755)  # container root (uid 100000 outside) walks to the rootfs
        env = dict(os.environ, BARCO_HOME=home, PS1="box# ")
        pid, fd = spawn(["run", "--name", name, "--env", "PS1=box# ", "--", "/bin/sh"], env)
        try:
            assert b"box# " in read_until(fd, b"box# ")
            os.write(fd, b"echo pid=$$ tty-ok\n")
            assert b"pid=1 tty-ok" in read_until(fd, b"pid=1 tty-ok")
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
        finally:
            os.close(fd)
        assert not Path("/run/barco", name).exists()
        mounts = Path("/proc/self/mountinfo").read_text()
        assert home not in mounts


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
