"""Every successful mutation stages exactly one CloudEvent; a failed one stages none."""

from __future__ import annotations

import uuid

import pytest

from backend.tasks import service
from backend.tasks.schemas import TaskCreate


async def events_for(db, task_id: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT event, topic, partition_key FROM outbox WHERE partition_key = $1 ORDER BY id",
        task_id,
    )
    import json

    return [
        {**json.loads(r["event"]), "_topic": r["topic"], "_key": r["partition_key"]} for r in rows
    ]


async def test_each_mutation_writes_exactly_one_event(client, alice, db):
    created = await client.post(
        "/api/v1/tasks",
        json={"title": "Plan trip", "priority": "low"},
        headers={**alice.headers, "X-Request-ID": "req-123"},
    )
    task_id = created.json()["id"]
    url = f"/api/v1/tasks/{task_id}"
    calls = [
        ("PATCH", url, {"priority": "high"}),
        ("PUT", url, {"title": "Plan the trip", "priority": "high"}),
        ("POST", f"{url}/complete", None),
        ("POST", f"{url}/reopen", None),
        ("DELETE", url, None),
        ("POST", f"{url}/restore", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=alice.headers)
        assert response.status_code in (200, 204), response.text
    events = await events_for(db, task_id)
    assert [e["type"].rsplit(".", 1)[1] for e in events] == [
        "created",
        "updated",
        "updated",
        "completed",
        "reopened",
        "deleted",
        "restored",
    ]
    assert [e["data"]["version"] for e in events] == [1, 2, 3, 4, 5, 6, 7]
    first = events[0]
    assert first["specversion"] == "1.0" and first["source"] == "taskflow/api"
    assert first["subject"] == task_id and first["partitionkey"] == task_id
    assert first["_topic"] == "task-events" and first["datacontenttype"] == "application/json"
    assert first["correlationid"] == "req-123" and first["traceparent"].startswith("00-")
    assert first["data"]["user_id"] == alice.id
    assert first["data"]["actor"] == {"kind": "user", "id": alice.id}
    assert first["data"]["task"]["title"] == "Plan trip"
    assert events[1]["data"]["changes"] == {"priority": ["low", "high"]}
    assert events[2]["data"]["changes"] == {"title": ["Plan trip", "Plan the trip"]}
    assert events[3]["data"]["task"]["status"] == "completed"
    assert len({e["id"] for e in events}) == len(events)


async def test_failed_and_no_op_requests_write_no_event(client, alice, db):
    task_id = (
        await client.post("/api/v1/tasks", json={"title": "x"}, headers=alice.headers)
    ).json()["id"]
    url = f"/api/v1/tasks/{task_id}"
    await client.patch(url, json={"title": "y"}, headers={**alice.headers, "If-Match": "7"})  # 412
    await client.patch(url, json={"priority": "nope"}, headers=alice.headers)  # 422
    await client.patch(url, json={"title": "x"}, headers=alice.headers)  # no change
    await client.post(f"{url}/reopen", headers=alice.headers)  # already pending
    await client.post(f"{url}/restore", headers=alice.headers)  # not deleted: as it is
    assert len(await events_for(db, task_id)) == 1
    before = await db.fetchval("SELECT count(*) FROM outbox")
    await client.post("/api/v1/tasks", json={"title": ""}, headers=alice.headers)
    assert await db.fetchval("SELECT count(*) FROM outbox") == before


async def test_a_task_created_and_completed_in_one_transaction_is_saved_completed(app, alice, db):
    runtime = app.state.runtime
    user_id = uuid.UUID(alice.id)
    async with runtime.sessions() as session, session.begin():
        task = await service.create_task(
            session,
            user_id=user_id,
            default_timezone="UTC",
            data=TaskCreate(title="quick one", tags=["errand"]),
            actor=service.user_actor(user_id),
        )
        await service.complete_task(session, task=task, actor=service.user_actor(user_id))
    row = await db.fetchrow("SELECT status, version FROM tasks WHERE id = $1", task.id)
    assert (row["status"], row["version"]) == ("completed", 2)
    tags = await db.fetch(
        "SELECT tags.name FROM task_tags JOIN tags ON tags.id = task_tags.tag_id "
        "WHERE task_tags.task_id = $1",
        task.id,
    )
    assert [t["name"] for t in tags] == ["errand"]
    events = await db.fetch(
        "SELECT event_type FROM outbox WHERE partition_key = $1 ORDER BY id", str(task.id)
    )
    assert [e["event_type"] for e in events] == [
        "com.taskflow.task.created",
        "com.taskflow.task.completed",
    ]


async def test_a_rolled_back_mutation_leaves_no_event(app, alice, db):
    runtime = app.state.runtime
    with pytest.raises(RuntimeError):
        async with runtime.sessions() as session, session.begin():
            task = await service.create_task(
                session,
                user_id=uuid.UUID(alice.id),
                default_timezone="UTC",
                data=TaskCreate(title="never"),
                actor=service.user_actor(uuid.UUID(alice.id)),
            )
            await session.flush()
            raise RuntimeError("the request failed after the change")
    assert (
        await db.fetchval("SELECT count(*) FROM outbox WHERE partition_key = $1", str(task.id)) == 0
    )
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE id = $1", task.id) == 0
