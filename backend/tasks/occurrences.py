"""Creating the next occurrence of a recurring series, exactly once per (series, date)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.errors import Problem
from backend.platform.text import Moment
from backend.tasks.models import PRIORITIES, Task
from backend.tasks.schemas import MAX_REMINDERS, RecurrenceIn, ReminderIn, TaskCreate
from backend.tasks.service import create_task

RECURRING_ACTOR = {"kind": "system", "id": "recurring"}


class OccurrenceCreate(BaseModel):
    """What the recurring service asks for: the occurrence after `source_task_id`."""

    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    source_task_id: uuid.UUID
    due_at: Moment
    index: int = Field(ge=1, le=1_000_000)
    reminders: list[ReminderIn] = Field(default_factory=list, max_length=MAX_REMINDERS)
    idempotency_key: str = Field(min_length=1, max_length=200)


def _next_task(source: Task, request: OccurrenceCreate) -> TaskCreate:
    """The source's content on the new date (its rule re-validated like any client's)."""
    try:
        return TaskCreate(
            title=source.title,
            description=source.description,
            priority=PRIORITIES[source.priority],
            tags=[tag.name for tag in source.tags],
            due_at=request.due_at,
            all_day=source.all_day,
            timezone=source.timezone,
            reminders=request.reminders,
            recurrence=RecurrenceIn(
                rrule=source.recurrence["rrule"], **{"from": source.recurrence["from"]}
            ),
        )
    except ValidationError as exc:
        detail = "; ".join(str(error["msg"]) for error in exc.errors())
        raise Problem(422, f"the next occurrence would not be a valid task: {detail}") from None


async def _by_key(session: AsyncSession, *, user_id: uuid.UUID, key: str) -> Task | None:
    return await session.scalar(
        select(Task).where(Task.user_id == user_id, Task.idempotency_key == key)
    )


async def create_occurrence(
    session: AsyncSession, *, request: OccurrenceCreate
) -> tuple[Task | None, bool]:
    """(the occurrence, whether it was created now). None when the source task is gone, no
    longer recurring, or already has a later occurrence in its series (it was not the latest).
    """
    user_id = request.user_id
    # Locking the source serialises concurrent duplicates: the second one waits, then finds
    # the first one's occurrence by its key (each statement sees what committed before it).
    source = await session.scalar(
        select(Task)
        .where(
            Task.id == request.source_task_id,
            Task.user_id == user_id,
            Task.deleted_at.is_(None),
        )
        .with_for_update()
    )
    existing = await _by_key(session, user_id=user_id, key=request.idempotency_key)
    if existing is not None:
        return existing, False
    if source is None or source.recurrence is None:
        return None, False
    # Any later task of the series (deleted ones too: deleting an occurrence is a choice the
    # user can undo by restoring it) means the series already went on from here.
    successor = await session.scalar(
        select(Task.id)
        .where(
            Task.series_id == source.series_id,
            Task.user_id == user_id,
            Task.created_at > source.created_at,
        )
        .limit(1)
    )
    if successor is not None:
        return None, False
    data = _next_task(source, request)
    try:
        # The unique (user_id, idempotency_key) index is the last word: a duplicate that got
        # past the lock (another source, same date) rolls back to here and finds the winner.
        async with session.begin_nested():
            task = await create_task(
                session,
                user_id=user_id,
                default_timezone=source.timezone,
                data=data,
                actor=RECURRING_ACTOR,
                series=(source.series_id or source.id, request.index),
                idempotency_key=request.idempotency_key,
            )
    except IntegrityError:
        return await _by_key(session, user_id=user_id, key=request.idempotency_key), False
    return task, True
