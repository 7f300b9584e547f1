"""POST /api/v1/chat: Claude's tool loop against recorded Messages API answers, played on the
real SDK's HTTP transport (backend/testing/anthropic_replay.py)."""

from __future__ import annotations

import json
import uuid

import pytest

from backend.assistant.routes import get_anthropic
from backend.testing.anthropic_replay import AnthropicReplay, load_recording
from backend.testing.fixtures import signup

PROBLEM = "application/problem+json"


@pytest.fixture
def replay(app):
    """`replay(name, **values)`: the chat's Claude answers from that recording from now on."""

    def use(name: str, *, max_retries: int = 0, **values: str) -> AnthropicReplay:
        recorded = AnthropicReplay(load_recording(name, **values))
        client = recorded.client(max_retries=max_retries)
        app.dependency_overrides[get_anthropic] = lambda: client
        return recorded

    yield use
    app.dependency_overrides.pop(get_anthropic, None)


async def chat(client, account, message, **body):
    return await client.post(
        "/api/v1/chat", json={"message": message, **body}, headers=account.headers
    )


async def tasks_matching(client, account, q):
    response = await client.get("/api/v1/tasks", params={"q": q}, headers=account.headers)
    assert response.status_code == 200
    return response.json()["items"]


def sse_frames(text):
    frames = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        frames.append((lines["event"], json.loads(lines["data"])))
    return frames


async def test_without_a_key_the_chat_says_how_to_configure_it(client, alice):
    response = await chat(client, alice, "hello")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert "ANTHROPIC_API_KEY" in response.json()["detail"]


async def test_remind_me_every_sunday_creates_the_task(client, replay):
    berlin = await signup(client, timezone="Europe/Berlin")
    recorded = replay("create_recurring")

    response = await chat(client, berlin, "remind me to call mum every Sunday at 6pm")

    assert response.status_code == 200, response.text
    body = response.json()
    assert "every Sunday at 18:00" in body["reply"]
    [action] = body["actions"]
    assert (action["tool"], action["ok"], action["summary"]) == (
        "create_task",
        True,
        "created 'Call mum'",
    )
    [task] = await tasks_matching(client, berlin, "mum")
    assert task["title"] == "Call mum" and task["due_at"] == "2026-11-29T18:00:00+01:00"
    assert task["recurrence"]["rrule"] == "FREQ=WEEKLY;BYDAY=SU"
    assert [r["offset_minutes"] for r in task["reminders"]] == [0]

    first, second = recorded.requests
    assert "Europe/Berlin" in first["system"] and first["stream"] is True
    assert {t["name"] for t in first["tools"]} >= {"create_task", "list_tasks", "complete_task"}
    [result] = second["messages"][-1]["content"]
    assert result["type"] == "tool_result" and result["is_error"] is False
    assert result["tool_use_id"] == "toolu_01Q5d7SxWw9yGkVn1fJ3cZpE"
    assert json.loads(result["content"])["id"] == task["id"]


async def test_the_tool_made_task_sends_the_same_event_as_rest(client, replay, db):
    account = await signup(client)
    replay("create_recurring")
    assert (await chat(client, account, "remind me to call mum every Sunday at 6pm")).is_success
    [task] = await tasks_matching(client, account, "mum")
    rows = await db.fetch(
        "SELECT event_type, event FROM outbox WHERE partition_key = $1", task["id"]
    )
    assert [r["event_type"] for r in rows] == ["com.taskflow.task.created"]
    event = json.loads(rows[0]["event"])
    assert event["data"]["actor"] == {"kind": "user", "id": account.id}


async def test_several_steps_find_the_task_then_complete_it(client, replay, alice):
    created = await client.post(
        "/api/v1/tasks", json={"title": "Call the dentist"}, headers=alice.headers
    )
    recorded = replay("complete_found_task", task_id=created.json()["id"])

    response = await chat(client, alice, "I called the dentist, tick it off")

    assert response.status_code == 200, response.text
    assert [(a["tool"], a["ok"], a["summary"]) for a in response.json()["actions"]] == [
        ("list_tasks", True, "found 1 task"),
        ("complete_task", True, "completed 'Call the dentist'"),
    ]
    [task] = await tasks_matching(client, alice, "dentist")
    assert task["status"] == "completed"
    assert len(recorded.requests) == 3
    listed = json.loads(recorded.requests[1]["messages"][-1]["content"][0]["content"])
    assert [item["title"] for item in listed["items"]] == ["Call the dentist"]


async def test_a_tool_error_goes_back_to_the_model_which_fixes_its_call(client, replay, alice):
    recorded = replay("tool_error_then_fixed")

    response = await chat(client, alice, "water the plants every other week from tomorrow")

    assert response.status_code == 200, response.text
    failed, succeeded = response.json()["actions"]
    assert failed["ok"] is False and "FREQ=DAILY, WEEKLY" in failed["summary"]
    assert succeeded["ok"] is True
    [error] = recorded.requests[1]["messages"][-1]["content"]
    assert error["is_error"] is True and "recurrence.rrule" in error["content"]
    [task] = await tasks_matching(client, alice, "plants")
    assert task["recurrence"]["rrule"] == "FREQ=WEEKLY;INTERVAL=2"


async def test_another_users_task_is_not_found_through_the_chat(client, replay, alice, bob):
    bobs = await client.post("/api/v1/tasks", json={"title": "Bob's secret"}, headers=bob.headers)
    recorded = replay("other_users_task", task_id=bobs.json()["id"])

    response = await chat(client, alice, f"delete task {bobs.json()['id']}")

    assert response.status_code == 200
    [action] = response.json()["actions"]
    assert action["ok"] is False and "Task not found" in action["summary"]
    assert "Bob's secret" not in json.dumps(recorded.requests)
    still = await client.get(f"/api/v1/tasks/{bobs.json()['id']}", headers=bob.headers)
    assert still.status_code == 200 and still.json()["deleted_at"] is None


@pytest.mark.parametrize(
    ("recording", "status", "words", "retry_after"),
    [
        ("overloaded", 503, "overloaded", "30"),
        ("rate_limited", 503, "rate-limiting", "17"),
        ("invalid_key", 502, "ANTHROPIC_API_KEY", None),
    ],
)
async def test_anthropic_errors_are_clear_problems(
    client, replay, alice, recording, status, words, retry_after
):
    replay(recording)
    response = await chat(client, alice, "hello")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert words in response.json()["detail"]
    assert response.headers.get("retry-after") == retry_after


async def test_the_sdk_retries_an_overload_before_giving_up(client, replay, alice):
    recorded = replay("overloaded_then_ok", max_retries=1)
    response = await chat(client, alice, "hello")
    assert response.status_code == 200
    assert response.json()["reply"] == "Hello again! How can I help with your tasks?"
    assert len(recorded.requests) == 2


async def test_the_loop_stops_at_the_step_limit(client, replay, alice, app, monkeypatch):
    monkeypatch.setattr(app.state.runtime.settings, "chat_max_steps", 3)
    recorded = replay("step_limit")

    response = await chat(client, alice, "find my reports")

    assert response.status_code == 200
    body = response.json()
    assert "stopped after 3 steps" in body["reply"]
    assert [a["tool"] for a in body["actions"]] == ["list_tasks"] * 3
    assert len(recorded.requests) == 3
    history = await client.get(
        f"/api/v1/chat/conversations/{body['conversation_id']}", headers=alice.headers
    )
    assert history.json()["messages"][-1]["content"].endswith("ask for a smaller change.")


async def test_streaming_sends_text_tool_activity_then_done(client, replay):
    account = await signup(client, timezone="Europe/Berlin")
    replay("create_recurring")

    response = await client.post(
        "/api/v1/chat",
        json={"message": "remind me to call mum every Sunday at 6pm"},
        headers={**account.headers, "Accept": "text/event-stream"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = sse_frames(response.text)
    kinds = [kind for kind, _ in frames]
    assert kinds[-1] == "done" and kinds.count("tool") == 1
    assert kinds.index("tool") < len(kinds) - 1 and kinds.count("text") > 2
    done = frames[-1][1]
    streamed = "".join(data["delta"] for kind, data in frames if kind == "text")
    assert streamed.replace(" ", "") == done["reply"].replace("\n", "").replace(" ", "")
    assert frames[kinds.index("tool")][1]["summary"] == "created 'Call mum'"


async def test_an_error_in_mid_stream_is_a_problem_frame_or_a_503(client, replay, alice):
    replay("overloaded_mid_stream")
    streamed = await client.post(
        "/api/v1/chat",
        json={"message": "hello"},
        headers={**alice.headers, "Accept": "text/event-stream"},
    )
    kind, problem = sse_frames(streamed.text)[-1]
    assert kind == "error" and problem["status"] == 503 and "overloaded" in problem["detail"]

    replay("overloaded_mid_stream")
    response = await chat(client, alice, "hello")
    assert response.status_code == 503 and response.headers["content-type"] == PROBLEM


async def test_a_conversation_goes_on_and_its_history_is_kept(client, replay, alice, bob):
    recorded = replay("greeting_then_follow_up")
    first = await chat(client, alice, "hello")
    conversation_id = first.json()["conversation_id"]
    second = await chat(client, alice, "what did I just say?", conversation_id=conversation_id)

    assert second.json()["conversation_id"] == conversation_id
    sent = recorded.requests[1]["messages"]
    assert [(m["role"], m["content"][0]["text"]) for m in sent] == [
        ("user", "hello"),
        ("assistant", "Hi! I can add, find and update your tasks. What should I do?"),
        ("user", "what did I just say?"),
    ]
    history = await client.get(
        f"/api/v1/chat/conversations/{conversation_id}", headers=alice.headers
    )
    assert [(m["role"], m["content"]) for m in history.json()["messages"]] == [
        ("user", "hello"),
        ("assistant", "Hi! I can add, find and update your tasks. What should I do?"),
        ("user", "what did I just say?"),
        ("assistant", "You said hello. Want me to add a task?"),
    ]
    listed = await client.get("/api/v1/chat/conversations", headers=alice.headers)
    assert listed.json()["items"][0]["id"] == conversation_id

    # Someone else's conversation: neither readable nor continuable, and Claude is not asked.
    assert (
        await client.get(f"/api/v1/chat/conversations/{conversation_id}", headers=bob.headers)
    ).status_code == 404
    replay("greeting_then_follow_up")
    hijack = await chat(client, bob, "and now?", conversation_id=conversation_id)
    assert hijack.status_code == 404 and hijack.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 4001},
        {"message": "hi", "conversation_id": "nope"},
        {"message": "hi", "user_id": str(uuid.uuid4())},
        {},
    ],
)
async def test_bad_chat_requests_are_422(client, replay, alice, body):
    recorded = replay("greeting_then_follow_up")
    response = await client.post("/api/v1/chat", json=body, headers=alice.headers)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert recorded.requests == []


async def test_chat_needs_a_signed_in_user(client, replay):
    replay("greeting_then_follow_up")
    response = await client.post("/api/v1/chat", json={"message": "hi"})
    assert response.status_code == 401


async def test_each_user_has_a_message_budget_per_minute(client, replay, alice, redis, settings):
    await redis.set(f"taskflow:chat:rate:{alice.id}", settings.chat_messages_per_minute, ex=60)
    recorded = replay("greeting_then_follow_up")
    response = await chat(client, alice, "hello")
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    assert recorded.requests == []


async def test_a_fault_inside_a_tool_is_told_to_the_model_not_raised(client, replay, monkeypatch):
    async def database_gone(name, arguments, context):
        raise ConnectionResetError("connection to PostgreSQL lost")

    monkeypatch.setattr("backend.assistant.chat.call_tool", database_gone)
    account = await signup(client)
    recorded = replay("create_recurring")

    response = await chat(client, account, "remind me to call mum every Sunday at 6pm")

    assert response.status_code == 200
    [action] = response.json()["actions"]
    assert action["ok"] is False and "server's side" in action["summary"]
    [result] = recorded.requests[1]["messages"][-1]["content"]
    assert result["is_error"] is True and "PostgreSQL" not in result["content"]
