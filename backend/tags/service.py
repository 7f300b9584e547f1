"""Tag operations: resolving names to tags, and the tag CRUD behind the routes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Sequence

import orjson
from sqlalchemy import delete, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.errors import Problem, not_found
from backend.platform.text import check_text
from backend.tags.models import Tag, task_tags

PALETTE = ("#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6", "#8b5cf6", "#ec4899")


def default_color(name: str) -> str:
    digest = hashlib.sha256(name.lower().encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


async def resolve_tags(
    session: AsyncSession, *, user_id: uuid.UUID, names: Sequence[str]
) -> list[Tag]:
    """The user's tags with these names (case-insensitive), creating the missing ones."""
    from backend.platform.db import raw_connection
    from backend.tasks.sql import resolve_tag_refs

    refs = await resolve_tag_refs(await raw_connection(session), user_id=user_id, names=list(names))
    if not refs:
        return []
    rows = await session.scalars(select(Tag).where(Tag.id.in_([ref.id for ref in refs])))
    by_id = {tag.id: tag for tag in rows}
    return [by_id[ref.id] for ref in refs]


def encode_cursor(key: str, tag_id: uuid.UUID) -> str:
    raw = orjson.dumps([key, str(tag_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    """(the folded name, the id) a page continues after; 400 for anything else."""
    try:
        key, tag_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return check_text(key), uuid.UUID(tag_id)
    except (binascii.Error, ValueError, TypeError, AttributeError, orjson.JSONDecodeError):
        raise Problem(
            400, "cursor: not a cursor this API returned; start again without it"
        ) from None


async def list_tags(
    session: AsyncSession, *, user_id: uuid.UUID, limit: int, cursor: str | None = None
) -> tuple[list[tuple[Tag, int]], str | None]:
    """One page of the user's tags by name, with their live task counts, and the cursor of
    the next page."""
    from backend.tasks.models import Task

    live_count = (
        select(func.count())
        .select_from(task_tags.join(Task, Task.id == task_tags.c.task_id))
        .where(task_tags.c.tag_id == Tag.id, Task.deleted_at.is_(None))
        .scalar_subquery()
    )
    key = func.lower(Tag.name)
    query = select(Tag, live_count, key).where(Tag.user_id == user_id)
    if cursor:
        after_key, after_id = decode_cursor(cursor)
        query = query.where(tuple_(key, Tag.id) > tuple_(literal(after_key), literal(after_id)))
    rows = (await session.execute(query.order_by(key, Tag.id).limit(limit + 1))).all()
    next_cursor = (
        encode_cursor(rows[limit - 1][2], rows[limit - 1][0].id) if len(rows) > limit else None
    )
    return [(tag, count) for tag, count, _ in rows[:limit]], next_cursor


async def get_tag(session: AsyncSession, *, user_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    tag = await session.scalar(select(Tag).where(Tag.id == tag_id, Tag.user_id == user_id))
    if tag is None:
        raise not_found("Tag")
    return tag


def _name_taken(name: str) -> Problem:
    return Problem(409, f"You already have a tag named '{name}'")


async def create_tag(
    session: AsyncSession, *, user_id: uuid.UUID, name: str, color: str | None
) -> Tag:
    tag_id = await session.scalar(
        insert(Tag)
        .values(id=uuid.uuid4(), user_id=user_id, name=name, color=color or default_color(name))
        .on_conflict_do_nothing(index_elements=[Tag.user_id, func.lower(Tag.name)])
        .returning(Tag.id)
    )
    if tag_id is None:
        raise _name_taken(name)
    return await get_tag(session, user_id=user_id, tag_id=tag_id)


async def update_tag(
    session: AsyncSession, *, tag: Tag, name: str | None, color: str | None
) -> Tag:
    if color is not None:
        tag.color = color
    if name is not None and name != tag.name:
        tag.name = name
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise _name_taken(name) from None
    await session.flush()
    return tag


async def delete_tag(session: AsyncSession, *, tag: Tag) -> None:
    await session.execute(delete(Tag).where(Tag.id == tag.id))
