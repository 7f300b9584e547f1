"""Child server processes that die with their owner, even when the owner is SIGKILLed."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

_PR_SET_PDEATHSIG = 1
# A unix socket path must fit in sun_path (108 bytes on Linux, including the file name, e.g.
# ".s.PGSQL.5432"), so a data directory with a long path gets its sockets in a short directory
# under /tmp named by a hash of the data directory instead.
_MAX_SOCKET_DIR = 80
# The socket directory goes into URLs (`?host=<dir>`, `unix://<dir>/redis.sock`) unescaped, so a
# path with characters a URL would need to escape gets the /tmp directory too.
_URL_SAFE_PATH = re.compile(r"[A-Za-z0-9/._~-]+")


class EmbeddedServerError(Exception):
    """An embedded server could not start; the message says what to do."""


def _die_with_parent(sig: int) -> Callable[[], None]:
    def preexec() -> None:
        os.setsid()  # Ctrl-C in the terminal goes to taskflow, which stops servers in order
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:  # not Linux: a later start stops the leftover server instead
            return
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
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` in its own session, logging to `log`, receiving `on_owner_death` if we die.

    The signal is armed after any change of user (the kernel clears it on credential changes),
    so a server run as another user still stops when its owner is killed. Linux sends it when
    the *thread* that spawned the child ends: call this from a thread that lives as long as the
    server should (the main thread), never from a short-lived worker thread.
    """
    try:
        with open(log, "ab") as out:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                user=user,
                group=user,
                env=env,
                preexec_fn=_die_with_parent(on_owner_death),
            )
    except OSError as exc:
        raise EmbeddedServerError(
            f"cannot run {command[0]} ({exc.strerror}): reinstall TaskFlow or configure an "
            "external server (DATABASE_URL / REDIS_URL)"
        ) from None


def log_tail(log: Path, since: int = 0) -> str:
    """The last error-looking line PostgreSQL or Redis wrote to `log` after byte `since`."""
    try:
        with open(log, "rb") as handle:
            handle.seek(since)
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if any(word in line for word in ("FATAL", "PANIC", "ERROR", "# ")):
            return line.strip()
    return lines[-1].strip() if lines else ""


def wait_until(
    ready: Callable[[], bool],
    *,
    process: subprocess.Popen[bytes],
    timeout: float,
    what: str,
    log: Path,
    log_start: int = 0,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            last = log_tail(log, log_start)
            raise EmbeddedServerError(
                f"{what} exited with code {process.returncode}"
                + (f" ({last})" if last else "")
                + f"; see {log}"
            )
        time.sleep(0.02)
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
    """`<data>/run`, or a short directory under /tmp when the data path is too long (or would
    need escaping in a URL)."""
    preferred = data_dir / "run"
    if len(str(preferred)) <= _MAX_SOCKET_DIR and _URL_SAFE_PATH.fullmatch(str(preferred)):
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"taskflow-{name}-{digest}"


def make_socket_dir(path: Path, *, owner: str | None = None) -> None:
    """Create the socket directory (0700, owned by `owner` if given); refuse a directory in
    /tmp that someone else created (they could swap the socket)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent == Path(tempfile.gettempdir()):
        uid = os.stat(path).st_uid
        allowed = {os.geteuid()}
        if owner is not None:
            import pwd

            allowed.add(pwd.getpwnam(owner).pw_uid)
        if uid not in allowed:
            raise EmbeddedServerError(
                f"the socket directory {path} belongs to another user (uid {uid}); remove it"
            )
    if owner is not None:
        import shutil

        shutil.chown(path, owner, owner)


def server_pid(pid_file: Path, *, marker: str, cwd: Path | None = None) -> tuple[int | None, bool]:
    """(pid, ours) for the pid in `pid_file`: `ours` when that live process is our server —
    its command line names `marker` or it runs in `cwd` (PostgreSQL runs in its data directory).
    A live pid that is not ours is a recycled pid from a stale file: the file may go."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, False
    try:
        process = psutil.Process(pid)
        if marker in " ".join(process.cmdline()):
            return pid, True
        if cwd is not None and Path(process.cwd()) == cwd:
            return pid, True
    except psutil.ZombieProcess:  # dead, not yet reaped: PostgreSQL would still think it alive
        return pid, False
    except psutil.NoSuchProcess:
        return None, False
    except psutil.Error:  # another user's process: not a server we (or our server user) run
        pass
    return pid, False


def leftover_server(pid_file: Path, marker: str, cwd: Path | None = None) -> int | None:
    """The pid in `pid_file` if that process is alive and is our server (see `server_pid`)."""
    pid, ours = server_pid(pid_file, marker=marker, cwd=cwd)
    return pid if ours else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(psutil.Error):
        if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return False
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
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
