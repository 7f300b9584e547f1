"""Delete forever: one task of the trash, or the whole trash; only the caller's, only trashed."""

from __future__ import annotations

import uuid

import orjson


async def _task(client, account, title, *, trashed=False) -> dict:
    response = await client.post("/api/v1/tasks", json={"title": title}, headers=account.headers)
    assert response.status_code == 201
    task = response.json()
    if trashed:
        deleted = await client.delete(f"/api/v1/tasks/{task['id']}", headers=account.headers)
        assert deleted.status_code == 204
    return task


async def _trash(client, account) -> list[str]:
    response = await client.get(
        "/api/v1/tasks", params={"deleted": "true"}, headers=account.headers
    )
    return sorted(task["title"] for task in response.json()["items"])


async def _purged_events(db, task_id: str) -> list[dict]:
    rows = await db.fetch(
        "SELECT event FROM outbox WHERE partition_key = $1 AND event_type = $2",
        task_id,
        "com.taskflow.task.purged",
    )
    return [orjson.loads(row["event"]) for row in rows]


async def test_delete_forever_removes_one_trashed_task_for_good(client, alice, db):
    gone = await _task(client, alice, "gone", trashed=True)
    await _task(client, alice, "still in the trash", trashed=True)
    response = await client.delete(f"/api/v1/trash/{gone['id']}", headers=alice.headers)
    assert response.status_code == 204
    assert await _trash(client, alice) == ["still in the trash"]
    restore = await client.post(f"/api/v1/tasks/{gone['id']}/restore", headers=alice.headers)
    assert restore.status_code == 404
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE id = $1", uuid.UUID(gone["id"])) == 0
    [event] = await _purged_events(db, gone["id"])
    assert event["data"]["task"]["id"] == gone["id"] and event["data"]["version"] == 3


async def test_delete_forever_refuses_a_live_task_another_users_task_and_a_missing_one(
    client, alice, bob
):
    live = await _task(client, alice, "live")
    bobs = await _task(client, bob, "bob's", trashed=True)
    for task_id in (live["id"], bobs["id"], str(uuid.uuid4())):
        response = await client.delete(f"/api/v1/trash/{task_id}", headers=alice.headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/api/v1/tasks/{live['id']}", headers=alice.headers)).is_success
    assert await _trash(client, bob) == ["bob's"]
    bad = await client.delete("/api/v1/trash/not-an-id", headers=alice.headers)
    assert bad.status_code == 422


async def test_emptying_the_trash_deletes_only_the_callers_trashed_tasks(client, alice, bob):
    await _task(client, alice, "one", trashed=True)
    await _task(client, alice, "two", trashed=True)
    await _task(client, alice, "kept")
    await _task(client, bob, "bob's", trashed=True)
    response = await client.delete("/api/v1/trash", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {"deleted": 2}
    assert await _trash(client, alice) == []
    live = await client.get("/api/v1/tasks", headers=alice.headers)
    assert [task["title"] for task in live.json()["items"]] == ["kept"]
    assert await _trash(client, bob) == ["bob's"]
    again = await client.delete("/api/v1/trash", headers=alice.headers)
    assert again.json() == {"deleted": 0}
