"""/api/v1/chat: talk to Claude about your tasks (JSON, or SSE with Accept: text/event-stream)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anthropic
import anyio
import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from backend.assistant.chat import ChatEvent, Turn, conversation_history, open_turn, run_turn
from backend.assistant.chat import save_turn as _save_turn
from backend.assistant.models import Conversation
from backend.platform.deps import PrincipalDep, RedisDep, RuntimeDep, SessionDep, SettingsDep
from backend.platform.errors import Problem
from backend.platform.openapi import problems
from backend.platform.responses import json_response
from backend.platform.runtime import Runtime
from backend.platform.settings import Settings
from backend.platform.text import text

ChatMessage = text(strip_whitespace=True, min_length=1, max_length=4000)

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])

NOT_CONFIGURED = (
    "The assistant is not configured: set ANTHROPIC_API_KEY to an Anthropic API key "
    "(in the environment or the .env file) and restart TaskFlow"
)


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: ChatMessage
    conversation_id: uuid.UUID | None = None


@functools.lru_cache(maxsize=4)
def _client(
    api_key: str, base_url: str | None, timeout: float, max_retries: int
) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


async def get_anthropic(settings: SettingsDep) -> anthropic.AsyncAnthropic:
    """The Anthropic client; 503 with what to configure when there is no key."""
    key = settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else ""
    if not key.strip():
        raise Problem(503, NOT_CONFIGURED, title="Assistant not configured")
    return _client(
        key.strip(),
        settings.anthropic_base_url,
        settings.anthropic_timeout_seconds,
        settings.anthropic_max_retries,
    )


AnthropicDep = Annotated[anthropic.AsyncAnthropic, Depends(get_anthropic)]


async def _within_rate(redis: Any, user_id: uuid.UUID, settings: Settings) -> None:
    """At most `chat_messages_per_minute` messages per user (each one costs model tokens)."""
    key = f"taskflow:chat:rate:{user_id}"
    count = await redis.incr(key)
    if count == 1:
        await redis.expire(key, 60)
    if count > settings.chat_messages_per_minute:
        ttl = await redis.ttl(key)
        raise Problem(
            429,
            f"You sent more than {settings.chat_messages_per_minute} chat messages in a minute; "
            "wait a moment",
            headers={"Retry-After": str(max(ttl, 1))},
        )


async def _save(runtime: Runtime, turn: Turn) -> None:
    # Shielded: a client that hangs up mid-stream cancels the response, not the record of
    # what the turn already did.
    with anyio.CancelScope(shield=True):
        await _save_turn(runtime, turn)


def _frame(event: str, data: Any) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def _stream(events: AsyncIterator[ChatEvent], runtime: Runtime, turn: Turn) -> Any:
    try:
        async for event in events:
            yield _frame(event.kind, event.data)
    except Problem as exc:
        problem = {"type": "about:blank", "title": exc.title, "status": exc.status}
        yield _frame("error", {**problem, "detail": exc.detail})
    finally:
        await _save(runtime, turn)


@router.post("", responses=problems(404, 429, 502))
async def chat(
    data: ChatIn,
    request: Request,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    redis: RedisDep,
    settings: SettingsDep,
    client: AnthropicDep,
) -> Response:
    await _within_rate(redis, principal.user_id, settings)
    async with runtime.sessions() as session, session.begin():
        turn = await open_turn(
            session,
            user_id=principal.user_id,
            conversation_id=data.conversation_id,
            text=data.message,
        )
    events = run_turn(
        client,
        runtime=runtime,
        turn=turn,
        text=data.message,
        model=settings.anthropic_model,
        max_steps=settings.chat_max_steps,
    )
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            _stream(events, runtime, turn),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    done: dict[str, Any] = {}
    try:
        async for event in events:
            if event.kind == "done":
                done = event.data
    finally:
        await _save(runtime, turn)
    return json_response(done)


@router.get("/conversations")
async def conversations(principal: PrincipalDep, session: SessionDep) -> Response:
    """The user's 50 most recent conversations, newest first."""
    rows = await session.execute(
        select(Conversation.id, Conversation.title, Conversation.updated_at)
        .where(Conversation.user_id == principal.user_id)
        .order_by(Conversation.updated_at.desc())
        .limit(50)
    )
    items = [{"id": str(r.id), "title": r.title, "updated_at": r.updated_at} for r in rows]
    return json_response({"items": items})


@router.get("/conversations/{conversation_id}")
async def conversation(
    conversation_id: uuid.UUID, principal: PrincipalDep, session: SessionDep
) -> Response:
    history = await conversation_history(
        session, user_id=principal.user_id, conversation_id=conversation_id
    )
    return json_response(history)
