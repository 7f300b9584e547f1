"""`taskflow up` as a user runs it: a real process, signals, restarts and clear errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.tests.test_embedded import seed_pgdata, servers_running, wait_for_no_servers

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    unset = ("DATABASE_URL", "REDIS_URL", "JWT_SECRET", "INTERNAL_SECRET", "DATA_DIR")
    return {k: v for k, v in os.environ.items() if k not in unset} | extra


def start_up(data_dir: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--no-web",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
    )


def wait_for_url(process: subprocess.Popen[str]) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "TaskFlow is running at http://" in line:
            return lines
    raise AssertionError("taskflow up did not print its URL:\n" + "".join(lines))


def run_to_completion(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("taskflow: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_up_serves_stops_cleanly_and_keeps_data_across_restarts(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start_up(seed_pgdata(tmp_path), port)
    try:
        output = wait_for_url(first)
        assert any("PostgreSQL ready" in line for line in output)
        assert f"TaskFlow is running at {base}  (API docs: {base}/docs)" in output[-1]
        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={"email": "keep@example.com", "password": "long enough", "name": "Keep"},
        )
        token = signup.json()["access_token"]
        created = httpx.post(
            f"{base}/api/v1/tasks",
            json={"title": "survive a restart"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
        # A second instance on the same data directory is refused at once, in one line.
        second = run_to_completion("up", "--port", str(free_port()), "--data-dir", str(tmp_path))
        assert "already running" in one_line_error(second)
        # The same port taken: one line too.
        clash = run_to_completion("up", "--port", str(port), "--data-dir", str(tmp_path / "other"))
        assert "already in use" in one_line_error(clash)
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    assert servers_running(tmp_path) == []

    again = start_up(tmp_path, port)
    try:
        wait_for_url(again)
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "keep@example.com", "password": "long enough"},
        )
        assert login.status_code == 200
        token = login.json()["access_token"]
        tasks = httpx.get(
            f"{base}/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert [t["title"] for t in tasks["items"]] == ["survive a restart"]
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(30) == 0
    assert servers_running(tmp_path) == []


def test_up_after_a_sigkill_starts_again(tmp_path):
    upgraded = run_to_completion("db", "upgrade", "--data-dir", str(tmp_path))
    assert upgraded.returncode == 0, upgraded.stderr
    assert servers_running(tmp_path) == []
    port = free_port()
    crashed = start_up(tmp_path, port)
    wait_for_url(crashed)
    crashed.kill()
    crashed.wait()
    assert wait_for_no_servers(tmp_path) == [], "servers outlived a SIGKILLed taskflow up"
    restarted = start_up(tmp_path, port)
    try:
        wait_for_url(restarted)
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(30) == 0


def test_an_unwritable_data_directory_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_to_completion(
        "up", "--port", str(free_port()), "--data-dir", str(blocker / "data")
    )
    assert "cannot write to the data directory" in one_line_error(result)


def test_a_failure_half_way_stops_what_started(tmp_path):
    result = run_to_completion(
        "up",
        "--port",
        str(free_port()),
        "--data-dir",
        str(tmp_path),
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/nothing",
    )
    assert "database migration failed" in one_line_error(result)
    assert "Redis ready" in result.stderr
    assert servers_running(tmp_path) == []


def test_service_mode_without_a_secret_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "JWT_SECRET"}
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", "api"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "JWT_SECRET is not set" in one_line_error(result)
