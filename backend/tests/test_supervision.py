"""Embedded PostgreSQL and Redis that die are reaped and restarted (with backoff, logged), and
the health endpoints tell the truth: not ready while a server is down, not live once one could
not be restarted or a worker crashed (issue 18, item 7)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import httpx
import psutil
import pytest

from backend.app import create_app, load_services
from backend.platform.embedded import EmbeddedServerError
from backend.platform.embedded.supervise import Supervisor
from backend.platform.service import ServiceSpec
from backend.testing.fixtures import make_settings
from backend.tests.test_embedded import seed_pgdata, servers_running
from backend.tests.test_up_process import free_port, start_up, wait_for_url


def _victim(data_dir, name: str) -> psutil.Process:
    for process in servers_running(data_dir):
        cmdline = " ".join(process.cmdline())
        if name == "redis" and "redis-server" in cmdline:
            return process
        if name == "postgres" and " -D " in cmdline:  # the postmaster, not a backend
            return process
    raise AssertionError(f"no {name} server of {data_dir}")


def _gone(pid: int) -> bool:
    """The process is reaped: not running and not left as a zombie."""
    try:
        psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("server", ["postgres", "redis"])
def test_an_embedded_server_killed_is_restarted_and_the_app_recovers(tmp_path, server):
    """Before: the app answered 503 forever, the server stayed a zombie, /health/live said 200."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    up = start_up(seed_pgdata(tmp_path), port)
    try:
        wait_for_url(up)
        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={"email": "s@example.com", "password": "long enough", "name": "S"},
        )
        headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
        victim = _victim(tmp_path, server)
        victim.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 90
        created = None
        while time.monotonic() < deadline:
            assert httpx.get(f"{base}/health/live").status_code == 200  # restarting is not dead
            ready = httpx.get(f"{base}/health/ready")
            if ready.status_code == 200 and _gone(victim.pid):
                created = httpx.post(
                    f"{base}/api/v1/tasks", json={"title": "after"}, headers=headers
                )
                if created.status_code == 201:
                    break
            time.sleep(0.1)
        assert created is not None and created.status_code == 201, created and created.text
        assert _victim(tmp_path, server).pid != victim.pid
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(60) == 0
    output = up.stdout.read()
    assert "embedded_server_exited" in output and f"server={server}" in output, output
    assert "embedded_server_restarted" in output
    assert "Traceback" not in output
    assert servers_running(tmp_path) == []


class FlakyServer:
    """A real child process standing in for a server; restarts fail after `restarts_ok`."""

    def __init__(self, restarts_ok: int) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.restarts_ok = restarts_ok

    def start(self) -> str:
        if self.starts > self.restarts_ok:
            raise EmbeddedServerError("the data directory is gone")
        self.starts += 1
        self.process = subprocess.Popen(["sleep", "600"])
        return "x://"

    def kill(self) -> int:
        assert self.process is not None
        self.process.kill()
        return self.process.pid


def _eventually(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


async def test_health_follows_the_supervisor(database_url, redis_url):
    server = FlakyServer(restarts_ok=1)
    server.start()
    supervisor = Supervisor(
        [("postgres", server)], poll_seconds=0.02, backoff=(0.3,), give_up_after=2
    )
    supervisor.start()
    app = create_app(
        make_settings(database_url, redis_url),
        load_services(["api"]),
        name="api",
        on_runtime=supervisor.report_to,
    )
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/health/ready")).status_code == 200
                pid = server.kill()
                await asyncio.to_thread(_eventually, lambda: bool(supervisor.down()))
                ready = await client.get("/health/ready")
                assert ready.status_code == 503
                assert ready.json()["checks"]["embedded_servers"].startswith("failing: ")
                assert (
                    "postgres exited with status -9" in ready.json()["checks"]["embedded_servers"]
                )
                assert (await client.get("/health/live")).status_code == 200
                await asyncio.to_thread(_eventually, lambda: not supervisor.down())
                assert _gone(pid), "the dead server was reaped"
                assert (await client.get("/health/ready")).status_code == 200
                server.kill()  # this time every restart fails: given up after two
                await asyncio.to_thread(_eventually, lambda: bool(supervisor.given_up()))
                live = await client.get("/health/live")
                assert live.status_code == 503
                assert (
                    "restart failed: the data directory is gone"
                    in live.json()["checks"]["embedded_servers"]
                )
    finally:
        supervisor.stop()
        if server.process is not None:
            server.process.kill()
            server.process.wait()


async def test_a_crashed_worker_fails_liveness(database_url, redis_url):
    async def crashes(runtime) -> None:
        raise RuntimeError("lost its mind")

    spec = ServiceSpec(name="crashy", workers=(crashes,))
    app = create_app(
        make_settings(database_url, redis_url), [*load_services(["api"]), spec], name="x"
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await asyncio.sleep(0.05)
            live = await client.get("/health/live")
    assert live.status_code == 503
    assert (
        "worker crashy:crashes crashed: RuntimeError('lost its mind')"
        in live.json()["checks"]["workers"]
    )
