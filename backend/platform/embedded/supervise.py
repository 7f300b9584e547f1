"""Keeps `taskflow up`'s embedded PostgreSQL and Redis running: one that exits (killed, OOM,
crashed) is reaped at once — no zombie — and started again with backoff, each step logged.
Readiness fails while one is down; liveness fails only once restarting has been given up
(then restarting the whole process is what helps)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from backend.platform.embedded.process import EmbeddedServerError

log = structlog.get_logger("taskflow.embedded")
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
GIVE_UP_AFTER = 8
"""Failed restarts in a row after which the server is left down (and liveness fails)."""


class Server(Protocol):
    process: object

    def start(self) -> str: ...


@dataclass
class _Watched:
    name: str
    server: Server
    down_since: float | None = None
    failed_restarts: int = 0
    reason: str = ""
    given_up: bool = False


@dataclass
class Supervisor:
    servers: Sequence[tuple[str, Server]]
    poll_seconds: float = 0.2
    backoff: Sequence[float] = BACKOFF_SECONDS
    give_up_after: int = GIVE_UP_AFTER
    _watched: list[_Watched] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._watched = [_Watched(name, server) for name, server in self.servers]

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="embedded-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (before the servers are stopped on purpose)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def down(self) -> dict[str, str]:
        """The servers not running now, with why (for readiness)."""
        return {w.name: w.reason for w in self._watched if w.down_since is not None}

    def given_up(self) -> dict[str, str]:
        """The servers no longer restarted (for liveness)."""
        return {w.name: w.reason for w in self._watched if w.given_up}

    def report_to(self, runtime: Any) -> None:
        """Make `runtime`'s readiness fail while a server is down, its liveness once one has
        been given up."""

        async def running(_: Any) -> None:
            if down := self.down():
                raise RuntimeError("; ".join(f"{name} {why}" for name, why in down.items()))

        async def restartable(_: Any) -> None:
            if gone := self.given_up():
                raise RuntimeError("; ".join(f"{name} {why}" for name, why in gone.items()))

        runtime.readiness_checks["embedded_servers"] = running
        runtime.liveness_checks["embedded_servers"] = restartable

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            for watched in self._watched:
                if not watched.given_up:
                    self._check(watched)

    def _check(self, watched: _Watched) -> None:
        process = watched.server.process
        code = process.poll() if process is not None else None  # type: ignore[attr-defined]
        if watched.down_since is None:
            if process is None or code is None:
                return
            watched.down_since = time.monotonic()
            watched.reason = f"exited with status {code}"
            log.error("embedded_server_exited", server=watched.name, status=code)
        delay = self.backoff[min(watched.failed_restarts, len(self.backoff) - 1)]
        log.warning(
            "embedded_server_restarting",
            server=watched.name,
            attempt=watched.failed_restarts + 1,
            in_seconds=delay,
        )
        if self._stop.wait(delay):
            return
        try:
            watched.server.start()
        except (EmbeddedServerError, OSError) as exc:
            watched.failed_restarts += 1
            watched.reason = f"restart failed: {exc}".splitlines()[0]
            log.error("embedded_server_restart_failed", server=watched.name, error=str(exc))
            if watched.failed_restarts >= self.give_up_after:
                watched.given_up = True
                log.critical("embedded_server_given_up", server=watched.name)
            return
        downtime = time.monotonic() - watched.down_since
        log.info("embedded_server_restarted", server=watched.name, down_seconds=round(downtime, 2))
        watched.down_since = None
        watched.failed_restarts = 0
        watched.reason = ""
