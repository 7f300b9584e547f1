"""Your data is yours: export as JSON and CSV, and the JSON import that takes it back."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid

import orjson

from backend.testing.fixtures import signup

TASKS = [
    {
        "title": "Pay rent",
        "description": "Transfer to the landlord",
        "priority": "high",
        "tags": ["Home", "money"],
        "due_at": "2030-01-01T09:00:00+01:00",
        "timezone": "Europe/Berlin",
        "reminders": [{"offset_minutes": 60}, {"at": "2029-12-31T18:00:00Z"}],
        "recurrence": {"rrule": "FREQ=MONTHLY;BYMONTHDAY=1", "from": "due"},
    },
    {"title": "Water plants", "due_at": "2030-01-02T00:00:00Z", "all_day": True,
     "recurrence": {"rrule": "every 3 days", "from": "completion"}},
    {"title": "=cmd|' /C calc'!A0", "description": "-starts like a formula"},
    {"title": "Done already", "priority": "low"},
    {"title": "In the trash", "tags": ["old"]},
]  # fmt: skip

COMPARED = ("title", "description", "status", "priority", "tags", "due_at", "all_day",
            "timezone", "recurrence", "created_at", "completed_at", "deleted_at")  # fmt: skip


async def _fill(client, account) -> list[dict]:
    h = account.headers
    tag = await client.post("/api/v1/tags", json={"name": "money", "color": "#123456"}, headers=h)
    assert tag.status_code == 201
    made = []
    for body in TASKS:
        response = await client.post("/api/v1/tasks", json=body, headers=h)
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert (await client.post(f"/api/v1/tasks/{made[3]['id']}/complete", headers=h)).is_success
    assert (await client.delete(f"/api/v1/tasks/{made[4]['id']}", headers=h)).status_code == 204
    return made


async def _everything(client, account) -> list[dict]:
    """Every task of the account (live, then the trash) as the API shows it, by title."""
    tasks = []
    for deleted in ("false", "true"):
        response = await client.get(
            "/api/v1/tasks", params={"deleted": deleted, "limit": 200}, headers=account.headers
        )
        tasks += response.json()["items"]
    return sorted(tasks, key=lambda task: task["title"])


def _comparable(task: dict) -> dict:
    reminders = sorted(str((r["offset_minutes"], r["at"])) for r in task["reminders"])
    return {**{key: task[key] for key in COMPARED}, "reminders": reminders}


async def test_export_then_import_into_a_fresh_account_gives_the_same_tasks(client, alice):
    await _fill(client, alice)
    exported = await client.get("/api/v1/export/json", headers=alice.headers)
    assert exported.status_code == 200
    assert exported.headers["cache-control"] == "no-store"
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.json()
    assert document["format"] == "taskflow.export" and len(document["tasks"]) == 5
    assert {"name": "money", "color": "#123456"} in document["tags"]

    fresh = await signup(client)
    response = await client.post("/api/v1/import/json", content=exported.content,
                                 headers={**fresh.headers, "Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 5, "skipped": 0, "tags_created": 3, "warnings": []}

    before, after = await _everything(client, alice), await _everything(client, fresh)
    assert [_comparable(t) for t in after] == [_comparable(t) for t in before]
    tags = (await client.get("/api/v1/tags", headers=fresh.headers)).json()
    assert {t["name"]: t["color"] for t in tags}["money"] == "#123456"
    # The imported recurring task is a series of its own, at the same place in it.
    rent = next(t for t in after if t["title"] == "Pay rent")
    old_rent = next(t for t in before if t["title"] == "Pay rent")
    assert rent["series_id"] not in (None, old_rent["series_id"])
    assert rent["recurrence"]["index"] == 1

    twice = await client.post(
        "/api/v1/import/json", content=exported.content, headers=fresh.headers
    )
    assert twice.json()["imported"] == 0 and twice.json()["skipped"] == 5
    assert len(await _everything(client, fresh)) == 5


async def test_the_csv_export_has_a_row_per_task_and_defuses_formulas(client, alice):
    await _fill(client, alice)
    response = await client.get("/api/v1/export/csv", headers=alice.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_title = {row["title"]: row for row in rows}
    assert len(rows) == 5
    rent = by_title["Pay rent"]
    assert rent["tags"] == "Home, money" and rent["priority"] == "high"
    assert rent["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=1" and rent["repeat_from"] == "due"
    assert rent["reminders"] == "60 minutes before due; 2029-12-31T18:00:00Z"
    assert rent["due_at"] == "2030-01-01T09:00:00+01:00" and rent["timezone"] == "Europe/Berlin"
    assert by_title["In the trash"]["deleted_at"] != ""
    assert by_title["Done already"]["status"] == "completed"
    # Text a spreadsheet would run as a formula starts with a quote.
    assert "'=cmd|' /C calc'!A0" in by_title
    assert by_title["'=cmd|' /C calc'!A0"]["description"] == "'-starts like a formula"


async def test_bad_import_files_get_a_clear_4xx_and_add_nothing(client, alice):
    h = {**alice.headers, "Content-Type": "application/json"}

    async def post(body: bytes) -> dict:
        response = await client.post("/api/v1/import/json", content=body, headers=h)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return response.json()

    assert "not valid JSON" in (await post(b'{"format": "taskflow.export", '))["detail"]
    assert "not a TaskFlow export" in (await post(b"[1, 2, 3]"))["detail"]
    assert "not a TaskFlow export" in (await post(b'{"tasks": []}'))["detail"]
    wrong = {"format": "taskflow.export", "version": 1,
             "tasks": [{"id": "00000000-0000-0000-0000-000000000001", "title": "ok"},
                       {"id": "00000000-0000-0000-0000-000000000002", "title": "x",
                        "priority": "whenever"}]}  # fmt: skip
    problem = await post(orjson.dumps(wrong))
    assert problem["status"] == 422 and problem["detail"].startswith("tasks.1.priority")
    # A task the service refuses (an offset reminder needs a due date) stops the whole import.
    refused = {"format": "taskflow.export", "version": 1,
               "tasks": [{"id": "00000000-0000-0000-0000-000000000003", "title": "first"},
                         {"id": "00000000-0000-0000-0000-000000000004", "title": "second",
                          "reminders": [{"offset_minutes": 5}]}]}  # fmt: skip
    problem = await post(orjson.dumps(refused))
    assert problem["status"] == 422 and "tasks[1] ('second')" in problem["detail"]
    assert (await client.get("/api/v1/tasks", headers=alice.headers)).json()["items"] == []
    form = await client.post(
        "/api/v1/import/json", files={"file": ("export.json", b"{}")}, headers=alice.headers
    )
    assert form.status_code == 415 and "request body" in form.json()["detail"]


async def test_an_import_file_over_the_size_limit_is_413(client, alice, settings):
    big = b'{"format": "taskflow.export", "tasks": [' + b" " * settings.import_max_bytes + b"]}"
    response = await client.post(
        "/api/v1/import/json",
        content=big,
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    # Other requests keep the 1 MiB limit.
    task = await client.post(
        "/api/v1/tasks", content=b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={**alice.headers, "Content-Type": "application/json"},
    )  # fmt: skip
    assert task.status_code == 413


async def test_export_and_import_need_a_signed_in_user(client):
    assert (await client.get("/api/v1/export/json")).status_code == 401
    assert (await client.get("/api/v1/export/csv")).status_code == 401
    assert (await client.post("/api/v1/import/json", content=b"{}")).status_code == 401


async def test_a_hand_written_file_imports_and_odd_but_valid_parts_do_not_fail(client, alice):
    h = {**alice.headers, "Content-Type": "application/json"}
    document = {
        "format": "taskflow.export",
        "version": 1,
        "tags": [{"name": "Work", "color": "#111111"}, {"name": "work", "color": "#222222"}],
        "tasks": [
            {"title": "no id, no zone", "tags": ["WORK", "new tag"]},
            {"title": "no id either", "status": "completed"},
        ],
    }
    for _ in range(2):  # without ids nothing marks them as imported: added again
        response = await client.post(
            "/api/v1/import/json", content=orjson.dumps(document), headers=h
        )
        assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
    tasks = (await client.get("/api/v1/tasks", params={"limit": 10}, headers=h)).json()["items"]
    assert len(tasks) == 4
    first = next(t for t in tasks if t["title"] == "no id, no zone")
    assert first["tags"] == ["new tag", "Work"] and first["timezone"] == "UTC"
    assert next(t for t in tasks if t["title"] == "no id either")["completed_at"] is not None
    tags = (await client.get("/api/v1/tags", headers=h)).json()
    assert sorted((t["name"], t["color"]) for t in tags if t["name"] == "Work") == [
        ("Work", "#111111")
    ]


async def test_the_same_id_twice_in_one_file_is_422(client, alice):
    same = "00000000-0000-0000-0000-0000000000aa"
    document = {"format": "taskflow.export", "version": 1,
                "tasks": [{"id": same, "title": "a"}, {"id": same, "title": "b"}]}  # fmt: skip
    response = await client.post(
        "/api/v1/import/json", content=orjson.dumps(document),
        headers={**alice.headers, "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422 and "appears twice" in response.json()["detail"]


async def test_two_uploads_of_one_file_at_once_import_it_once(client, alice):
    await _fill(client, alice)
    exported = (await client.get("/api/v1/export/json", headers=alice.headers)).content
    fresh = await signup(client)
    h = {**fresh.headers, "Content-Type": "application/json"}
    first, second = await asyncio.gather(
        client.post("/api/v1/import/json", content=exported, headers=h),
        client.post("/api/v1/import/json", content=exported, headers=h),
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert sorted([first.json()["imported"], second.json()["imported"]]) == [0, 5]
    assert len(await _everything(client, fresh)) == 5


async def test_the_export_includes_chats_with_the_assistant_and_import_leaves_them(
    client, alice, db
):
    conversation = uuid.uuid4()
    await db.execute(
        "INSERT INTO chat_conversations (id, user_id, title) VALUES ($1, $2, 'Plan my week')",
        conversation, uuid.UUID(alice.id),
    )  # fmt: skip
    for role, text in (("user", "What is due?"), ("assistant", "Nothing until Friday.")):
        await db.execute(
            "INSERT INTO chat_messages (conversation_id, role, content) VALUES ($1, $2, $3::jsonb)",
            conversation, role, orjson.dumps([{"type": "text", "text": text}]).decode(),
        )  # fmt: skip
    exported = await client.get("/api/v1/export/json", headers=alice.headers)
    [chat] = exported.json()["conversations"]
    assert chat["title"] == "Plan my week"
    assert [(m["role"], m["content"]) for m in chat["messages"]] == [
        ("user", "What is due?"),
        ("assistant", "Nothing until Friday."),
    ]
    fresh = await signup(client)
    response = await client.post(
        "/api/v1/import/json", content=exported.content, headers=fresh.headers
    )
    assert response.status_code == 200, response.text
    count = "SELECT count(*) FROM chat_conversations WHERE user_id = $1"
    assert await db.fetchval(count, uuid.UUID(fresh.id)) == 0
