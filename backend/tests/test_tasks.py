"""Tasks: create, read, update (partial, full, If-Match), delete/restore, complete/reopen."""

from __future__ import annotations

import uuid


async def create(client, account, **fields):
    response = await client.post(
        "/api/v1/tasks", json={"title": "A task", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_applies_defaults(client, alice):
    task = await create(client, alice, title="  Buy milk  ")
    assert task["title"] == "Buy milk"
    assert task["status"] == "pending" and task["priority"] == "medium"
    assert task["tags"] == [] and task["reminders"] == [] and task["recurrence"] is None
    assert task["timezone"] == "UTC" and task["version"] == 1 and task["deleted_at"] is None


async def test_create_with_every_field(client, alice):
    task = await create(
        client,
        alice,
        title="Water plants",
        description="The big ones",
        priority="urgent",
        tags=["Home", "garden", "home"],
        due_at="2026-12-01T09:00:00+01:00",
        timezone="Europe/Berlin",
        reminders=[{"offset_minutes": 30}, {"at": "2026-12-01T07:00:00Z"}],
        recurrence={"rrule": "every 2 weeks", "from": "completion"},
    )
    assert task["tags"] == ["garden", "Home"]
    assert task["due_at"] == "2026-12-01T09:00:00+01:00"
    assert [r.get("offset_minutes") for r in task["reminders"]] == [30, None]
    assert all(r["id"] for r in task["reminders"])
    assert task["recurrence"] == {
        "rrule": "FREQ=WEEKLY;INTERVAL=2",
        "from": "completion",
        "index": 1,
    }
    assert task["series_id"] == task["id"]


async def test_all_day_due_is_the_local_midnight(client, alice):
    task = await create(
        client, alice, due_at="2026-03-29T15:30:00+02:00", all_day=True, timezone="Europe/Berlin"
    )
    assert task["due_at"] == "2026-03-29T00:00:00+01:00"


async def test_invalid_tasks_are_422_naming_the_field(client, alice):
    cases = {
        "title": {"title": ""},
        "priority": {"title": "x", "priority": "asap"},
        "timezone": {"title": "x", "timezone": "Nowhere/Land"},
        "due_at": {"title": "x", "due_at": "2026-12-01T09:00:00"},
        "recurrence.rrule": {"title": "x", "recurrence": {"rrule": "FREQ=HOURLY"}},
        "reminders.0": {
            "title": "x",
            "reminders": [{"offset_minutes": 5, "at": "2026-01-01T00:00:00Z"}],
        },
        "description": {"title": "x", "description": "d" * 10_001},
        "colour": {"title": "x", "colour": "red"},
    }
    for field, body in cases.items():
        response = await client.post("/api/v1/tasks", json=body, headers=alice.headers)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field, response.json()
    too_long = await client.post("/api/v1/tasks", json={"title": "t" * 501}, headers=alice.headers)
    assert too_long.status_code == 422


async def test_reminder_offsets_and_due_recurrence_need_a_due_date(client, alice):
    response = await client.post(
        "/api/v1/tasks",
        json={"title": "x", "reminders": [{"offset_minutes": 10}]},
        headers=alice.headers,
    )
    assert response.status_code == 422 and "due_at" in response.json()["detail"]
    response = await client.post(
        "/api/v1/tasks",
        json={"title": "x", "recurrence": {"rrule": "daily"}},
        headers=alice.headers,
    )
    assert response.status_code == 422 and "due_at" in response.json()["detail"]


async def test_get_and_etag(client, alice):
    task = await create(client, alice)
    response = await client.get(f"/api/v1/tasks/{task['id']}", headers=alice.headers)
    assert response.status_code == 200 and response.json() == task
    assert response.headers["etag"] == '"1"'
    missing = await client.get(f"/api/v1/tasks/{uuid.uuid4()}", headers=alice.headers)
    assert missing.status_code == 404
    not_uuid = await client.get("/api/v1/tasks/123", headers=alice.headers)
    assert not_uuid.status_code == 422


async def test_patch_changes_only_what_was_sent(client, alice):
    task = await create(client, alice, description="keep me", due_at="2026-12-01T10:00:00Z")
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"priority": "high", "due_at": None},
        headers=alice.headers,
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["priority"] == "high" and updated["due_at"] is None
    assert updated["description"] == "keep me" and updated["version"] == 2
    same = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"priority": "high"}, headers=alice.headers
    )
    assert same.json()["version"] == 2
    null_title = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": None}, headers=alice.headers
    )
    assert null_title.status_code == 422


async def test_if_match_rejects_a_stale_version_with_412(client, alice):
    task = await create(client, alice)
    url = f"/api/v1/tasks/{task['id']}"
    first = await client.patch(
        url, json={"title": "one"}, headers={**alice.headers, "If-Match": '"1"'}
    )
    assert first.status_code == 200
    stale = await client.patch(
        url, json={"title": "two"}, headers={**alice.headers, "If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    current = await client.get(url, headers=alice.headers)
    assert current.json()["title"] == "one"


async def test_put_replaces_every_editable_field(client, alice):
    task = await create(
        client, alice, description="old", priority="high", tags=["a"], due_at="2026-12-01T10:00:00Z"
    )
    response = await client.put(
        f"/api/v1/tasks/{task['id']}", json={"title": "New"}, headers=alice.headers
    )
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["title"] == "New" and replaced["description"] == ""
    assert (
        replaced["priority"] == "medium" and replaced["tags"] == [] and replaced["due_at"] is None
    )
    missing_title = await client.put(
        f"/api/v1/tasks/{task['id']}", json={"description": "x"}, headers=alice.headers
    )
    assert missing_title.status_code == 422


async def test_delete_restore_and_trash(client, alice):
    task = await create(client, alice, title="Trash me")
    url = f"/api/v1/tasks/{task['id']}"
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    assert (await client.delete(url, headers=alice.headers)).status_code == 404
    listed = await client.get("/api/v1/tasks", headers=alice.headers)
    assert task["id"] not in [t["id"] for t in listed.json()["items"]]
    trash = await client.get("/api/v1/tasks", params={"deleted": "true"}, headers=alice.headers)
    trashed = [t for t in trash.json()["items"] if t["id"] == task["id"]]
    assert trashed and trashed[0]["deleted_at"] is not None
    restored = await client.post(f"{url}/restore", headers=alice.headers)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    # Restoring a task that is not in the trash changes nothing, like completing a completed
    # task: 200 with the task as it is (it was a 404, a schema-valid request refused).
    again = await client.post(f"{url}/restore", headers=alice.headers)
    assert again.status_code == 200 and again.json() == restored.json()


async def test_complete_and_reopen(client, alice):
    task = await create(client, alice)
    url = f"/api/v1/tasks/{task['id']}"
    done = (await client.post(f"{url}/complete", headers=alice.headers)).json()
    assert done["status"] == "completed" and done["completed_at"] is not None
    twice = (await client.post(f"{url}/complete", headers=alice.headers)).json()
    assert twice["version"] == done["version"]
    reopened = (await client.post(f"{url}/reopen", headers=alice.headers)).json()
    assert reopened["status"] == "pending" and reopened["completed_at"] is None


async def test_reminder_ids_survive_unrelated_updates(client, alice):
    task = await create(
        client, alice, due_at="2026-12-01T10:00:00Z", reminders=[{"offset_minutes": 10}]
    )
    first_id = task["reminders"][0]["id"]
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"reminders": [{"offset_minutes": 10}, {"offset_minutes": 60}]},
        headers=alice.headers,
    )
    reminders = response.json()["reminders"]
    assert reminders[0]["id"] == first_id and reminders[1]["id"] != first_id


async def test_the_payload_matches_the_documented_schema(client, alice):
    from backend.tasks.schemas import TaskRead

    task = await create(
        client,
        alice,
        tags=["x"],
        due_at="2026-12-01T10:00:00+05:30",
        timezone="Asia/Kolkata",
        reminders=[{"offset_minutes": 5}, {"at": "2026-12-01T01:00:00+00:00"}],
        recurrence={"rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"},
    )
    assert TaskRead.model_validate(task).model_dump(mode="json", by_alias=True) == task
    assert task["reminders"][1]["at"] == "2026-12-01T01:00:00Z"
