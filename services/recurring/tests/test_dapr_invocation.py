"""Service mode: the handler creates occurrences by Dapr service invocation of the api's
internal endpoint, through two fake sidecars (backend/testing/fake_dapr.py) that check and add
tokens as daprd does: the recurring service's, which needs its API token, and the api's, which
forwards with the api's app token."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import orjson
import pytest

from backend.app import create_app, load_services
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.runtime import Runtime
from backend.testing.fake_dapr import FakeDapr
from backend.testing.fixtures import make_settings, signup
from backend.testing.served import serving
from services.recurring import client as recurring_client
from services.recurring.handlers import handle

API_TOKEN = "sidecar-api-token"  # what the recurring service sends its own sidecar
APP_TOKEN = "api-app-token"  # what the api's sidecar sends the api


def invoked_bodies(sidecar: FakeDapr) -> list[dict]:
    return [orjson.loads(body) for app_id, _, body in sidecar.invocations if app_id == "api"]


@pytest.fixture
async def dapr_mode(recurring_database_url, redis_url):
    """(api client, the recurring service's fake sidecar, its runtime in Dapr mode)."""
    api_settings = make_settings(recurring_database_url, redis_url, app_api_token=APP_TOKEN)
    api = create_app(api_settings, load_services(["api"]), name="api")
    async with api.router.lifespan_context(api), serving(api, lifespan="off") as api_url:
        resolver: dict[str, FakeDapr] = {}
        FakeDapr(app_id="api", app_token=APP_TOKEN, app_url=api_url, resolver=resolver)
        sidecar = FakeDapr(app_id="recurring", api_token=API_TOKEN, resolver=resolver)
        async with sidecar.running():
            runtime = Runtime.open(
                make_settings(
                    recurring_database_url,
                    redis_url,
                    event_transport="dapr",
                    dapr_http_port=sidecar.port,
                    dapr_api_token=API_TOKEN,
                )
            )
            transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
            try:
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                    yield client, sidecar, runtime
            finally:
                await runtime.close()


async def completed_event(client, rdb):
    account = await signup(client)
    body = {
        "title": "Pay rent",
        "due_at": "2031-01-31T10:00:00-05:00",
        "timezone": "America/New_York",
        "recurrence": {"rrule": "FREQ=MONTHLY"},
    }
    task = (await client.post("/api/v1/tasks", json=body, headers=account.headers)).json()
    await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=account.headers)
    row = await rdb.fetchrow(
        "SELECT event FROM outbox WHERE partition_key = $1 "
        "AND event_type = 'com.taskflow.task.completed'",
        task["id"],
    )
    return account, task, orjson.loads(row["event"])


async def test_duplicate_deliveries_invoke_the_api_and_create_one_occurrence(dapr_mode, rdb):
    client, sidecar, runtime = dapr_mode
    account, task, event = await completed_event(client, rdb)

    def deliver(e):
        return handle(Delivery(event=e, topic="task-events", runtime=runtime))

    outcomes = await asyncio.gather(deliver(event), deliver(event))
    # A second completion event of the same occurrence (new id, same date) is harmless too.
    outcomes.append(await deliver({**event, "id": str(uuid.uuid4())}))
    assert all(outcome in (None, Outcome.SUCCESS) for outcome in outcomes)
    page = await client.get("/api/v1/tasks", params={"status": "pending"}, headers=account.headers)
    (nxt,) = page.json()["items"]
    # Jan 31 + monthly: February has no 31st, so the next one is March 31 (EDT by then).
    assert nxt["due_at"] == "2031-03-31T10:00:00-04:00"
    assert nxt["series_id"] == task["series_id"] and nxt["recurrence"]["index"] == 2
    # The sidecar was asked once for the duplicate pair (the inbox held the other back) and
    # once for the new event id, whose repeat the api answered from the idempotency key.
    calls = invoked_bodies(sidecar)
    assert len(calls) == 2
    assert calls[0]["idempotency_key"] == calls[1]["idempotency_key"]


async def test_a_failed_invocation_is_retried_later_and_still_creates_one(dapr_mode, rdb):
    client, sidecar, runtime = dapr_mode
    account, _, event = await completed_event(client, rdb)
    sidecar.api_token = "rotated"  # the sidecar refuses us for now
    with pytest.raises(recurring_client.OccurrenceNotCreated):
        await handle(Delivery(event=event, topic="task-events", runtime=runtime))
    sidecar.api_token = API_TOKEN
    assert await handle(Delivery(event=event, topic="task-events", runtime=runtime, attempt=2)) in (
        None,
        Outcome.SUCCESS,
    )
    page = await client.get("/api/v1/tasks", params={"status": "pending"}, headers=account.headers)
    assert len(page.json()["items"]) == 1


async def test_the_internal_endpoint_takes_its_own_secret_not_the_app_token(dapr_mode, rdb):
    """Before: the app token every sidecar holds opened the internal endpoint too."""
    client, _, runtime = dapr_mode
    account, task, _ = await completed_event(client, rdb)
    body = {
        "user_id": account.id,
        "source_task_id": task["id"],
        "due_at": "2031-05-31T10:00:00-04:00",
        "index": 2,
        "idempotency_key": f"{task['series_id']}:by-hand",
    }
    url = "/internal/v1/occurrences"
    secret = runtime.settings.internal_secret.get_secret_value()
    for refused in ({"dapr-api-token": APP_TOKEN}, {"x-internal-token": "x"}, {}):
        assert (await client.post(url, json=body, headers=refused)).status_code == 401, refused
    ok = await client.post(url, json=body, headers={"x-internal-token": secret})
    assert ok.status_code == 201 and ok.json()["task"]["due_at"] == "2031-05-31T10:00:00-04:00"


async def test_a_refused_invocation_is_reported_at_start_up_and_fails_readiness(dapr_mode):
    """Before: a wrong token only showed as every completion retried, silently, forever."""
    _, sidecar, runtime = dapr_mode
    sidecar.api_token = "not-what-we-send"
    await asyncio.wait_for(recurring_client.check_invocation(runtime), 5)
    check = runtime.readiness_checks["occurrence_invocation"]
    with pytest.raises(RuntimeError, match=r"refused this service \(401\).*DAPR_API_TOKEN"):
        await check(runtime)


async def test_an_accepted_invocation_keeps_the_service_ready(dapr_mode):
    _, _, runtime = dapr_mode
    await asyncio.wait_for(recurring_client.check_invocation(runtime), 5)
    await runtime.readiness_checks["occurrence_invocation"](runtime)
