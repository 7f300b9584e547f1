"""The in-process transport: every committed event reaches every subscriber once, in order
per task, with retries, dead letters and replay."""

from __future__ import annotations

import asyncio
import uuid

from backend.platform.events import dlq
from backend.testing.fixtures import signup
from backend.tests.events import probe
from backend.tests.events.conftest import eventually


async def applied(edb, task_id: str) -> list[int]:
    rows = await edb.fetch(
        "SELECT version FROM probe_applied WHERE task_id = $1 ORDER BY applied_at",
        uuid.UUID(task_id),
    )
    return [r["version"] for r in rows]


async def test_every_mutation_reaches_the_subscriber_once_in_order(local_client, edb):
    account = await signup(local_client)
    task = (
        await local_client.post("/api/v1/tasks", json={"title": "v1"}, headers=account.headers)
    ).json()
    for title in ("v2", "v3", "v4"):
        await local_client.patch(
            f"/api/v1/tasks/{task['id']}", json={"title": title}, headers=account.headers
        )
    await local_client.post(f"/api/v1/tasks/{task['id']}/complete", headers=account.headers)
    assert await eventually(lambda: _equals(applied(edb, task["id"]), [1, 2, 3, 4, 5]))
    view = await edb.fetchrow(
        "SELECT version, title FROM probe_tasks WHERE task_id = $1", uuid.UUID(task["id"])
    )
    assert (view["version"], view["title"]) == (5, "v4")
    assert (
        await edb.fetchval(
            "SELECT count(*) FROM outbox WHERE partition_key = $1 AND published_at IS NULL",
            task["id"],
        )
        == 0
    )


async def _equals(awaitable, expected):
    return (await awaitable) == expected


async def test_a_retried_event_is_applied_once_after_backoff(local_client, local_app, edb):
    account = await signup(local_client)
    created = await local_client.post(
        "/api/v1/tasks", json={"title": "flaky"}, headers=account.headers
    )
    task_id = created.json()["id"]
    event_id = await edb.fetchval(
        "SELECT event_id::text FROM outbox WHERE partition_key = $1", task_id
    )
    # The delivery may already be under way; make the next two attempts fail if it is not.
    probe.knobs.fail_first[event_id] = 2
    assert await eventually(lambda: _equals(applied(edb, task_id), [1]))
    await asyncio.sleep(0.3)
    assert await applied(edb, task_id) == [1]


async def test_dropped_and_exhausted_events_become_dead_letters_and_replay(
    local_client, local_app, edb
):
    for worker in local_app.state.runtime.events.workers:
        worker.max_attempts = 3
    account = await signup(local_client)
    probe.knobs.drop_titles.add("poison")
    probe.knobs.always_fail_titles.add("broken")
    poison = (
        await local_client.post("/api/v1/tasks", json={"title": "poison"}, headers=account.headers)
    ).json()
    broken = (
        await local_client.post("/api/v1/tasks", json={"title": "broken"}, headers=account.headers)
    ).json()
    fine = (
        await local_client.post("/api/v1/tasks", json={"title": "fine"}, headers=account.headers)
    ).json()
    assert await eventually(lambda: _equals(applied(edb, fine["id"]), [1]))

    async def dead():
        rows = await dlq.list_dead_letters(edb)
        return {str(r["event_id"]): r for r in rows if r["subscriber"] == "probe.task-events"}

    letters = await eventually(lambda: _has(dead(), 2))
    reasons = sorted(r["reason"] for r in letters.values())
    assert reasons == ["dropped by the subscriber", "failed 3 times"]
    assert await applied(edb, poison["id"]) == [] and await applied(edb, broken["id"]) == []
    # The operator fixes the subscriber and replays: each dead letter is applied once.
    probe.knobs.drop_titles.clear()
    probe.knobs.always_fail_titles.clear()
    ids = [r["id"] for r in letters.values()]
    assert sorted(await dlq.replay(edb, ids)) == sorted(ids)
    assert await eventually(lambda: _equals(applied(edb, poison["id"]), [1]))
    assert await eventually(lambda: _equals(applied(edb, broken["id"]), [1]))
    assert await dlq.replay(edb, ids) == []  # already replayed


async def _has(awaitable, count):
    value = await awaitable
    return value if len(value) >= count else None


async def test_redelivered_and_out_of_order_events_change_nothing(local_client, local_app, edb):
    from backend.platform.events.subscriptions import Delivery

    account = await signup(local_client)
    task = (
        await local_client.post("/api/v1/tasks", json={"title": "one"}, headers=account.headers)
    ).json()
    await local_client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "two"}, headers=account.headers
    )
    assert await eventually(lambda: _equals(applied(edb, task["id"]), [1, 2]))
    rows = await edb.fetch(
        "SELECT event FROM outbox WHERE partition_key = $1 ORDER BY id", task["id"]
    )
    import orjson

    first, second = (orjson.loads(r["event"]) for r in rows)
    runtime = local_app.state.runtime
    for event in (second, first, first, second):  # duplicates, and the older one last
        await probe.handle(Delivery(event=event, topic="task-events", runtime=runtime))
    assert await applied(edb, task["id"]) == [1, 2]
    view = await edb.fetchrow(
        "SELECT version, title FROM probe_tasks WHERE task_id = $1", uuid.UUID(task["id"])
    )
    assert (view["version"], view["title"]) == (2, "two")


async def test_an_older_version_arriving_late_never_overwrites_a_newer_one(local_app, edb):
    from backend.platform.events.cloudevent import make_cloudevent
    from backend.platform.events.subscriptions import Delivery

    task_id = str(uuid.uuid4())

    def event(version: int, title: str) -> dict:
        return make_cloudevent(
            type="com.taskflow.task.updated",
            source="test",
            subject=task_id,
            data={
                "user_id": str(uuid.uuid4()),
                "task": {"id": task_id, "title": title},
                "version": version,
            },
        )

    runtime = local_app.state.runtime
    await probe.handle(Delivery(event=event(3, "newest"), topic="task-events", runtime=runtime))
    await probe.handle(Delivery(event=event(2, "older"), topic="task-events", runtime=runtime))
    view = await edb.fetchrow(
        "SELECT version, title FROM probe_tasks WHERE task_id = $1", uuid.UUID(task_id)
    )
    assert (view["version"], view["title"]) == (3, "newest")


async def test_publishing_the_same_event_twice_delivers_it_once(local_app, edb):
    # A publisher that retries after a crash between its commit and its own bookkeeping (the
    # reminder service's lease) sends the same event id again: it must succeed, once.
    from backend.platform.events.cloudevent import make_cloudevent

    task_id = str(uuid.uuid4())
    event = make_cloudevent(
        type="com.taskflow.task.updated",
        source="test",
        subject=task_id,
        data={"user_id": str(uuid.uuid4()), "task": {"id": task_id, "title": "once"}, "version": 1},
    )
    bus = local_app.state.runtime.events
    await bus.publish(topic="task-events", event=event)
    await bus.publish(topic="task-events", event=event)

    assert await eventually(lambda: applied(edb, task_id)) == [1]
    stored = await edb.fetchval(
        "SELECT count(*) FROM outbox WHERE event_id = $1", uuid.UUID(event["id"])
    )
    assert stored == 1
    await asyncio.sleep(0.3)  # a second delivery would land by now
    assert await applied(edb, task_id) == [1]
