"""Reading the trail: a task's history (oldest first), the user's trail (newest first) with
filters, keyset pages on the chain's sequence number, and verifying the chain."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aioredis
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.errors import Problem
from services.audit import checkpoints
from services.audit.chain import Verification
from services.audit.entries import entry
from services.audit.models import audit_chain_heads, audit_events

_LISTED = [c for c in audit_events.c if c.name not in ("prev_hash", "hash", "user_id")]


@dataclass(frozen=True)
class TrailFilter:
    types: tuple[str, ...] = ()
    task_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def encode_cursor(scope: str, seq: int) -> str:
    raw = orjson.dumps([scope, seq])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> int:
    """The seq a cursor continues after; 400 for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_scope, seq = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise Problem(
            400, "cursor: not a cursor this API returned; start again without it"
        ) from None
    if cursor_scope != scope or not isinstance(seq, int) or isinstance(seq, bool):
        raise Problem(400, "cursor: it belongs to a different listing; start again without it")
    if not 0 <= seq < 2**63:  # a bigint: anything else would fail in the database
        raise Problem(400, "cursor: it belongs to a different listing; start again without it")
    return seq


async def _page(
    session: AsyncSession, query: Select, *, scope: str, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rows = (await session.execute(query.limit(limit + 1))).mappings().all()
    items = [entry(row) for row in rows[:limit]]
    next_cursor = encode_cursor(scope, rows[limit - 1]["seq"]) if len(rows) > limit else None
    return items, next_cursor


async def task_history(
    session: AsyncSession, *, user_id: uuid.UUID, task_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a task's entries, oldest first; 404 when the user has none for it."""
    scope = f"task:{task_id}"
    query = select(*_LISTED).where(
        audit_events.c.task_id == task_id, audit_events.c.user_id == user_id
    )
    if cursor:
        query = query.where(audit_events.c.seq > decode_cursor(cursor, scope))
    items, next_cursor = await _page(
        session, query.order_by(audit_events.c.seq), scope=scope, limit=limit
    )
    if not items and not cursor:
        raise Problem(404, "Task not found in your audit trail")
    return items, next_cursor


async def trail(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    filters: TrailFilter,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the user's entries, newest first, narrowed by `filters`."""
    query = select(*_LISTED).where(audit_events.c.user_id == user_id)
    if filters.types:
        query = query.where(audit_events.c.type.in_(filters.types))
    if filters.task_id is not None:
        query = query.where(audit_events.c.task_id == filters.task_id)
    if filters.since is not None:
        query = query.where(audit_events.c.time >= filters.since)
    if filters.until is not None:
        query = query.where(audit_events.c.time < filters.until)
    if cursor:
        query = query.where(audit_events.c.seq < decode_cursor(cursor, "trail"))
    return await _page(
        session, query.order_by(audit_events.c.seq.desc()), scope="trail", limit=limit
    )


async def verify_trail(
    session: AsyncSession, *, user_id: uuid.UUID, key: bytes, redis: aioredis.Redis
) -> Verification:
    """Recompute the user's chain row by row against its checkpoint (read first: it never
    names a row the head read after it does not cover); the first problem is reported."""
    checkpoint = await checkpoints.read(redis, str(user_id))
    head = (
        await session.execute(
            select(audit_chain_heads.c.seq, audit_chain_heads.c.hash).where(
                audit_chain_heads.c.user_id == user_id
            )
        )
    ).first()
    query = select(audit_events).where(audit_events.c.user_id == user_id)
    if head is not None:
        # rows committed after the head was read are the next verification's
        query = query.where(audit_events.c.seq <= head.seq)
    result = await session.stream(
        query.order_by(audit_events.c.seq).execution_options(yield_per=2000)
    )
    verification = Verification(key=key, checkpoint=checkpoint)
    async for row in result.mappings():
        if not verification.check(row):
            await result.close()
            return verification
    if head is None and verification.checked:
        verification.ok = False
        verification.first_bad = {"seq": None, "event_id": None, "reason": "the head is missing"}
        return verification
    return verification.finish((head.seq, bytes(head.hash)) if head is not None else None)
