"""Deleting tasks for good: one from the trash, the whole trash, or (with the account) all.

A purged task's row is gone, so each purge stages a `task.purged` event carrying the task as it
last was (version + 1, so no consumer takes it for a stale copy): the reminder service drops its
reminders, other tabs drop it from their trash, the audit trail records the end of its history.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.db import utcnow
from backend.platform.errors import not_found
from backend.platform.events.cloudevent import TASK_EVENTS, EventType, make_cloudevent
from backend.platform.events.outbox import OutboxEvent, outbox_values
from backend.tasks.models import Task
from backend.tasks.schemas import task_payload

SOURCE = "taskflow/api"
_BATCH = 1_000


def _purged_event(task: Task, *, actor: dict[str, str]) -> dict[str, Any]:
    return make_cloudevent(
        type=EventType.TASK_PURGED,
        source=SOURCE,
        subject=str(task.id),
        time=utcnow(),
        data={
            "user_id": str(task.user_id),
            "task": task_payload(task),
            "version": task.version + 1,
            "changes": {},
            "actor": actor,
        },
    )


async def purge_tasks(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    actor: dict[str, str],
    task_ids: list[uuid.UUID] | None = None,
    in_trash_only: bool = True,
) -> int:
    """Delete the user's tasks for good (those in the trash, or all; only `task_ids` if given)
    with one `task.purged` event each; how many were deleted."""
    query = select(Task).where(Task.user_id == user_id).order_by(Task.id).with_for_update()
    if in_trash_only:
        query = query.where(Task.deleted_at.isnot(None))
    if task_ids is not None:
        query = query.where(Task.id.in_(task_ids))
    purged = 0
    tasks = (await session.scalars(query)).all()
    for start in range(0, len(tasks), _BATCH):
        batch = tasks[start : start + _BATCH]
        events = [
            outbox_values(topic=TASK_EVENTS, event=_purged_event(task, actor=actor))
            for task in batch
        ]
        await session.execute(insert(OutboxEvent), events)
        await session.execute(
            delete(Task)
            .where(Task.id.in_([task.id for task in batch]))
            .execution_options(synchronize_session=False)
        )
        purged += len(batch)
    for task in tasks:
        session.expunge(task)
    return purged


async def purge_task(
    session: AsyncSession, *, user_id: uuid.UUID, task_id: uuid.UUID, actor: dict[str, str]
) -> None:
    """Delete one task of the trash for good; 404 when it is not in the user's trash."""
    if not await purge_tasks(session, user_id=user_id, actor=actor, task_ids=[task_id]):
        raise not_found("Task in the trash")
