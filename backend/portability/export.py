"""Everything of an account as one JSON document, or its tasks as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.assistant.chat import conversation_history
from backend.assistant.models import Conversation
from backend.platform.db import utcnow
from backend.portability.schemas import EXPORT_FORMAT, EXPORT_VERSION
from backend.tags.models import Tag
from backend.tasks.models import Task
from backend.tasks.schemas import iso, task_payload

CSV_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "tags",
    "due_at",
    "all_day",
    "timezone",
    "recurrence",
    "repeat_from",
    "reminders",
    "created_at",
    "completed_at",
    "deleted_at",
)
# A cell starting with one of these is a formula to a spreadsheet: such text gets a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def all_tasks(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[Task]:
    """Every task of the user, the trash included, oldest first."""
    query = select(Task).where(Task.user_id == user_id).order_by(Task.created_at, Task.id)
    return (await session.scalars(query)).all()


def exported_task(task: Task) -> dict[str, Any]:
    payload = task_payload(task)
    reminders = [
        {"offset_minutes": r["offset_minutes"]}
        if r.get("offset_minutes") is not None
        else {"at": r["at"]}
        for r in payload["reminders"]
    ]
    keep = ("id", "title", "description", "status", "priority", "tags", "due_at", "all_day")
    return {
        **{key: payload[key] for key in keep},
        "timezone": payload["timezone"],
        "reminders": reminders,
        "recurrence": payload["recurrence"],
        "series_id": payload["series_id"],
        "created_at": payload["created_at"],
        "completed_at": payload["completed_at"],
        "deleted_at": payload["deleted_at"],
    }


async def export_document(session: AsyncSession, *, user: User) -> dict[str, Any]:
    """The `ExportDocument` of the user's account, as JSON-ready data."""
    tags = await session.scalars(
        select(Tag).where(Tag.user_id == user.id).order_by(func.lower(Tag.name))
    )
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": iso(utcnow()),
        "account": {"email": user.email, "name": user.name, "timezone": user.timezone},
        "tags": [{"name": tag.name, "color": tag.color} for tag in tags],
        "tasks": [exported_task(task) for task in await all_tasks(session, user_id=user.id)],
        "conversations": await _conversations(session, user_id=user.id),
    }


async def _conversations(session: AsyncSession, *, user_id: uuid.UUID) -> list[dict[str, Any]]:
    ids = await session.scalars(
        select(Conversation.id)
        .where(Conversation.user_id == user_id)
        .order_by(Conversation.created_at, Conversation.id)
    )
    return [
        await conversation_history(session, user_id=user_id, conversation_id=conversation_id)
        for conversation_id in ids.all()
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _reminder_text(reminder: dict[str, Any]) -> str:
    if reminder.get("offset_minutes") is not None:
        return f"{reminder['offset_minutes']} minutes before due"
    return str(reminder["at"])


def csv_row(task: Task) -> list[str]:
    data = exported_task(task)
    recurrence = data["recurrence"] or {}
    values = {
        **data,
        "tags": ", ".join(data["tags"]),
        "recurrence": recurrence.get("rrule"),
        "repeat_from": recurrence.get("from"),
        "reminders": "; ".join(_reminder_text(r) for r in data["reminders"]),
    }
    return [_cell(values[column]) for column in CSV_COLUMNS]


async def export_csv(session: AsyncSession, *, user: User) -> str:
    """The user's tasks (the trash included) as CSV with a header row, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for task in await all_tasks(session, user_id=user.id):
        writer.writerow(csv_row(task))
    return out.getvalue()
