"""Task operations. Callers own the transaction; each mutation stages exactly one event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.db import utcnow
from backend.platform.errors import Problem, not_found
from backend.platform.events.cloudevent import TASK_EVENTS, EventType, make_cloudevent
from backend.platform.events.outbox import add_to_outbox
from backend.tags.models import Tag
from backend.tags.service import resolve_tags
from backend.tasks.models import PRIORITIES, Task
from backend.tasks.schemas import (
    ReminderIn,
    TaskCreate,
    TaskReplace,
    TaskUpdate,
    iso,
    task_payload,
)
from backend.tasks.sql import (
    TagRef,
    insert_task,
    insert_task_with_event,
    resolve_tag_refs,
    user_timezone,
)

SOURCE = "taskflow/api"
EDITABLE = (
    "title",
    "description",
    "priority",
    "tags",
    "due_at",
    "all_day",
    "timezone",
    "reminders",
    "recurrence",
)


def user_actor(user_id: uuid.UUID) -> dict[str, str]:
    return {"kind": "user", "id": str(user_id)}


async def get_owned_task(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    deleted: bool | None = False,
    for_update: bool = False,
) -> Task:
    """The user's task; 404 when it is missing, someone else's, or (un)deleted unlike asked
    (`deleted=None`: either)."""
    query = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    if deleted is not None:
        query = query.where(Task.deleted_at.isnot(None) if deleted else Task.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    task = await session.scalar(query)
    if task is None:
        raise not_found("Task")
    return task


def check_version(task: Task, if_match: str | None) -> None:
    """Optimistic concurrency: `If-Match` must name the task's current version."""
    if if_match is None:
        return
    wanted = if_match.strip().removeprefix("W/").strip('"')
    if wanted == "*":
        return
    if wanted != str(task.version):
        raise Problem(
            412,
            f"The task changed since you loaded it (now version {task.version}); "
            "reload it and try again",
            current_version=task.version,
        )


def _reminder_key(reminder: dict[str, Any]) -> tuple[str, str]:
    if reminder.get("offset_minutes") is not None:
        return ("offset", str(reminder["offset_minutes"]))
    return ("at", str(reminder["at"]))


def _reminders(given: list[ReminderIn], previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored reminders with stable ids: an unchanged reminder keeps the id it had."""
    known = {_reminder_key(r): r["id"] for r in previous}
    result: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for reminder in given:
        stored: dict[str, Any] = (
            {"offset_minutes": reminder.offset_minutes}
            if reminder.offset_minutes is not None
            else {"at": iso(reminder.at)}
        )
        key = _reminder_key(stored)
        if key in seen:
            continue
        seen.add(key)
        stored["id"] = known.get(key) or uuid.uuid4().hex[:16]
        result.append(stored)
    return result


def _all_day_due(due_at: datetime, zone: str) -> datetime:
    local = due_at.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(0), tzinfo=ZoneInfo(zone))


def _set_recurrence(task: Task, recurrence: Any) -> None:
    """A new or changed rule starts a new series at this task; an unchanged one keeps its place
    (`index`, the task's 1-based position in its series, which COUNT is checked against)."""
    if recurrence is None:
        task.recurrence = None
        return
    current = task.recurrence or {}
    unchanged = (current.get("rrule"), current.get("from")) == (recurrence.rrule, recurrence.from_)
    if unchanged and task.series_id is not None:
        return
    task.recurrence = {"rrule": recurrence.rrule, "from": recurrence.from_, "index": 1}
    task.series_id = task.id


def _validate(task: Task) -> None:
    if task.due_at is None:
        if any(r.get("offset_minutes") is not None for r in task.reminders):
            raise Problem(
                422, "reminders: a reminder with offset_minutes needs the task to have a due_at"
            )
        if task.recurrence and task.recurrence.get("from") == "due":
            raise Problem(
                422,
                "recurrence: repeating from the due date needs a due_at "
                "(or use from: 'completion')",
            )


def _apply_fields(task: Any, values: dict[str, Any], *, fields: set[str]) -> None:
    """Every editable field but `tags` (which needs the database)."""
    if "title" in fields:
        task.title = values["title"]
    if "description" in fields:
        task.description = values["description"]
    if "priority" in fields:
        task.priority = PRIORITIES.index(values["priority"])
    if "timezone" in fields and values["timezone"] is not None:
        task.timezone = values["timezone"]
    if "due_at" in fields:
        task.due_at = values["due_at"]
    if "all_day" in fields:
        task.all_day = values["all_day"]
    if "reminders" in fields:
        task.reminders = _reminders(values["reminders"], task.reminders or [])
    if "recurrence" in fields:
        _set_recurrence(task, values["recurrence"])


def _finish(task: Any) -> None:
    """What follows from the fields together: an all-day due date, and the checks across them."""
    if task.all_day and task.due_at is not None:
        task.due_at = _all_day_due(task.due_at, task.timezone)
    _validate(task)


async def _apply(
    session: AsyncSession, task: Task, values: dict[str, Any], *, fields: set[str]
) -> None:
    _apply_fields(task, values, fields=fields)
    if "tags" in fields:
        tags = await resolve_tags(session, user_id=task.user_id, names=values["tags"])
        task.tags = sorted(tags, key=lambda tag: tag.name.lower())
    _finish(task)


def _task_event(
    task: Task,
    event_type: EventType,
    *,
    changes: dict[str, list[Any]],
    actor: dict[str, str],
) -> dict[str, Any]:
    payload = task_payload(task)
    return make_cloudevent(
        type=event_type,
        source=SOURCE,
        subject=str(task.id),
        time=task.updated_at,
        data={
            "user_id": str(task.user_id),
            "task": payload,
            "version": task.version,
            "changes": changes,
            "actor": actor,
        },
    )


def _stage_event(
    session: AsyncSession,
    task: Task,
    event_type: EventType,
    *,
    changes: dict[str, list[Any]],
    actor: dict[str, str],
) -> None:
    event = _task_event(task, event_type, changes=changes, actor=actor)
    add_to_outbox(session, topic=TASK_EVENTS, event=event)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = (*EDITABLE, "status", "completed_at", "deleted_at", "series_id")
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


@dataclass(slots=True, kw_only=True)
class NewTask:
    """A task created without the ORM (`add_task`): the attributes of `Task` that the service,
    `task_payload` and the insert read, with the tags as `TagRef`s."""

    id: uuid.UUID
    user_id: uuid.UUID
    title: str = ""
    description: str = ""
    status: str = "pending"
    priority: int = 1
    due_at: datetime | None = None
    all_day: bool = False
    timezone: str
    reminders: list[dict[str, Any]]
    recurrence: dict[str, Any] | None
    series_id: uuid.UUID | None
    idempotency_key: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    deleted_at: datetime | None = None
    tags: list[TagRef] = field(default_factory=list)


_T = TypeVar("_T", Task, NewTask)


def _new_task(
    kind: type[_T], *, user_id: uuid.UUID, timezone: str, idempotency_key: str | None
) -> _T:
    now = utcnow()
    task = kind(
        id=uuid.uuid4(),
        user_id=user_id,
        status="pending",
        timezone=timezone,
        reminders=[],
        recurrence=None,
        series_id=None,
        idempotency_key=idempotency_key,
        version=1,
        created_at=now,
        updated_at=now,
    )
    task.tags = []
    return task


def _create_values(data: TaskCreate) -> dict[str, Any]:
    values = data.model_dump(exclude={"reminders", "recurrence"})
    values["reminders"] = data.reminders
    values["recurrence"] = data.recurrence
    return values


async def create_task(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    default_timezone: str,
    data: TaskCreate,
    actor: dict[str, str],
    series: tuple[uuid.UUID, int] | None = None,
    idempotency_key: str | None = None,
) -> Task:
    """A new task; `series` (series id, index) places it in an existing recurring series."""
    task = _new_task(
        Task,
        user_id=user_id,
        timezone=data.timezone or default_timezone,
        idempotency_key=idempotency_key,
    )
    await _apply(session, task, _create_values(data), fields=set(EDITABLE))
    if series is not None and task.recurrence is not None:
        task.series_id = series[0]
        task.recurrence = {**task.recurrence, "index": series[1]}
    # The hottest write: task, tags and event in one raw statement (see backend/tasks/sql.py).
    event = _task_event(task, EventType.TASK_CREATED, changes={}, actor=actor)
    await insert_task_with_event(session, task, topic=TASK_EVENTS, event=event)
    return task


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedState:
    """What an imported task brings besides its editable fields (see `import_task`)."""

    status: str = "pending"
    created_at: datetime | None = None
    completed_at: datetime | None = None
    deleted_at: datetime | None = None
    series: tuple[uuid.UUID, int] | None = None
    idempotency_key: str | None = None


async def import_task(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    default_timezone: str,
    data: TaskCreate,
    tags: list[Tag],
    state: ImportedState,
    actor: dict[str, str],
) -> Task:
    """A task brought in from an export: `create_task` with its tags already resolved, its
    state (completed, in the trash) and its creation time kept; one `task.created` event
    showing it as imported."""
    task = _new_task(
        Task,
        user_id=user_id,
        timezone=data.timezone or default_timezone,
        idempotency_key=state.idempotency_key,
    )
    await _apply(session, task, _create_values(data), fields=set(EDITABLE) - {"tags"})
    task.tags = sorted(tags, key=lambda tag: tag.name.lower())
    if state.series is not None and task.recurrence is not None:
        task.series_id = state.series[0]
        task.recurrence = {**task.recurrence, "index": state.series[1]}
    if state.created_at is not None:
        task.created_at = state.created_at
    done = state.status == "completed"
    task.status = state.status
    kept = {"completed_at": (state.completed_at or task.updated_at) if done else None}
    kept["deleted_at"] = state.deleted_at
    task.completed_at, task.deleted_at = kept["completed_at"], kept["deleted_at"]
    event = _task_event(task, EventType.TASK_CREATED, changes={}, actor=actor)
    await insert_task_with_event(session, task, topic=TASK_EVENTS, event=event)
    if kept["completed_at"] is not None or kept["deleted_at"] is not None:
        task.completed_at, task.deleted_at = kept["completed_at"], kept["deleted_at"]
        await session.flush()
    return task


async def add_task(
    connection: asyncpg.Connection,
    *,
    user_id: uuid.UUID,
    data: TaskCreate,
    actor: dict[str, str],
) -> NewTask:
    """`create_task` for a caller holding a bare pooled connection (POST /api/v1/tasks): the
    same task, checks and event, without an ORM session or object (~0.3 ms less CPU).

    Everything is checked before anything is written. Without tags, the one INSERT (task and
    outbox event together) is a transaction of its own; with tags, creating the missing ones
    and the INSERT share one, so a failure leaves neither.
    """
    default_timezone = await user_timezone(connection, user_id)
    task = _new_task(
        NewTask,
        user_id=user_id,
        timezone=data.timezone or default_timezone,
        idempotency_key=None,
    )
    _apply_fields(task, _create_values(data), fields=set(EDITABLE))
    _finish(task)
    if not data.tags:
        event = _task_event(task, EventType.TASK_CREATED, changes={}, actor=actor)
        await insert_task(connection, task, topic=TASK_EVENTS, event=event)
        return task
    async with connection.transaction():
        tags = await resolve_tag_refs(connection, user_id=user_id, names=data.tags)
        task.tags = sorted(tags, key=lambda tag: tag.name.lower())
        event = _task_event(task, EventType.TASK_CREATED, changes={}, actor=actor)
        await insert_task(connection, task, topic=TASK_EVENTS, event=event)
    return task


async def _mutate(
    session: AsyncSession,
    task: Task,
    event_type: EventType,
    actor: dict[str, str],
    change: Any,
) -> Task:
    """Run `change(task)`; if anything changed, bump the version and stage one event."""
    before = task_payload(task)
    await change(task)
    after = task_payload(task)
    changes = _diff(before, after)
    if not changes:
        return task
    task.version += 1
    task.updated_at = utcnow()
    await session.flush()
    _stage_event(session, task, event_type, changes=changes, actor=actor)
    return task


async def update_task(
    session: AsyncSession, *, task: Task, data: TaskUpdate, actor: dict[str, str]
) -> Task:
    fields = set(data.model_fields_set)
    values = {name: getattr(data, name) for name in fields}

    async def change(t: Task) -> None:
        await _apply(session, t, values, fields=fields)

    return await _mutate(session, task, EventType.TASK_UPDATED, actor, change)


async def replace_task(
    session: AsyncSession, *, task: Task, data: TaskReplace, actor: dict[str, str]
) -> Task:
    values = {name: getattr(data, name) for name in EDITABLE}

    async def change(t: Task) -> None:
        await _apply(session, t, values, fields=set(EDITABLE))

    return await _mutate(session, task, EventType.TASK_UPDATED, actor, change)


async def complete_task(session: AsyncSession, *, task: Task, actor: dict[str, str]) -> Task:
    async def change(t: Task) -> None:
        if t.status != "completed":
            t.status = "completed"
            t.completed_at = utcnow()

    return await _mutate(session, task, EventType.TASK_COMPLETED, actor, change)


async def reopen_task(session: AsyncSession, *, task: Task, actor: dict[str, str]) -> Task:
    async def change(t: Task) -> None:
        if t.status != "pending":
            t.status = "pending"
            t.completed_at = None

    return await _mutate(session, task, EventType.TASK_REOPENED, actor, change)


async def delete_task(session: AsyncSession, *, task: Task, actor: dict[str, str]) -> Task:
    async def change(t: Task) -> None:
        t.deleted_at = utcnow()

    return await _mutate(session, task, EventType.TASK_DELETED, actor, change)


async def restore_task(session: AsyncSession, *, task: Task, actor: dict[str, str]) -> Task:
    async def change(t: Task) -> None:
        t.deleted_at = None

    return await _mutate(session, task, EventType.TASK_RESTORED, actor, change)
