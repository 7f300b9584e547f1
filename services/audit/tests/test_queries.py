"""The query API over events the api really emitted: a task's history, the user's trail with
filters and pages, and nobody else's entries."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

from backend.platform.events.cloudevent import make_cloudevent
from backend.testing.fixtures import signup
from services.audit.tests.conftest import outbox_events, task_event


async def _history(client, db, audit):
    """alice creates a task, changes it and completes it; the events reach the audit."""
    alice = await signup(client)
    task = (
        await client.post("/api/v1/tasks", json={"title": "Pay rent"}, headers=alice.headers)
    ).json()
    await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"priority": "high"}, headers=alice.headers
    )
    await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=alice.headers)
    other = (
        await client.post("/api/v1/tasks", json={"title": "Other"}, headers=alice.headers)
    ).json()
    await audit.deliver_all(await outbox_events(db, alice.id))
    return alice, task, other


async def test_a_tasks_history_shows_who_did_what_and_when_oldest_first(audit_client, db, audit):
    alice, task, _ = await _history(audit_client, db, audit)
    response = await audit_client.get(f"/api/v1/audit/tasks/{task['id']}", headers=alice.headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["type"] for i in items] == [
        "com.taskflow.task.created",
        "com.taskflow.task.updated",
        "com.taskflow.task.completed",
    ]
    updated = items[1]
    assert updated["actor"] == {"kind": "user", "id": alice.id}
    assert updated["changes"] == {"priority": ["medium", "high"]}
    assert updated["summary"] == 'Changed priority of "Pay rent"'
    assert items[2]["changes"]["status"] == ["pending", "completed"]
    assert [i["version"] for i in items] == [1, 2, 3]
    assert all(datetime.fromisoformat(i["time"]) for i in items)


async def test_pages_follow_the_cursor_to_the_end(audit_client, db, audit):
    alice, task, _ = await _history(audit_client, db, audit)
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (
            await audit_client.get(
                f"/api/v1/audit/tasks/{task['id']}", params=params, headers=alice.headers
            )
        ).json()
        seen += [i["version"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [1, 2, 3]

    trail = []
    page = {"next_cursor": None}
    while True:
        params = {"limit": 3, **({"cursor": page["next_cursor"]} if page["next_cursor"] else {})}
        page = (
            await audit_client.get("/api/v1/audit", params=params, headers=alice.headers)
        ).json()
        trail += page["items"]
        if not page["next_cursor"]:
            break
    assert [i["seq"] for i in trail] == [4, 3, 2, 1], "the trail is newest first"


async def test_the_trail_filters_by_type_task_and_time(audit_client, db, audit):
    alice, task, other = await _history(audit_client, db, audit)

    async def trail(**params):
        response = await audit_client.get("/api/v1/audit", params=params, headers=alice.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert [i["task_id"] for i in await trail(type="task.created")] == [other["id"], task["id"]]
    completed = await trail(type="com.taskflow.task.completed")
    assert [i["task_id"] for i in completed] == [task["id"]]
    assert len(await trail(type=["task.created", "task.completed"])) == 3
    assert {i["task_id"] for i in await trail(task_id=other["id"])} == {other["id"]}

    times = sorted(datetime.fromisoformat(i["time"]) for i in await trail())
    middle = times[1].isoformat()
    assert len(await trail(**{"from": middle})) == 3
    assert len(await trail(to=middle)) == 1
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await trail(**{"from": future}) == []


async def test_nobody_sees_another_users_trail(audit_client, db, audit):
    alice, task, _ = await _history(audit_client, db, audit)
    bob = await signup(audit_client)
    # an event naming alice's task under bob's account must not leak alice's entries either
    await audit.deliver(task_event(user_id=bob.id, task_id=task["id"], title="Bob's"))

    response = await audit_client.get(f"/api/v1/audit/tasks/{task['id']}", headers=bob.headers)
    assert response.status_code == 200
    assert [i["title"] for i in response.json()["items"]] == ["Bob's"]
    assert (await audit_client.get("/api/v1/audit", headers=bob.headers)).json()["items"][0][
        "title"
    ] == "Bob's"
    own = await audit_client.get(f"/api/v1/audit/tasks/{task['id']}", headers=alice.headers)
    assert "Bob's" not in {i["title"] for i in own.json()["items"]}

    carol = await signup(audit_client)
    missing = await audit_client.get(f"/api/v1/audit/tasks/{task['id']}", headers=carol.headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    empty = await audit_client.get(
        "/api/v1/audit", params={"task_id": task["id"]}, headers=carol.headers
    )
    assert empty.json() == {"items": [], "next_cursor": None}
    assert (await audit_client.get("/api/v1/audit")).status_code == 401


async def test_bad_input_gets_a_clear_4xx(audit_client, db, audit):
    alice, task, other = await _history(audit_client, db, audit)
    page = (
        await audit_client.get(
            f"/api/v1/audit/tasks/{task['id']}", params={"limit": 1}, headers=alice.headers
        )
    ).json()
    cases = [
        ("/api/v1/audit", {"type": "task.exploded"}, 422),  # an enum in the OpenAPI document
        ("/api/v1/audit", {"from": "2026-01-01T00:00:00"}, 422),
        ("/api/v1/audit", {"from": "soon"}, 422),
        ("/api/v1/audit", {"limit": 0}, 422),
        ("/api/v1/audit", {"limit": 201}, 422),
        ("/api/v1/audit", {"task_id": "42"}, 422),
        ("/api/v1/audit", {"cursor": "%%%"}, 400),
        ("/api/v1/audit", {"cursor": "W10"}, 400),
        ("/api/v1/audit", {"cursor": page["next_cursor"]}, 400),
        (f"/api/v1/audit/tasks/{other['id']}", {"cursor": page["next_cursor"]}, 400),
        ("/api/v1/audit/tasks/not-a-uuid", {}, 422),
    ]
    for path, params, status in cases:
        response = await audit_client.get(path, params=params, headers=alice.headers)
        assert response.status_code == status, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    # A range with nothing in it is an empty page, as any filter that matches nothing.
    empty = {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    response = await audit_client.get("/api/v1/audit", params=empty, headers=alice.headers)
    assert response.status_code == 200 and response.json() == {"items": [], "next_cursor": None}


async def test_a_reminder_shows_in_the_trail(audit_client, db, audit):
    alice = await signup(audit_client)
    task_id = str(uuid.uuid4())
    event = make_cloudevent(
        type="com.taskflow.reminder.triggered",
        source="taskflow/reminder",
        subject=task_id,
        data={
            "user_id": alice.id,
            "task_id": task_id,
            "task_title": "Call mum",
            "due_at": "2026-11-24T10:00:00Z",
            "reminder_id": "r1",
            "fire_at": "2026-11-24T09:45:00Z",
            "late": False,
        },
    )
    assert (await audit.deliver(event, topic="reminders")).value == "SUCCESS"
    items = (
        await audit_client.get(f"/api/v1/audit/tasks/{task_id}", headers=alice.headers)
    ).json()["items"]
    assert items[0]["summary"] == 'Reminder sent for "Call mum"'
    assert items[0]["actor"] == {"kind": "system", "id": "reminder"}
    assert items[0]["details"]["fire_at"] == "2026-11-24T09:45:00Z"


async def test_a_bad_type_or_a_cursor_past_a_bigint_is_a_4xx_not_a_500(client, audit_client):
    alice = await signup(client)
    listed = await audit_client.get(
        "/api/v1/audit", params={"type": "a\x00"}, headers=alice.headers
    )
    assert listed.status_code == 422 and listed.json()["detail"].startswith("type.0:")
    cursor = base64.urlsafe_b64encode(json.dumps(["user", 2**70]).encode()).decode()
    listed = await audit_client.get(
        "/api/v1/audit", params={"cursor": cursor}, headers=alice.headers
    )
    assert listed.status_code == 400 and listed.json()["detail"].startswith("cursor:")
