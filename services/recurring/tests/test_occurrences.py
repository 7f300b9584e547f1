"""Completing a recurring task creates its next occurrence, exactly once."""

from __future__ import annotations

import asyncio
import uuid

import orjson

from backend.platform.events.subscriptions import Delivery, Outcome
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


async def test_completing_creates_the_next_occurrence_in_the_same_series(rclient, rdb):
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
    created = await rdb.fetch(
        "SELECT event FROM outbox WHERE partition_key = $1 ORDER BY id", nxt["id"]
    )
    (event,) = [orjson.loads(row["event"]) for row in created]
    assert event["type"] == "com.taskflow.task.created"
    assert event["data"]["actor"] == {"kind": "system", "id": "recurring"}
    assert event["data"]["task"]["series_id"] == first["series_id"]


async def test_reopening_and_redelivery_create_nothing_more(rclient, recurring_app, rdb):
    account = await signup(rclient)
    first = await make_recurring(rclient, account, recurrence={"rrule": "FREQ=WEEKLY"})
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    assert await eventually(lambda: _count(rclient, account, first["series_id"], 2))
    await rclient.post(f"/api/v1/tasks/{first['id']}/reopen", headers=account.headers)
    row = await rdb.fetchrow(
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
    # The user reopens the first occurrence, moves it and completes it again: its "next" would
    # be another date, but the series already went on from it, so nothing new appears.
    await rclient.post(f"/api/v1/tasks/{first['id']}/reopen", headers=account.headers)
    moved = await rclient.patch(
        f"/api/v1/tasks/{first['id']}",
        json={"due_at": "2030-04-10T09:00:00+02:00"},
        headers=account.headers,
    )
    assert moved.status_code == 200 and moved.json()["series_id"] == first["series_id"]
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    await asyncio.sleep(0.5)
    tasks = await series(rclient, account, first["series_id"])
    assert [t["due_at"] for t in tasks if t["status"] == "pending"] == ["2030-03-31T09:00:00+02:00"]
    assert len(tasks) == 2
    # Completing the latest one still continues the series, from its own date.
    latest = next(t for t in tasks if t["status"] == "pending")
    await rclient.post(f"/api/v1/tasks/{latest['id']}/complete", headers=account.headers)
    assert await eventually(lambda: _count(rclient, account, first["series_id"], 3))
    newest = [
        t for t in await series(rclient, account, first["series_id"]) if t["status"] == "pending"
    ]
    assert [t["due_at"] for t in newest] == ["2030-04-01T09:00:00+02:00"]
    assert newest[0]["recurrence"]["index"] == 3


async def test_an_ended_series_creates_nothing(rclient):
    account = await signup(rclient)
    last = await make_recurring(rclient, account, recurrence={"rrule": "FREQ=DAILY;COUNT=1"})
    await rclient.post(f"/api/v1/tasks/{last['id']}/complete", headers=account.headers)
    await asyncio.sleep(0.5)
    assert len(await series(rclient, account, last["series_id"])) == 1


async def test_the_internal_endpoint_needs_a_service_token_and_is_idempotent(rclient, rsettings):
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
    token = {"X-Internal-Token": rsettings.internal_secret.get_secret_value()}
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


async def test_concurrent_requests_for_one_occurrence_create_one_task_and_one_event(
    rclient, rsettings, rdb
):
    account = await signup(rclient)
    first = await make_recurring(rclient, account, reminders=[])
    body = {
        "user_id": account.id,
        "source_task_id": first["id"],
        "due_at": "2030-03-31T09:00:00+02:00",
        "index": 2,
        "idempotency_key": f"{first['series_id']}:20300331T070000Z",
    }
    token = {"X-Internal-Token": rsettings.internal_secret.get_secret_value()}
    answers = await asyncio.gather(
        *(rclient.post("/internal/v1/occurrences", json=body, headers=token) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["task"]["id"] for a in answers}) == 1
    created = await rdb.fetchval(
        "SELECT count(*) FROM outbox WHERE event_type = 'com.taskflow.task.created' "
        "AND event->'data'->'task'->>'series_id' = $1",
        first["series_id"],
    )
    assert created == 2  # the first task's and the one occurrence's


async def test_bad_internal_requests_get_a_clear_4xx(rclient, rsettings):
    account = await signup(rclient)
    first = await make_recurring(rclient, account)
    token = {"X-Internal-Token": rsettings.internal_secret.get_secret_value()}
    good = {
        "user_id": account.id,
        "source_task_id": first["id"],
        "due_at": "2030-04-05T09:00:00+02:00",
        "index": 2,
        "idempotency_key": "k",
    }
    bad_bodies = [
        {**good, "reminders": [{"foo": 1}]},
        {**good, "reminders": [{"offset_minutes": 5, "at": "2030-04-05T08:00:00Z"}]},
        {**good, "due_at": "2030-04-05T09:00:00"},  # no offset
        {**good, "index": 0},
        {**good, "source_task_id": "not-a-uuid"},
        {**good, "idempotency_key": "k" * 201},
        [],
    ]
    for body in bad_bodies:
        without = await rclient.post("/internal/v1/occurrences", json=body)
        assert without.status_code == 401, body
        answer = await rclient.post("/internal/v1/occurrences", json=body, headers=token)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    plain = (
        await rclient.post("/api/v1/tasks", json={"title": "once"}, headers=account.headers)
    ).json()
    not_recurring = {**good, "source_task_id": plain["id"], "idempotency_key": "k2"}
    answer = await rclient.post("/internal/v1/occurrences", json=not_recurring, headers=token)
    assert answer.status_code == 404


async def test_other_events_are_ignored_and_malformed_ones_dropped(rclient, recurring_app, rdb):
    account = await signup(rclient)
    first = await make_recurring(rclient, account)
    await rclient.post(f"/api/v1/tasks/{first['id']}/complete", headers=account.headers)
    row = await rdb.fetchrow(
        "SELECT event FROM outbox WHERE partition_key = $1 AND event_type = $2",
        first["id"],
        "com.taskflow.task.completed",
    )
    completed = orjson.loads(row["event"])
    runtime = recurring_app.state.runtime

    async def outcome(event):
        result = await handle(Delivery(event=event, topic="task-events", runtime=runtime))
        return result or Outcome.SUCCESS

    def variant(**data):
        return {**completed, "id": str(uuid.uuid4()), "data": {**completed["data"], **data}}

    task = completed["data"]["task"]
    assert await outcome({**completed, "type": "com.example.unknown"}) == Outcome.DROP
    assert await outcome(variant(task={**task, "timezone": "Mars/Olympus"})) == Outcome.DROP
    assert await outcome(variant(task={**task, "due_at": "soon"})) == Outcome.DROP
    assert await outcome(variant(task="not a task")) == Outcome.DROP
    assert await outcome({**completed, "type": "com.taskflow.task.reopened"}) == Outcome.SUCCESS
    assert await outcome(variant(task={**task, "recurrence": None})) == Outcome.SUCCESS
    assert await eventually(lambda: _count(rclient, account, first["series_id"], 2))
    await asyncio.sleep(0.3)
    assert len(await series(rclient, account, first["series_id"])) == 2


async def test_a_rule_that_matches_no_date_is_refused_up_front(rclient):
    account = await signup(rclient)
    for rule in ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYSETPOS=2"):
        answer = await rclient.post(
            "/api/v1/tasks",
            json={
                "title": "never",
                "due_at": "2030-01-01T09:00:00Z",
                "recurrence": {"rrule": rule},
            },
            headers=account.headers,
        )
        assert answer.status_code == 422 and "matches no date" in answer.text
