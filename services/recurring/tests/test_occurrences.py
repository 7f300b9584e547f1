"""Completing a recurring task creates its next occurrence, exactly once."""

from __future__ import annotations

import asyncio
import uuid

import orjson

from backend.platform.events.subscriptions import Delivery
from backend.testing.fixtures import signup
from backend.tests.events.conftest import eventually
from services.recurring.handlers import handle


async def series(client, account, series_id):
    page = await client.get(
        "/api/v1/tasks", params={"limit": 200, "sort": "due_date"}, headers=account.headers
    )
    return [t for t in page.json()["items"] if t["series_id"] == series_id]


async def make_recurring(client, account, **fields):
    body = {
        "title": "Water the plants",
        "priority": "high",
        "tags": ["home"],
        "due_at": "2030-03-30T09:00:00+01:00",
        "timezone": "Europe/Berlin",
        "reminders": [{"offset_minutes": 15}, {"at": "2030-03-30T07:00:00Z"}],
        "recurrence": {"rrule": "FREQ=DAILY"},
        **fields,
    }
    response = await client.post("/api/v1/tasks", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_completing_creates_the_next_occurrence_in_the_same_series(rclient):
    account = await signup(rclient)
    first = await make_recurring(rclient, account)
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)

    async def two():
        tasks = await series(rclient, account, first["series_id"])
        return tasks if len(tasks) == 2 else None

    tasks = await eventually(two)
    assert tasks, "no next occurrence appeared"
    nxt = next(t for t in tasks if t["id"] != first["id"])
    assert (
        nxt["status"] == "pending" and nxt["due_at"] == "2030-03-31T09:00:00+02:00"
    )  # DST kept 09:00
    assert (nxt["title"], nxt["priority"], nxt["tags"]) == ("Water the plants", "high", ["home"])
    assert nxt["recurrence"] == {"rrule": "FREQ=DAILY", "from": "due", "index": 2}
    assert nxt["reminders"][0]["offset_minutes"] == 15
    assert (
        nxt["reminders"][1]["at"] == "2030-03-31T06:00:00Z"
    )  # moved with the due date (UTC+2 now)
    original = (await rclient.get(f"/api/v1/tasks/{first['id']}", headers=account.headers)).json()
    assert original["status"] == "completed"


async def test_reopening_and_redelivery_create_nothing_more(rclient, recurring_app, db):
    account = await signup(rclient)
    first = await make_recurring(rclient, account, recurrence={"rrule": "FREQ=WEEKLY"})
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    assert await eventually(lambda: _count(rclient, account, first["series_id"], 2))
    await rclient.post(f"/api/v1/tasks/{first['id']}/reopen", headers=account.headers)
    row = await db.fetchrow(
        "SELECT event FROM outbox WHERE partition_key = $1 AND event_type = 'com.taskflow.task.completed'",
        first["id"],
    )
    completed = orjson.loads(row["event"])
    runtime = recurring_app.state.runtime
    # The same completion delivered twice more, concurrently.
    await asyncio.gather(
        *(handle(Delivery(event=completed, topic="task-events", runtime=runtime)) for _ in range(2))
    )
    # The same occurrence completed again (a new event id, same occurrence date).
    again = {**completed, "id": str(uuid.uuid4())}
    await handle(Delivery(event=again, topic="task-events", runtime=runtime))
    await asyncio.sleep(0.3)
    assert len(await series(rclient, account, first["series_id"])) == 2


async def _count(client, account, series_id, n):
    return len(await series(client, account, series_id)) == n


async def test_completing_an_occurrence_that_is_not_the_latest_creates_nothing(rclient):
    account = await signup(rclient)
    first = await make_recurring(rclient, account)
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    assert await eventually(lambda: _count(rclient, account, first["series_id"], 2))
    await rclient.post(f"/api/v1/tasks/{first['id']}/reopen", headers=account.headers)
    await rclient.patch(
        f"/api/v1/tasks/{first['id']}", json={"title": "Water the plants!"}, headers=account.headers
    )
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    await asyncio.sleep(0.5)
    assert len(await series(rclient, account, first["series_id"])) == 2


async def test_an_ended_series_creates_nothing(rclient):
    account = await signup(rclient)
    last = await make_recurring(rclient, account, recurrence={"rrule": "FREQ=DAILY;COUNT=1"})
    await rclient.post(f"/api/v1/tasks/{last['id']}/complete", headers=account.headers)
    await asyncio.sleep(0.5)
    assert len(await series(rclient, account, last["series_id"])) == 1


async def test_the_internal_endpoint_needs_a_service_token_and_is_idempotent(rclient, settings):
    account = await signup(rclient)
    first = await make_recurring(rclient, account, recurrence={"rrule": "FREQ=DAILY"})
    body = {
        "user_id": account.id,
        "source_task_id": first["id"],
        "due_at": "2030-04-05T09:00:00+02:00",
        "index": 2,
        "idempotency_key": f"{first['series_id']}:manual",
    }
    refused = await rclient.post("/internal/v1/occurrences", json=body)
    assert refused.status_code == 401
    wrong = await rclient.post(
        "/internal/v1/occurrences", json=body, headers={"X-Internal-Token": "guess"}
    )
    assert wrong.status_code == 401
    token = {"X-Internal-Token": settings.internal_secret.get_secret_value()}
    created = await rclient.post("/internal/v1/occurrences", json=body, headers=token)
    repeated = await rclient.post("/internal/v1/occurrences", json=body, headers=token)
    assert (created.status_code, repeated.status_code) == (201, 200)
    assert created.json()["task"]["id"] == repeated.json()["task"]["id"]
    assert created.json()["task"]["series_id"] == first["series_id"]
    bob = await signup(rclient)
    stranger = await rclient.post(
        "/internal/v1/occurrences",
        json={**body, "user_id": bob.id, "idempotency_key": "x"},
        headers=token,
    )
    assert stranger.status_code == 404
    schema = (await rclient.get("/openapi.json")).json()
    assert not any(path.startswith("/internal") for path in schema["paths"])
