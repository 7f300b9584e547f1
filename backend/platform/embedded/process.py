"""Child server processes that die with their owner, even when the owner is SIGKILLed."""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_PR_SET_PDEATHSIG = 1
# A unix socket path must fit in sun_path (108 bytes on Linux, with the file name).
_MAX_SOCKET_DIR = 80


class EmbeddedServerError(Exception):
    """An embedded server could not start; the message says what to do."""


def _die_with_parent(sig: int) -> Callable[[], None]:
    def preexec() -> None:
        os.setsid()  # Ctrl-C in the terminal goes to taskflow, which stops servers in order
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() == 1:  # the owner died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def spawn(
    command: list[str],
    *,
    log: Path,
    on_owner_death: int,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` in its own session, logging to `log`, receiving `on_owner_death` if we die.

    The signal is armed after any change of user (the kernel clears it on credential changes),
    so a server run as another user still stops when its owner is killed.
    """
    with open(log, "ab") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            user=user,
            group=user,
            preexec_fn=_die_with_parent(on_owner_death),
        )


def wait_until(
    ready: Callable[[], bool],
    *,
    process: subprocess.Popen[bytes],
    timeout: float,
    what: str,
    log: Path,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            raise EmbeddedServerError(f"{what} exited with code {process.returncode}; see {log}")
        time.sleep(0.05)
    raise EmbeddedServerError(f"{what} did not become ready within {timeout:.0f} s; see {log}")


def stop(process: subprocess.Popen[bytes] | None, *, sig: int, timeout: float = 30.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def socket_dir(data_dir: Path, name: str) -> Path:
    """`<data>/run`, or a short directory under /tmp when the data path is too long."""
    preferred = data_dir / "run"
    if len(str(preferred)) <= _MAX_SOCKET_DIR:
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"taskflow-{name}-{digest}"


def leftover_server(pid_file: Path, marker: str) -> int | None:
    """The pid in `pid_file` if that process is alive and its command line names `marker`
    (so a recycled pid of an unrelated process is never touched)."""
    import psutil

    try:
        pid = int(pid_file.read_text().split()[0])
        cmdline = " ".join(psutil.Process(pid).cmdline())
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    return pid if marker in cmdline else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate_pid(pid: int, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Stop a leftover server from an earlier run (its owner is gone)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
