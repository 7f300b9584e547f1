"""Driving a running `taskflow up --dapr` from outside, as its users and its operator would:
the public port only (HTTP and the SSE stream), signals to its processes, and an OTLP
receiver to see the traces its processes export."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvicorn
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.topology.ports import free_port

START_TIMEOUT = 240.0


class SpanSink:
    """An OTLP/HTTP receiver: every exported span as (trace id, service name, span name)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []
        self.port = free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(
                Starlette(routes=[Route("/v1/traces", self._receive, methods=["POST"])]),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _receive(self, request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        for resource_spans in message.resource_spans:
            service = next(
                (
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                ),
                "",
            )
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append((span.trace_id.hex(), service, span.name))
        return Response(b"", media_type="application/x-protobuf")

    def start(self) -> None:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)


@dataclass
class Running:
    """A `taskflow up --dapr` process and where it lives."""

    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    env: dict[str, str]
    output: list[str] = field(default_factory=list)

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def find(self, pattern: str) -> psutil.Process:
        """The one live child whose command line matches `pattern` (a regex)."""
        regex = re.compile(pattern)
        found = [
            p
            for p in self.children()
            if p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE
            and regex.search(" ".join(p.cmdline()))
        ]
        assert len(found) == 1, f"{pattern!r} matched {len(found)} processes"
        return found[0]

    def app(self, service: str) -> psutil.Process:
        return self.find(rf"backend\.cli serve {service} ")

    def sidecar(self, service: str) -> psutil.Process:
        return self.find(rf"daprd .*--app-id {service} ")

    def kafka(self) -> psutil.Process:
        return self.find(r"kafka\.Kafka ")

    def wait_restarted(self, pattern: str, old_pid: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(AssertionError, psutil.Error):
                if self.find(pattern).pid != old_pid:
                    return
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} was not restarted within {timeout:.0f} s")

    def wait_healthy(self, timeout: float = 90.0) -> None:
        """Until every service answers /health/ready through... its own port: the edge routes
        /health to the api only, so ask each app process directly via its --port."""
        deadline = time.monotonic() + timeout
        pending = {"api", "recurring", "reminder", "notification", "audit"}
        while pending and time.monotonic() < deadline:
            for service in list(pending):
                with contextlib.suppress(AssertionError, psutil.Error, httpx.HTTPError):
                    port = re.search(r"--port=(\d+)", " ".join(self.app(service).cmdline()))
                    answer = httpx.get(f"http://127.0.0.1:{port.group(1)}/health/ready", timeout=3)
                    if answer.status_code == 200:
                        pending.discard(service)
            time.sleep(0.3)
        assert not pending, f"not ready after {timeout:.0f} s: {sorted(pending)}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another `taskflow` command against the same data directory (the operator)."""
        return subprocess.run(
            [sys.executable, "-m", "backend.cli", *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            check=False,
        )


def start(data_dir: Path, *, otlp: str | None = None) -> Running:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    # the tests sign up more people from one address than a real network would in an hour
    env |= {"LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", "SIGNUPS_PER_ADDRESS_PER_HOUR": "1000"}
    if otlp:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "backend.cli", "up", "--dapr"),
            *("--port", str(port), "--data-dir", str(data_dir)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    running = Running(process, f"http://127.0.0.1:{port}", data_dir, env)
    deadline = time.monotonic() + START_TIMEOUT
    assert process.stdout is not None
    for line in process.stdout:
        running.output.append(line)
        if "is running at" in line:
            break
        if time.monotonic() > deadline:
            break
    else:
        raise AssertionError("taskflow up --dapr exited:\n" + "".join(running.output))
    assert "is running at" in running.output[-1], "".join(running.output)
    threading.Thread(target=_drain, args=(process, running.output), daemon=True).start()
    return running


def _drain(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


def stop(running: Running, timeout: float = 90.0) -> int:
    running.process.send_signal(signal.SIGINT)
    return running.process.wait(timeout)


class User:
    """One person using TaskFlow through the public port."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        email = f"{uuid.uuid4().hex[:12]}@example.org"
        answer = self.http.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": "correct horse battery staple", "name": "Tester"},
        )
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def create(self, **fields: Any) -> dict[str, Any]:
        answer = self.http.post("/api/v1/tasks", json={"title": "task", **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def all_tasks(self, **params: Any) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            page = self.http.get(
                "/api/v1/tasks",
                params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            items += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return items

    def audit(self) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            page = self.http.get(
                "/api/v1/audit", params={"limit": 200, **({"cursor": cursor} if cursor else {})}
            )
            assert page.status_code == 200, page.text
            body = page.json()
            items += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return items


class Stream:
    """The user's SSE stream, read in a thread; reconnects with Last-Event-ID like a browser."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.frames: list[tuple[str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._last_id: str | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.connected.wait(30), "the SSE stream did not open"

    def _run(self) -> None:
        import orjson

        while not self._stop.is_set():
            headers = {"Authorization": f"Bearer {self.user.token}"}
            if self._last_id:
                headers["Last-Event-ID"] = self._last_id
            try:
                with (
                    httpx.Client(
                        base_url=self.user.base, timeout=httpx.Timeout(10, read=None)
                    ) as c,
                    c.stream("GET", "/api/v1/notifications/stream", headers=headers) as answer,
                ):
                    if answer.status_code != 200:
                        time.sleep(0.5)
                        continue
                    self.connected.set()
                    event = frame_id = None
                    for line in answer.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.startswith("id:"):
                            frame_id = line[3:].strip()
                        elif line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event and event.startswith("com."):
                            self.frames.append((event, orjson.loads(line[5:])))
                        elif line == "":
                            if frame_id:
                                self._last_id = frame_id
                            event = frame_id = None
            except (httpx.HTTPError, ValueError):
                time.sleep(0.5)

    def count(self, event_type: str) -> Counter[str]:
        """How many frames of this type arrived, per task id."""
        return Counter(
            data["task"]["id"] if "task" in data else data.get("task_id", "")
            for kind, data in self.frames
            if kind == event_type
        )

    def close(self) -> None:
        self._stop.set()


def eventually(check: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.5) -> Any:
    """Call `check` until it stops raising AssertionError; its last error if time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(every)


@contextlib.contextmanager
def load(user: User, *, count: int, every: float = 0.02) -> Iterator[list[dict[str, Any]]]:
    """Create `count` tasks in a thread while the body runs; yields the acknowledged ones.
    A request that fails (a process is down) is retried until it is acknowledged."""
    acknowledged: list[dict[str, Any]] = []

    def run() -> None:
        for n in range(count):
            while True:
                try:
                    answer = user.http.post("/api/v1/tasks", json={"title": f"load {n}"})
                except httpx.HTTPError:
                    time.sleep(0.2)
                    continue
                if answer.status_code == 201:
                    acknowledged.append(answer.json())
                    break
                time.sleep(0.2)
            time.sleep(every)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield acknowledged
    finally:
        thread.join(300)
        assert not thread.is_alive(), "the load did not finish"
