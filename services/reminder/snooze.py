"""Snooze: a one-off reminder on one of the caller's tasks, `minutes` from now."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.db import utcnow
from backend.platform.errors import Problem
from backend.tasks.schemas import MAX_REMINDERS, iso, task_payload
from backend.tasks.service import get_owned_task
from services.reminder.handlers import task_meta
from services.reminder.schedule import SNOOZE, Entry, Schedule


async def snooze_task(
    *,
    session: AsyncSession,
    schedule: Schedule,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    minutes: int,
) -> dict[str, Any]:
    """Schedule the snooze; 404 for a task that is not the caller's, 409 for a finished one."""
    # FOR UPDATE: a completion waits for this transaction, so its cancel comes after our add.
    task = await get_owned_task(session, user_id=user_id, task_id=task_id, for_update=True)
    if task.status != "pending":
        raise Problem(409, "The task is completed; reopen it before snoozing its reminder")
    now = utcnow()
    fire_at = now + timedelta(minutes=minutes)
    entry = Entry(str(task.id), SNOOZE + uuid.uuid4().hex[:12], int(fire_at.timestamp() * 1000))
    meta = task_meta(task_payload(task), str(user_id))
    added = await schedule.add_snooze(
        entry=entry,
        task_version=task.version,
        meta=meta,
        now_ms=int(now.timestamp() * 1000),
        most=MAX_REMINDERS,
    )
    if added == 0:
        raise Problem(409, "The task was completed or deleted meanwhile; reload it")
    if added < 0:
        raise Problem(
            409,
            f"This task already has {MAX_REMINDERS} reminders waiting (snoozes included): "
            "wait for one to fire or remove one",
        )
    return {
        "task_id": str(task.id),
        "reminder_id": entry.reminder_id,
        "fire_at": iso(entry.fire_at),
    }
