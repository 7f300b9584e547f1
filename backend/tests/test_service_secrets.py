"""Service mode starts only with every secret it needs, each its own: a missing or shared one
ends `taskflow serve` with one line naming it (issue 18, forged events)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx
import pytest

from backend.app import create_app, load_services
from backend.platform.settings import ConfigError, Settings
from backend.tests.events import probe

STRONG = "s" * 40


def service_settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "database_url": "postgresql://taskflow@127.0.0.1:1/taskflow",
        "redis_url": "redis://127.0.0.1:1/0",
        "jwt_secret": "j" * 40,
        "app_api_token": "a" * 40,
        "internal_secret": "i" * 40,
        "audit_chain_key": "k" * 40,
    }
    return Settings(_env_file=None, **(base | values))


@pytest.mark.parametrize(
    ("service", "values", "named"),
    [
        ("api", {"app_api_token": None}, "APP_API_TOKEN is not set"),
        ("notification", {"app_api_token": "short"}, "APP_API_TOKEN is too short"),
        ("api", {"internal_secret": None}, "INTERNAL_SECRET is not set"),
        ("recurring", {"internal_secret": "a" * 40}, "INTERNAL_SECRET equals APP_API_TOKEN"),
        ("audit", {"audit_chain_key": None}, "AUDIT_CHAIN_KEY is not set"),
    ],
)
def test_service_mode_refuses_a_missing_or_shared_secret(service, values, named):
    with pytest.raises(ConfigError) as refused:
        service_settings(**values).require_service_secrets(service)
    assert str(refused.value).startswith(named)
    assert "\n" not in str(refused.value)


def test_each_service_needs_only_its_own_secrets():
    for service in ("reminder", "notification"):
        service_settings(internal_secret=None, audit_chain_key=None).require_service_secrets(
            service
        )
    service_settings(audit_chain_key=None).require_service_secrets("api")
    service_settings(internal_secret=None).require_service_secrets("audit")


def test_taskflow_serve_without_the_app_token_ends_with_one_line():
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_SECRET", "_KEY"))}
    env |= {
        "DATABASE_URL": "postgresql://taskflow@127.0.0.1:1/taskflow",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "JWT_SECRET": STRONG,
        "INTERNAL_SECRET": "i" * 40,
    }
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", "api", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("taskflow: APP_API_TOKEN is not set: service mode needs")


async def test_without_an_app_token_no_delivery_is_accepted(database_url, redis_url):
    """Before: with APP_API_TOKEN unset every subscription route took any POST."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        redis_url=redis_url,
        jwt_secret=STRONG,
        event_transport="dapr",
        log_level="WARNING",
    )
    app = create_app(settings, [*load_services(["api"]), probe.spec()], name="api+probe")
    event = {"id": str(uuid.uuid4()), "type": "com.taskflow.task.created", "data": {}}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for headers in ({}, {"dapr-api-token": ""}, {"dapr-api-token": "anything"}):
            forged = await client.post("/events/probe/task-events", json=event, headers=headers)
            assert forged.status_code == 401, headers
