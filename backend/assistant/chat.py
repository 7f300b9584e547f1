"""The chat turn: Claude with the task tools in a bounded tool-use loop.

`run_turn` is an async generator of `ChatEvent`s (text deltas, finished tool calls, and the
closing `done`), which the route either streams as SSE or collects into one JSON answer.
Claude's replies are always requested as a stream, so both forms share one code path.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anthropic
import orjson
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.assistant.models import ChatMessage, Conversation
from backend.assistant.tools import TOOLS, ToolContext, ToolError, call_tool, summarize
from backend.platform.errors import Problem, not_found
from backend.platform.runtime import Runtime
from backend.tasks.sql import user_timezone

log = structlog.get_logger("taskflow.chat")

MAX_TOKENS = 1024
HISTORY_MESSAGES = 40
"""How many stored messages of a conversation go back to the model with a new one."""

_TOOL_PARAMS = [
    {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in TOOLS
]


@dataclass(frozen=True)
class ChatEvent:
    kind: str
    """"text" ({delta}), "tool" (an action) or "done" ({conversation_id, reply, actions})."""
    data: dict[str, Any]


@dataclass
class Turn:
    """What one user message starts: the conversation, the model's context, what was added."""

    conversation_id: uuid.UUID
    user_id: uuid.UUID
    timezone: str
    history: list[dict[str, Any]]
    added: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def system_prompt(timezone: str, now: datetime | None = None) -> str:
    local = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    return (
        "You are the assistant inside TaskFlow, a task manager. You act on the user's tasks "
        "with the tools given; never claim to have done something a tool did not do.\n"
        f"The user's time zone is {timezone}. It is now {local:%A, %d %B %Y, %H:%M} there "
        f"({local.isoformat(timespec='seconds')}).\n"
        "Turn the user's words into precise tool arguments: times as RFC 3339 with the "
        "user's UTC offset for that date, repeats as RFC 5545 RRULEs (e.g. 'every Sunday' is "
        "FREQ=WEEKLY;BYDAY=SU) with a due_at for the first occurrence, 'remind me' as a task "
        "with a due_at and a reminder ({offset_minutes: 0} fires at the due time). Look tasks "
        "up with list_tasks before changing them when you do not know their id. If a tool "
        "answers with an error, fix the arguments or tell the user plainly what is missing.\n"
        "Answer briefly, in the user's language, and say what you changed."
    )


# --- conversations -----------------------------------------------------------------------------


def _merged(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive messages of one role joined (a turn cut short can leave two in a row)."""
    result: list[dict[str, Any]] = []
    for message in messages:
        if result and result[-1]["role"] == message["role"]:
            result[-1] = {**result[-1], "content": result[-1]["content"] + message["content"]}
        else:
            result.append({"role": message["role"], "content": list(message["content"])})
    return result


def _starts_turn(message: ChatMessage) -> bool:
    return message.role == "user" and any(b.get("type") == "text" for b in message.content)


async def open_turn(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_id: uuid.UUID | None, text: str
) -> Turn:
    """The conversation (created when new; 404 when not the user's) and its recent history."""
    timezone = await user_timezone(session, user_id)
    if conversation_id is None:
        conversation = Conversation(id=uuid.uuid4(), user_id=user_id, title=text[:200])
        session.add(conversation)
        await session.flush()
        return Turn(conversation.id, user_id, timezone, history=[])
    owned = await session.scalar(
        select(Conversation.id).where(
            Conversation.id == conversation_id, Conversation.user_id == user_id
        )
    )
    if owned is None:
        raise not_found("Conversation")
    rows = list(
        await session.scalars(
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id)
            .order_by(ChatMessage.id.desc())
            .limit(HISTORY_MESSAGES)
        )
    )
    rows.reverse()
    # The model's context must open with a user's own words, not a tool result.
    while rows and not _starts_turn(rows[0]):
        rows.pop(0)
    history = _merged([{"role": r.role, "content": r.content} for r in rows])
    return Turn(conversation_id, user_id, timezone, history=history)


async def save_turn(runtime: Runtime, turn: Turn) -> None:
    """Store what the turn added (also when it was cut short: its actions did happen)."""
    if not turn.added:
        return
    last_assistant = max(
        (i for i, m in enumerate(turn.added) if m["role"] == "assistant"), default=None
    )
    async with runtime.sessions() as session, session.begin():
        for index, message in enumerate(turn.added):
            session.add(
                ChatMessage(
                    conversation_id=turn.conversation_id,
                    role=message["role"],
                    content=message["content"],
                    actions=turn.actions if index == last_assistant else None,
                )
            )
        await session.execute(
            update(Conversation)
            .where(Conversation.id == turn.conversation_id)
            .values(updated_at=func.now())
        )


async def conversation_history(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> dict[str, Any]:
    """The conversation as people read it: the user's messages and the assistant's replies
    (its text, with the actions it took), tool traffic folded into the reply it led to."""
    conversation = await session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.user_id == user_id
        )
    )
    if conversation is None:
        raise not_found("Conversation")
    rows = await session.scalars(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id)
        .order_by(ChatMessage.id)
    )
    messages: list[dict[str, Any]] = []
    for row in rows:
        text = "".join(b.get("text", "") for b in row.content if b.get("type") == "text")
        if _starts_turn(row):
            messages.append({"role": "user", "content": text, "created_at": row.created_at})
            continue
        if row.role != "assistant":
            continue  # tool results: shown through the reply's actions
        if not messages or messages[-1]["role"] != "assistant":
            entry = {
                "role": "assistant",
                "content": "",
                "actions": [],
                "created_at": row.created_at,
            }
            messages.append(entry)
        entry = messages[-1]
        entry["content"] = "\n\n".join(p for p in (entry["content"], text) if p)
        if row.actions:
            entry["actions"] = row.actions
    return {
        "id": str(conversation.id),
        "title": conversation.title,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "messages": messages,
    }


# --- the loop ----------------------------------------------------------------------------------


def _block(block: Any) -> dict[str, Any] | None:
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return None


async def _use_tools(
    message: Any, turn: Turn, context: ToolContext
) -> AsyncIterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Run each tool_use block of `message`: (the action, its tool_result block)."""
    for block in message.content:
        if block.type != "tool_use":
            continue
        arguments = block.input if isinstance(block.input, dict) else {}
        try:
            result = await call_tool(block.name, arguments, context)
        except Exception as exc:
            if isinstance(exc, ToolError):
                message = str(exc)
            else:  # a fault of ours (e.g. the database went away): the model tells the user
                log.exception("chat_tool_failed", tool=block.name)
                message = "the tool failed on the server's side; try again in a moment"
            action = {
                "tool": block.name,
                "input": arguments,
                "ok": False,
                "summary": summarize(block.name, None, message),
            }
            content, is_error = message, True
        else:
            action = {
                "tool": block.name,
                "input": arguments,
                "ok": True,
                "summary": summarize(block.name, result),
            }
            content, is_error = orjson.dumps(result).decode(), False
        log.info("chat_tool", tool=block.name, ok=not is_error, user_id=str(turn.user_id))
        yield (
            action,
            {
                "type": "tool_result",
                "tool_use_id": block.id,
                "content": content,
                "is_error": is_error,
            },
        )


async def run_turn(
    client: anthropic.AsyncAnthropic,
    *,
    runtime: Runtime,
    turn: Turn,
    text: str,
    model: str,
    max_steps: int,
) -> AsyncIterator[ChatEvent]:
    """One user message through Claude and the tools; raises `Problem` for upstream errors.

    `turn.added` collects every message of the turn as it is settled, so the caller can store
    it whatever happens."""
    context = ToolContext(runtime=runtime, user_id=turn.user_id)
    turn.added.append({"role": "user", "content": [{"type": "text", "text": text}]})
    system = system_prompt(turn.timezone)
    reply_parts: list[str] = []
    for _step in range(max_steps):
        try:
            async with client.messages.stream(
                model=model,
                max_tokens=MAX_TOKENS,
                system=system,
                tools=_TOOL_PARAMS,
                messages=_merged(turn.history + turn.added),
            ) as stream:
                async for event in stream:
                    if event.type == "text":
                        yield ChatEvent("text", {"delta": event.text})
                message = await stream.get_final_message()
        except anthropic.APIError as exc:
            raise upstream_problem(exc, model=model) from exc
        blocks = [b for b in map(_block, message.content) if b is not None]
        reply_parts.extend(b["text"] for b in blocks if b["type"] == "text")
        turn.added.append(
            {"role": "assistant", "content": blocks or [{"type": "text", "text": ""}]}
        )
        if message.stop_reason != "tool_use":
            break
        results = []
        async for action, result in _use_tools(message, turn, context):
            turn.actions.append(action)
            results.append(result)
            yield ChatEvent("tool", action)
        turn.added.append({"role": "user", "content": results})
    else:
        note = (
            f"I stopped after {max_steps} steps without finishing. "
            "Tell me how to go on, or ask for a smaller change."
        )
        turn.added.append({"role": "assistant", "content": [{"type": "text", "text": note}]})
        reply_parts.append(note)
        yield ChatEvent("text", {"delta": note})
    yield ChatEvent(
        "done",
        {
            "conversation_id": str(turn.conversation_id),
            "reply": "\n\n".join(p for p in reply_parts if p),
            "actions": turn.actions,
        },
    )


# --- upstream errors ---------------------------------------------------------------------------


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body)
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def upstream_problem(exc: anthropic.APIError, *, model: str) -> Problem:
    """An error of the Anthropic API as a problem a person can act on (502/503, never 500)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return Problem(502, "Claude did not answer in time; try again", title="Bad Gateway")
    if isinstance(exc, anthropic.APIConnectionError):
        return Problem(502, "Could not reach the Anthropic API; check the network and try again")
    if not isinstance(exc, anthropic.APIStatusError):
        return Problem(502, f"The Anthropic API answered unexpectedly: {exc}")
    kind = _error_type(exc)
    retry_after = exc.response.headers.get("retry-after") if exc.response is not None else None
    headers = {"Retry-After": retry_after if retry_after and retry_after.isdigit() else "30"}
    if exc.status_code == 429 or kind == "rate_limit_error":
        return Problem(
            503,
            "Claude is rate-limiting this TaskFlow's API key; try again in a minute",
            headers=headers,
        )
    if exc.status_code in (529, 503) or kind == "overloaded_error":
        return Problem(503, "Claude is overloaded right now; try again shortly", headers=headers)
    if exc.status_code in (401, 403) or kind in ("authentication_error", "permission_error"):
        return Problem(
            502, "The Anthropic API refused the API key: check ANTHROPIC_API_KEY and restart"
        )
    if exc.status_code == 404 or kind == "not_found_error":
        return Problem(
            502, f"The Anthropic API does not offer the model {model!r}: set ANTHROPIC_MODEL"
        )
    message = getattr(exc, "message", str(exc))
    return Problem(502, f"The Anthropic API could not answer ({exc.status_code}): {message}")
