"""`taskflow serve` started before its database (every cluster roll-out): it serves, not
ready, logging one line per attempt, and becomes ready when the server comes up; a wrong
role, database or password ends the command with one line (issue 18, item 11)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from backend.tests.test_up_process import free_port

pytestmark = pytest.mark.slow
REDIS_SERVER = Path(sys.executable).parent / "redis-server"


def serve_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_SECRET", "_KEY"))}
    return env | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET": "j" * 40,
        "APP_API_TOKEN": "a" * 40,
        "INTERNAL_SECRET": "i" * 40,
        "LOG_FORMAT": "json",
    }


def with_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def serve(env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "serve",
            "api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def wait_for(url: str, status: int, timeout: float = 40) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=3)
            if last.status_code == status:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered {status} (last: {last and last.text})")


def test_a_service_started_before_redis_waits_not_ready_then_serves(database_url, tmp_path):
    port, redis_port = free_port(), free_port()
    env = serve_env(database_url, f"redis://127.0.0.1:{redis_port}/0")
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - read back below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "serve",
            "api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    redis = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health/live", 200)
        waiting = wait_for(f"{base}/health/ready", 503).json()
        assert "Redis is not reachable yet" in waiting["checks"]["startup"]
        time.sleep(2)  # a few attempts
        redis = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        ready = wait_for(f"{base}/health/ready", 200)
        assert "startup" not in ready.json()["checks"]
        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={"email": "late@example.com", "password": "correct horse 1", "name": "Late"},
        )
        assert signup.status_code in (201, 409)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
    log.seek(0)
    output = log.read()
    assert "Traceback" not in output
    attempts = [line for line in output.splitlines() if "waiting_for_dependencies" in line]
    assert len(attempts) >= 2, output
    assert all("Redis is not reachable yet" in line for line in attempts)
    assert "dependencies_reachable" in output


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda url: with_user(url, "nobody_here"), 'role "nobody_here" does not exist'),
        (lambda url: with_database(url, "no_such_db"), 'database "no_such_db" does not exist'),
    ],
)
def test_a_wrong_role_or_database_ends_with_one_line(database_url, redis_url, change, says):
    done = serve(serve_env(change(database_url), redis_url), free_port())
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("taskflow: PostgreSQL refused the connection: ") and says in line
    assert line.endswith("(check DATABASE_URL)")


def test_a_refused_redis_password_ends_with_one_line(database_url):
    redis_port = free_port()
    redis = subprocess.Popen(
        [str(REDIS_SERVER), "--port", str(redis_port), "--save", "", "--requirepass", "right"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(redis_port)
        done = serve(
            serve_env(database_url, f"redis://:wrong@127.0.0.1:{redis_port}/0"), free_port()
        )
    finally:
        redis.terminate()
        redis.wait(timeout=10)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("taskflow: Redis refused the connection: "), line
    assert line.endswith("(check REDIS_URL)")


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def test_a_host_that_does_not_resolve_ends_with_one_line(redis_url):
    url = "postgresql://taskflow@no-such-host.invalid:5432/taskflow"
    done = serve(serve_env(url, redis_url), free_port())
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "host name does not resolve" in line and "DATABASE_URL" in line


def test_a_url_that_does_not_parse_ends_with_one_line(redis_url):
    done = serve(serve_env("postgresql://taskflow@127.0.0.1:notaport/db", redis_url), free_port())
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "taskflow: DATABASE_URL is not a valid URL: invalid literal for int() with base 10: 'notaport'"
    ]
