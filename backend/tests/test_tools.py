"""The assistant's task tools (backend/assistant/tools.py): same rules and scoping as REST."""

from __future__ import annotations

import uuid

import pytest

from backend.assistant.tools import TOOLS, ToolContext, ToolError, call_tool

TASK_TOOLS_ARGS = {
    "get_task": {},
    "update_task": {"title": "Mine now"},
    "complete_task": {},
    "reopen_task": {},
    "delete_task": {},
    "add_tags": {"tags": ["x"]},
    "remove_tags": {"tags": ["x"]},
    "set_reminders": {"reminders": [{"at": "2030-01-01T09:00:00Z"}]},
    "set_recurrence": {"recurrence": {"rrule": "FREQ=DAILY", "from": "completion"}},
    "restore_task": {},
}


@pytest.fixture
def as_user(app):
    def context(account):
        return ToolContext(runtime=app.state.runtime, user_id=uuid.UUID(account.id))

    return context


def test_every_tool_has_a_self_contained_object_schema():
    assert {t.name for t in TOOLS} == {"create_task", "list_tasks", *TASK_TOOLS_ARGS}
    for tool in TOOLS:
        text = repr(tool.input_schema)
        assert tool.input_schema["type"] == "object" and "$ref" not in text, tool.name
        assert tool.description and len(tool.name) <= 64


@pytest.mark.parametrize("name", sorted(TASK_TOOLS_ARGS))
async def test_another_users_task_is_not_found(client, as_user, alice, bob, name):
    created = await client.post(
        "/api/v1/tasks", json={"title": "Bob's", "tags": ["x"]}, headers=bob.headers
    )
    task_id = created.json()["id"]
    if name == "restore_task":
        await client.delete(f"/api/v1/tasks/{task_id}", headers=bob.headers)

    with pytest.raises(ToolError, match="Task not found"):
        await call_tool(name, {"task_id": task_id, **TASK_TOOLS_ARGS[name]}, as_user(alice))

    listed = await call_tool("list_tasks", {"query": "Bob"}, as_user(alice))
    assert listed["items"] == []
    if name == "restore_task":  # still in Bob's trash
        trash = await client.get("/api/v1/tasks", params={"deleted": "true"}, headers=bob.headers)
        assert [t["id"] for t in trash.json()["items"]] == [task_id]
    else:
        shown = (await client.get(f"/api/v1/tasks/{task_id}", headers=bob.headers)).json()
        assert (shown["version"], shown["title"], shown["status"]) == (1, "Bob's", "pending")


async def test_a_task_through_its_whole_life(client, as_user, alice):
    me = as_user(alice)
    task = await call_tool(
        "create_task",
        {"title": "Pay rent", "due_at": "2030-03-01T09:00:00+01:00", "priority": "high"},
        me,
    )
    task_id = task["id"]
    assert (await call_tool("get_task", {"task_id": task_id}, me))["priority"] == "high"

    tagged = await call_tool("add_tags", {"task_id": task_id, "tags": ["home", "Money"]}, me)
    assert tagged["tags"] == ["home", "Money"]
    again = await call_tool("add_tags", {"task_id": task_id, "tags": ["money"]}, me)
    assert again["tags"] == ["home", "Money"] and again["version"] == tagged["version"]
    untagged = await call_tool("remove_tags", {"task_id": task_id, "tags": ["HOME"]}, me)
    assert untagged["tags"] == ["Money"]

    reminded = await call_tool(
        "set_reminders", {"task_id": task_id, "reminders": [{"offset_minutes": 60}]}, me
    )
    assert [r["offset_minutes"] for r in reminded["reminders"]] == [60]
    monthly = await call_tool(
        "set_recurrence",
        {"task_id": task_id, "recurrence": {"rrule": "FREQ=MONTHLY;BYMONTHDAY=1"}},
        me,
    )
    assert monthly["recurrence"]["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=1"
    once = await call_tool("set_recurrence", {"task_id": task_id, "recurrence": None}, me)
    assert once["recurrence"] is None

    renamed = await call_tool("update_task", {"task_id": task_id, "title": "Pay the rent"}, me)
    assert renamed["title"] == "Pay the rent"
    assert (await call_tool("complete_task", {"task_id": task_id}, me))["status"] == "completed"
    assert (await call_tool("reopen_task", {"task_id": task_id}, me))["status"] == "pending"
    await call_tool("delete_task", {"task_id": task_id}, me)
    trash = await call_tool("list_tasks", {"deleted": True}, me)
    assert [t["id"] for t in trash["items"]] == [task_id]
    restored = await call_tool("restore_task", {"task_id": task_id}, me)
    assert restored["deleted_at"] is None

    # What the tools did is what REST shows.
    shown = await client.get(f"/api/v1/tasks/{task_id}", headers=alice.headers)
    assert shown.json()["title"] == "Pay the rent" and shown.json()["tags"] == ["Money"]


async def test_list_filters_and_pages(as_user, alice):
    me = as_user(alice)
    for n, priority in enumerate(["low", "high", "high"]):
        await call_tool("create_task", {"title": f"Errand {n}", "priority": priority}, me)
    high = await call_tool("list_tasks", {"priorities": ["high"], "sort": "title"}, me)
    assert [t["title"] for t in high["items"]] == ["Errand 1", "Errand 2"]
    first = await call_tool("list_tasks", {"query": "errand", "limit": 2, "sort": "title"}, me)
    rest = await call_tool(
        "list_tasks", {"query": "errand", "sort": "title", "cursor": first["next_cursor"]}, me
    )
    assert [t["title"] for t in first["items"] + rest["items"]] == [
        "Errand 0",
        "Errand 1",
        "Errand 2",
    ]


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("create_task", {}, "title: Field required"),
        ("create_task", {"title": "x", "due_at": "tomorrow"}, "due_at"),
        ("create_task", {"title": "x", "due_at": "2030-01-01T09:00:00"}, "timezone"),
        ("create_task", {"title": "x", "timezone": "Mars/Olympus"}, "IANA"),
        ("create_task", {"title": "x", "priority": "asap"}, "priority"),
        ("create_task", {"title": "x", "reminders": [{"offset_minutes": 5}]}, "needs the task"),
        ("create_task", {"title": "x", "recurrence": {"rrule": "FREQ=SOMETIMES"}}, "FREQ"),
        ("list_tasks", {"limit": 500}, "limit"),
        ("list_tasks", {"cursor": "garbage"}, "cursor"),
        ("get_task", {"task_id": "not-a-uuid"}, "task_id"),
        ("update_task", {"task_id": str(uuid.uuid4())}, "Nothing to change"),
        ("update_task", {"task_id": str(uuid.uuid4()), "owner": "me"}, "owner"),
        ("send_email", {}, "no tool named 'send_email'"),
    ],
)
async def test_bad_arguments_get_a_message_the_model_can_act_on(
    as_user, alice, name, arguments, message
):
    with pytest.raises(ToolError) as raised:
        await call_tool(name, arguments, as_user(alice))
    assert message in str(raised.value)
