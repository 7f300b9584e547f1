"""Listing tasks: filters, full-text search, sorts and keyset (cursor) pagination."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.errors import Problem
from backend.tags.models import Tag, task_tags
from backend.tasks.models import DUE_SORT_SQL, PRIORITIES, Task
from backend.tasks.schemas import task_payload

_WORD = re.compile(r"\w+", re.UNICODE)
_DUE_DESC_SQL = "coalesce(due_at, '-infinity'::timestamptz)"


@dataclass(frozen=True)
class TaskFilter:
    q: str | None = None
    status: str | None = None
    priorities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    due_before: datetime | None = None
    due_after: datetime | None = None
    deleted: bool = False


def _sort_expression(sort: str) -> tuple[ColumnElement[Any], bool]:
    """(expression, descending) for a sort key of api.md."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "due_date":
        sql = _DUE_DESC_SQL if descending else DUE_SORT_SQL
        return literal_column(sql), descending
    if name == "priority":
        return Task.priority, descending
    if name == "title":
        return func.lower(Task.title), descending
    return Task.created_at, descending


def encode_cursor(sort: str, value: Any, task_id: uuid.UUID) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([sort, value, str(task_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, task_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["t"])
        parsed_id = uuid.UUID(task_id)
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise Problem(
            400, "cursor: not a cursor this API returned; start again without it"
        ) from None
    if cursor_sort != sort:
        raise Problem(400, "cursor: it belongs to a different sort; start again without it")
    return value, parsed_id


def _search_query(text: str) -> ColumnElement[Any] | None:
    words = _WORD.findall(text.lower())[:16]
    if not words:
        return None
    query = " & ".join(f"{word}:*" for word in words)
    return Task.search_vector.op("@@")(func.to_tsquery("simple", query))


_COLUMNS = [c for c in Task.__table__.c if c.key != "search_vector"]
_TAG_NAMES = (
    select(func.array_agg(aggregate_order_by(Tag.name, func.lower(Tag.name))))
    .select_from(task_tags.join(Tag, Tag.id == task_tags.c.tag_id))
    .where(task_tags.c.task_id == Task.id)
    .scalar_subquery()
    .label("tag_names")
)


def _filtered(user_id: uuid.UUID, f: TaskFilter) -> Select[Any]:
    """Rows of the task columns plus `tag_names`, without loading ORM objects (pages are hot)."""
    query = select(*_COLUMNS, _TAG_NAMES).where(Task.user_id == user_id)
    query = query.where(Task.deleted_at.isnot(None) if f.deleted else Task.deleted_at.is_(None))
    if f.status:
        query = query.where(Task.status == f.status)
    if f.priorities:
        query = query.where(Task.priority.in_([PRIORITIES.index(p) for p in f.priorities]))
    if f.due_before is not None:
        query = query.where(Task.due_at < f.due_before)
    if f.due_after is not None:
        query = query.where(Task.due_at >= f.due_after)
    for name in dict.fromkeys(t.lower() for t in f.tags):
        has_tag = (
            select(task_tags.c.task_id)
            .join(Tag, Tag.id == task_tags.c.tag_id)
            .where(task_tags.c.task_id == Task.id, func.lower(Tag.name) == name)
            .exists()
        )
        query = query.where(has_tag)
    if f.q and (search := _search_query(f.q)) is not None:
        query = query.where(search)
    return query


async def list_tasks(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    filters: TaskFilter,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the user's tasks as API payloads, and the cursor of the next page."""
    expression, descending = _sort_expression(sort)
    query = _filtered(user_id, filters).add_columns(expression.label("sort_value"))
    if cursor:
        value, after_id = decode_cursor(cursor, sort)
        key = tuple_(expression, Task.id)
        query = query.where(key < (value, after_id) if descending else key > (value, after_id))
    order = (expression.desc(), Task.id.desc()) if descending else (expression, Task.id)
    rows = (await session.execute(query.order_by(*order).limit(limit + 1))).all()
    items = [task_payload(row, tags=row.tag_names or []) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(sort, last.sort_value, last.id)
    return items, next_cursor
