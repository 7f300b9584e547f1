"""The hand-written SQL of the task API's hot paths, run on the session's asyncpg connection.

Why raw SQL here: these are the two requests every client makes most (create a task, list a
page), and through SQLAlchemy each cost more Python than PostgreSQL time. Creating a task
through the ORM took two unit-of-work flushes (task, then outbox row) at ~0.3-0.4 ms each,
and the caller's user was loaded as an ORM object only to read its time zone. Here the task,
its tags and its outbox event go to PostgreSQL in one statement (one round trip, prepared once
per connection by asyncpg), inside the caller's transaction, so the outbox stays exactly-once:
the event commits or rolls back with the task. A page of 50 tasks through the ORM spent about
as long building the statement and reading `Row` attributes as the rest of the request; here
the page is one prepared statement whose WHERE clause is assembled from fixed fragments (user
input only ever travels as parameters). Validation, payloads and events stay in the service.

The functions take either the request's `AsyncSession` (they then run on its connection, in
its transaction) or a bare pooled asyncpg connection (`Runtime.connection()`), which the two
routes use so that no ORM session is built for them at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg
import orjson
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.db import raw_connection
from backend.platform.errors import Problem
from backend.platform.events.outbox import outbox_values
from backend.tags.service import default_color
from backend.tasks.models import DUE_SORT_SQL, Task

Database = AsyncSession | asyncpg.Connection
"""The request's ORM session, or a bare pooled connection."""

USER_TIMEZONE = "SELECT timezone FROM users WHERE id = $1"

TASK_COLUMNS = (
    "id, user_id, title, description, status, priority, due_at, all_day, timezone, reminders, "
    "recurrence, series_id, idempotency_key, version, created_at, updated_at, completed_at, "
    "deleted_at"
)
_TAG_NAMES = (
    "(SELECT array_agg(tags.name ORDER BY lower(tags.name)) FROM task_tags "
    "JOIN tags ON tags.id = task_tags.tag_id WHERE task_tags.task_id = tasks.id) AS tag_names"
)
_HAS_TAG = (
    "EXISTS (SELECT 1 FROM task_tags JOIN tags ON tags.id = task_tags.tag_id "
    "WHERE task_tags.task_id = tasks.id AND lower(tags.name) = lower(${}))"
)
# sort key -> (ascending expression, descending expression, type of its cursor value).
# The due-date expressions match the ix_tasks_user_due index (nulls sort last both ways).
SORTS: dict[str, tuple[str, str, str]] = {
    "created_at": ("created_at", "created_at", "timestamptz"),
    "due_date": (DUE_SORT_SQL, "coalesce(due_at, '-infinity'::timestamptz)", "timestamptz"),
    "priority": ("priority", "priority", "int"),
    "title": ("lower(title)", "lower(title)", "text"),
}


# What a cursor's value must be for each SQL type (a forged one would otherwise reach asyncpg).
_CURSOR_TYPES: dict[str, Callable[[Any], bool]] = {
    # Naive too: asyncpg reads 'infinity' (no due date) as a naive datetime.max, and writes
    # it back as 'infinity'.
    "timestamptz": lambda v: isinstance(v, datetime),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and -32768 <= v <= 32767,
    "text": lambda v: isinstance(v, str),
}


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A page's filters as SQL conditions; build with `page_sql`."""

    user_id: uuid.UUID
    deleted: bool = False
    status: str | None = None
    priorities: list[int] = field(default_factory=list)
    due_before: datetime | None = None
    due_after: datetime | None = None
    tags: list[str] = field(default_factory=list)
    tsquery: str | None = None


def page_sql(
    page: PageQuery, *, sort: str, after: tuple[Any, ...] | None, limit: int
) -> tuple[str, list[Any]]:
    """(SQL, parameters) for one page: task columns, `tag_names` and `sort_value`."""
    descending = sort.startswith("-")
    ascending_sql, descending_sql, value_type = SORTS.get(sort.lstrip("-"), SORTS["created_at"])
    expression = descending_sql if descending else ascending_sql
    params: list[Any] = [page.user_id]

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    where = ["user_id = $1", "deleted_at IS NOT NULL" if page.deleted else "deleted_at IS NULL"]
    if page.status:
        where.append(f"status = {param(page.status)}")
    if page.priorities:
        where.append(f"priority = ANY({param(page.priorities)}::smallint[])")
    if page.due_before is not None:
        where.append(f"due_at < {param(page.due_before)}")
    if page.due_after is not None:
        where.append(f"due_at >= {param(page.due_after)}")
    for name in page.tags:
        params.append(name)
        where.append(_HAS_TAG.format(len(params)))
    if page.tsquery is not None:
        where.append(f"search_vector @@ to_tsquery('simple', {param(page.tsquery)})")
    # Ties (the same due date, priority or title; every task without a due date) keep the
    # order they were created in, not the random order of their ids.
    keys = [expression] if expression == "created_at" else [expression, "created_at"]
    if after is not None:
        *values, after_id = after
        op = "<" if descending else ">"
        types = [value_type, "timestamptz"][: len(keys)]
        if len(values) != len(keys) or not all(
            _CURSOR_TYPES[t](v) for v, t in zip(values, types, strict=False)
        ):
            raise Problem(400, "cursor: not a cursor this API returned; start again without it")
        placeholders = [f"{param(v)}::{t}" for v, t in zip(values, types, strict=True)]
        where.append(
            f"({', '.join(keys)}, id) {op} ({', '.join(placeholders)}, {param(after_id)}::uuid)"
        )
    direction = "DESC" if descending else "ASC"
    order = ", ".join(f"{key} {direction}" for key in [*keys, "id"])
    sql = (
        f"SELECT {TASK_COLUMNS}, {_TAG_NAMES}, {expression} AS sort_value FROM tasks "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT {int(limit) + 1}"
    )
    return sql, params


async def _connection(db: Database, *, begin: bool = True) -> asyncpg.Connection:
    if isinstance(db, asyncpg.Connection):
        return db
    return await raw_connection(db, begin=begin)


async def fetch_page(db: Database, sql: str, params: list[Any]) -> list[asyncpg.Record]:
    return await (await _connection(db, begin=False)).fetch(sql, *params)


# JSON goes in as text and is cast in SQL, so it does not depend on the connection's codecs.
# `recurrence` None is stored as JSON null, as the ORM stored it.
INSERT_TASK_WITH_EVENT = """
WITH new_task AS (
    INSERT INTO tasks (id, user_id, title, description, status, priority, due_at, all_day,
                       timezone, reminders, recurrence, series_id, idempotency_key, version,
                       created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11::text::jsonb, $12, $13,
            $14, $15, $15)
), new_tags AS (
    INSERT INTO task_tags (task_id, tag_id) SELECT $1, unnest($16::uuid[])
)
INSERT INTO outbox (event_id, topic, partition_key, event_type, event)
VALUES ($17, $18, $19, $20, $21::text::jsonb)
"""


async def user_timezone(db: Database, user_id: uuid.UUID) -> str:
    """The user's default time zone; 401 (as `accounts.service.get_user`) if the account is gone."""
    timezone = await (await _connection(db)).fetchval(USER_TIMEZONE, user_id)
    if timezone is None:
        raise Problem(401, "This account no longer exists", headers={"WWW-Authenticate": "Bearer"})
    return timezone


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class TagRef(NamedTuple):
    """A tag as a new task needs it: its id for the link row, its name for the payload."""

    id: uuid.UUID
    name: str


# What `backend.tags.service.resolve_tags` does through the ORM, for a bare connection.
INSERT_TAGS = """
INSERT INTO tags (id, user_id, name, color)
SELECT id, $1::uuid, name, color FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(id, name, color)
ON CONFLICT (user_id, lower(name)) DO NOTHING
"""
# PostgreSQL's lower() decides which names are the same tag (the unique index uses it), never
# Python's str.lower(): they differ beyond ASCII (under the C locale lower('Å') is 'Å').
SELECT_TAGS = """
SELECT tags.id, tags.name FROM unnest($2::text[]) WITH ORDINALITY AS asked(name, position)
JOIN tags ON tags.user_id = $1 AND lower(tags.name) = lower(asked.name)
ORDER BY asked.position
"""


async def resolve_tag_refs(
    connection: asyncpg.Connection, *, user_id: uuid.UUID, names: list[str]
) -> list[TagRef]:
    """The user's tags with these names (case-insensitive, first spelling wins), creating the
    missing ones, in the order asked; as `resolve_tags`, in the caller's transaction."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    new = list(wanted.values())
    await connection.execute(
        INSERT_TAGS,
        user_id,
        [uuid.uuid4() for _ in new],
        new,
        [default_color(name) for name in new],
    )
    rows = await connection.fetch(SELECT_TAGS, user_id, new)
    refs: dict[uuid.UUID, TagRef] = {}
    for row in rows:  # two names PostgreSQL folds together are one tag, in its first place
        refs.setdefault(row["id"], TagRef(row["id"], row["name"]))
    return list(refs.values())


async def insert_task(
    connection: asyncpg.Connection, task: Any, *, topic: str, event: dict[str, Any]
) -> None:
    """Insert the new `task` (an ORM `Task` or a `service.NewTask`, with its tags) and its
    outbox `event` in one statement: atomic by itself, or part of the caller's transaction."""
    row = outbox_values(topic=topic, event=event)
    try:
        await connection.execute(
            INSERT_TASK_WITH_EVENT,
            task.id,
            task.user_id,
            task.title,
            task.description,
            task.status,
            task.priority,
            task.due_at,
            task.all_day,
            task.timezone,
            _json(task.reminders),
            _json(task.recurrence),
            task.series_id,
            task.idempotency_key,
            task.version,
            task.created_at,
            [tag.id for tag in task.tags],
            row["event_id"],
            row["topic"],
            row["partition_key"],
            row["event_type"],
            _json(row["event"]),
        )
    except asyncpg.IntegrityConstraintViolationError as error:
        # Callers (recurring occurrences) rely on SQLAlchemy's IntegrityError, as from a flush.
        raise IntegrityError(INSERT_TASK_WITH_EVENT, None, error) from error


async def insert_task_with_event(
    session: AsyncSession, task: Task, *, topic: str, event: dict[str, Any]
) -> None:
    """Insert the new `task` (with its tags) and its outbox `event` in one statement, then make
    `task` a persistent, unmodified object of the session (no ORM flush follows)."""
    await insert_task(await raw_connection(session), task, topic=topic, event=event)
    task.completed_at = None
    task.deleted_at = None
    # What a flush does after its INSERT: the pending task becomes persistent and clean, in the
    # identity map, and tracked as new in this transaction (so a rollback detaches it as
    # transient with its attributes, exactly as for an ORM-inserted row).
    session.add(task)
    session.sync_session._register_persistent({inspect(task)})
