"""Listing tasks: filters, full-text search, sorts and keyset (cursor) pagination."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from backend.platform.errors import Problem
from backend.platform.text import check_text
from backend.tasks.models import PRIORITIES
from backend.tasks.schemas import task_payload
from backend.tasks.sql import SORTS, Database, PageQuery, fetch_page, page_sql

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TaskFilter:
    q: str | None = None
    status: str | None = None
    priorities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    due_before: datetime | None = None
    due_after: datetime | None = None
    deleted: bool = False


def _plain(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def encode_cursor(sort: str, values: tuple[Any, ...], task_id: uuid.UUID) -> str:
    """The position after a task: its sort value(s) (then its creation time, for ties) and id."""
    raw = json.dumps(
        [sort, [_plain(v) for v in values], str(task_id)], separators=(",", ":")
    ).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sort_value(sort: str, value: Any) -> Any:
    """The cursor's sort value if it has the type its sort compares (a hand-made cursor with
    another type reached PostgreSQL as a wrong parameter: a 500); ValueError otherwise."""
    kind = SORTS.get(sort.lstrip("-"), SORTS["created_at"])[2]
    if kind == "timestamptz":
        return datetime.fromisoformat(value["t"])  # naive: asyncpg's ±infinity
    if kind == "int" and type(value) is int and -(2**31) <= value < 2**31:
        return value
    if kind == "text" and isinstance(value, str):
        return check_text(value)
    raise ValueError(f"not a {kind} value")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, ...]:
    """(sort values..., task id) of a cursor `encode_cursor` made for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values, task_id = json.loads(raw)
        parsed_id = uuid.UUID(task_id)
    except (ValueError, TypeError, KeyError, AttributeError, json.JSONDecodeError):
        raise Problem(
            400, "cursor: not a cursor this API returned; start again without it"
        ) from None
    if cursor_sort != sort:
        raise Problem(400, "cursor: it belongs to a different sort; start again without it")
    # the sort's own value, then (for ties) the creation time: each of the type its column has
    kinds = [sort] + ["created_at"] * (len(values) - 1) if isinstance(values, list) else []
    try:
        if not kinds or len(values) > 2:
            raise ValueError("not a cursor's values")
        typed = tuple(
            None if value is None and n == 0 else _sort_value(kind, value)
            for n, (kind, value) in enumerate(zip(kinds, values, strict=True))
        )
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        raise Problem(
            400, "cursor: not a cursor this API returned; start again without it"
        ) from None
    return (*typed, parsed_id)


def _search_query(text: str) -> str | None:
    words = _WORD.findall(text.lower())[:16]
    if not words:
        return None
    return " & ".join(f"{word}:*" for word in words)


def _page_query(user_id: uuid.UUID, f: TaskFilter) -> PageQuery:
    return PageQuery(
        user_id=user_id,
        deleted=f.deleted,
        status=f.status,
        priorities=[PRIORITIES.index(p) for p in f.priorities],
        due_before=f.due_before,
        due_after=f.due_after,
        tags=list(dict.fromkeys(f.tags)),  # folded by PostgreSQL's lower(), as tags are stored
        tsquery=_search_query(f.q) if f.q else None,
    )


async def list_tasks(
    db: Database,
    *,
    user_id: uuid.UUID,
    filters: TaskFilter,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the user's tasks as API payloads, and the cursor of the next page."""
    after = decode_cursor(cursor, sort) if cursor else None
    sql, params = page_sql(_page_query(user_id, filters), sort=sort, after=after, limit=limit)
    rows = await fetch_page(db, sql, params)
    # task_payload reads attributes; a namespace per record is cheaper than ORM rows.
    items = [
        task_payload(SimpleNamespace(**row), tags=row["tag_names"] or []) for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        values = (last["sort_value"],)
        if sort.lstrip("-") != "created_at":
            values = (last["sort_value"], last["created_at"])
        next_cursor = encode_cursor(sort, values, last["id"])
    return items, next_cursor
