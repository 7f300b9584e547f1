"""Creating the next occurrence of a recurring series, exactly once per (series, date)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.tasks.models import Task
from backend.tasks.schemas import RecurrenceIn, ReminderIn, TaskCreate
from backend.tasks.service import create_task

RECURRING_ACTOR = {"kind": "system", "id": "recurring"}


async def create_occurrence(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source_task_id: uuid.UUID,
    due_at: datetime,
    index: int,
    reminders: list[dict],
    idempotency_key: str,
) -> tuple[Task | None, bool]:
    """(the occurrence, whether it was created now). None when the source task is gone or a
    later occurrence of its series already exists (the source was not the latest)."""
    # Locking the source first serialises concurrent duplicates: the second one waits, then
    # finds the first one's occurrence by its key.
    source = await session.scalar(
        select(Task)
        .where(Task.id == source_task_id, Task.user_id == user_id, Task.deleted_at.is_(None))
        .with_for_update()
    )
    existing = await session.scalar(
        select(Task).where(Task.user_id == user_id, Task.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing, False
    if source is None or source.recurrence is None:
        return None, False
    successor = await session.scalar(
        select(Task.id).where(
            Task.series_id == source.series_id,
            Task.user_id == user_id,
            Task.created_at > source.created_at,
        )
    )
    if successor is not None:
        return None, False
    data = TaskCreate(
        title=source.title,
        description=source.description,
        priority=("low", "medium", "high", "urgent")[source.priority],
        tags=[tag.name for tag in source.tags],
        due_at=due_at,
        all_day=source.all_day,
        timezone=source.timezone,
        reminders=[ReminderIn(**reminder) for reminder in reminders],
        recurrence=RecurrenceIn(
            rrule=source.recurrence["rrule"], **{"from": source.recurrence["from"]}
        ),
    )
    task = await create_task(
        session,
        user_id=user_id,
        default_timezone=source.timezone,
        data=data,
        actor=RECURRING_ACTOR,
        series=(source.series_id or source.id, index),
        idempotency_key=idempotency_key,
    )
    return task, True
