"""`POST /api/v1/tasks/{id}/reminders/snooze`, served by the reminder service."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from backend.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from backend.platform.openapi import problems
from backend.platform.text import whole_number
from services.reminder.schedule import Schedule
from services.reminder.settings import load_settings
from services.reminder.snooze import snooze_task

router = APIRouter(prefix="/api/v1/tasks", tags=["reminders"])


SnoozeMinutes = whole_number(ge=1, le=1440)


class SnoozeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: SnoozeMinutes
    """Minutes from now (1 to 1440)."""


class SnoozeRead(BaseModel):
    task_id: uuid.UUID
    reminder_id: str
    fire_at: datetime


@router.post(
    "/{task_id}/reminders/snooze",
    status_code=201,
    response_model=SnoozeRead,
    responses=problems(409),
)
async def snooze(
    task_id: uuid.UUID,
    body: SnoozeCreate,
    principal: PrincipalDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict:
    schedule = Schedule(runtime.redis, prefix=load_settings(runtime).reminder_key_prefix)
    return await snooze_task(
        session=session,
        schedule=schedule,
        user_id=principal.user_id,
        task_id=task_id,
        minutes=body.minutes,
    )
