"""Service mode: the handler creates occurrences by Dapr service invocation of the api's
internal endpoint, through a sidecar stand-in that checks and adds tokens as Dapr does."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from dataclasses import dataclass, field

import httpx
import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.app import create_app, load_services
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.runtime import Runtime
from backend.testing.fixtures import make_settings, signup
from services.recurring import client as recurring_client
from services.recurring.handlers import handle

API_TOKEN = "sidecar-api-token"  # what the recurring service sends its own sidecar
APP_TOKEN = "api-app-token"  # what the api's sidecar sends the api


@dataclass
class FakeInvocation:
    """`POST /v1.0/invoke/<app-id>/method/<path>`: 401 without the sidecar's API token,
    500 for an unknown app, else forwards to the app with `dapr-api-token: <app token>` and
    the caller's other headers (as Dapr forwards them)."""

    target: Starlette
    api_token: str = API_TOKEN
    calls: list[dict] = field(default_factory=list)

    async def invoke(self, request: Request) -> Response:
        if request.headers.get("dapr-api-token") != self.api_token:
            return JSONResponse({"errorCode": "ERR_UNAUTHORIZED"}, status_code=401)
        if request.path_params["app_id"] != "api":
            return JSONResponse({"errorCode": "ERR_DIRECT_INVOKE"}, status_code=500)
        body = await request.body()
        self.calls.append(orjson.loads(body))
        transport = httpx.ASGITransport(app=self.target)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as api:
            answer = await api.post(
                "/" + request.path_params["method"],
                content=body,
                headers={
                    **{k: v for k, v in request.headers.items() if k.startswith("x-")},
                    "content-type": "application/json",
                    "dapr-api-token": APP_TOKEN,
                },
            )
        return Response(answer.content, answer.status_code, media_type="application/json")


@contextlib.asynccontextmanager
async def served(app: Starlette):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def dapr_mode(recurring_database_url, redis_url):
    """(api client, sidecar stand-in, the recurring service's runtime in Dapr mode)."""
    api_settings = make_settings(recurring_database_url, redis_url, app_api_token=APP_TOKEN)
    api = create_app(api_settings, load_services(["api"]), name="api")
    async with api.router.lifespan_context(api):
        sidecar = FakeInvocation(target=api)
        route = Route(
            "/v1.0/invoke/{app_id}/method/{method:path}", sidecar.invoke, methods=["POST"]
        )
        async with served(Starlette(routes=[route])) as port:
            runtime = Runtime.open(
                make_settings(
                    recurring_database_url,
                    redis_url,
                    event_transport="dapr",
                    dapr_http_port=port,
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
    assert len(sidecar.calls) == 2
    assert sidecar.calls[0]["idempotency_key"] == sidecar.calls[1]["idempotency_key"]


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
