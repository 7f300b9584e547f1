"""One structured access-log line per request, on by default in JSON mode (issue 18: an
ordinary 4xx used to leave no trace)."""

from __future__ import annotations

import io
import sys

import httpx
import orjson
import pytest

from backend.app import create_app, load_services
from backend.testing.fixtures import make_settings, signup


def access_lines(output: str) -> list[dict]:
    lines = [orjson.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


async def test_json_mode_logs_one_line_per_request_without_secrets(
    database_url, redis_url, monkeypatch
):
    output = io.StringIO()
    monkeypatch.setattr(sys, "stderr", output)
    settings = make_settings(database_url, redis_url, log_format="json", log_level="INFO")
    assert settings.access_log_on
    app = create_app(settings, load_services(["api"]), name="api")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            account = await signup(client, password="a very secret pass")
            output.truncate(0)
            output.seek(0)
            missing = "/api/v1/tasks/0b6f1f52-9a3c-4b8e-8a53-2f4f3c1d9e77?ticket=SECRET-TICKET"
            await client.get(missing, headers={**account.headers, "X-Request-ID": "req-42"})
            await client.get("/api/v1/auth/me")  # 401, no user
    (not_found, unauthorized) = access_lines(output.getvalue())
    assert not_found == {
        "event": "request",
        "request_id": "req-42",
        "method": "GET",
        "route": "/api/v1/tasks/{task_id}",
        "status": 404,
        "duration_ms": not_found["duration_ms"],
        "user_id": account.id,
        "level": "info",
        "timestamp": not_found["timestamp"],
    }
    assert isinstance(not_found["duration_ms"], float) and not_found["duration_ms"] >= 0
    assert unauthorized["status"] == 401 and unauthorized["user_id"] is None
    assert unauthorized["route"] == "/api/v1/auth/me" and len(unauthorized["request_id"]) == 32
    text = output.getvalue()
    for secret in ("SECRET-TICKET", account.token, "a very secret pass", "0b6f1f52"):
        assert secret not in text


@pytest.mark.parametrize(
    ("values", "on"),
    [
        ({}, False),
        ({"log_format": "json"}, True),
        ({"log_format": "json", "access_log": False}, False),
        ({"access_log": True}, True),
    ],
)
def test_the_access_log_defaults_to_json_mode(values, on, database_url, redis_url):
    assert make_settings(database_url, redis_url, **values).access_log_on is on
