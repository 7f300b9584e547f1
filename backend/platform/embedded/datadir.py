"""The data directory of `taskflow up`: one owner at a time, and the secrets it generates once."""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path


class DataDirError(Exception):
    """The data directory can't be used; the message says why and what to do."""


class DataDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().resolve()
        self._lock_file: int | None = None

    def claim(self) -> None:
        """Create the directory if needed and lock it for this process (released at exit)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise DataDirError(
                f"cannot write to the data directory {self.path} ({exc.strerror}); "
                "choose another with --data-dir or fix its permissions"
            ) from None
        descriptor = os.open(self.path / "taskflow.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(descriptor, 32).decode(errors="replace").strip() or "?"
            os.close(descriptor)
            raise DataDirError(
                f"another taskflow is already running with data directory {self.path} "
                f"(pid {owner}); stop it first or use --data-dir"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, str(os.getpid()).encode())
        self._lock_file = descriptor

    def release(self) -> None:
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None

    def secret(self, name: str) -> str:
        """A random secret generated on first use and kept (mode 0600) for later runs."""
        path = self.path / name
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(48)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value)
        return value
