"""What one audit entry holds, built from a `task-events` or `reminders` CloudEvent."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from backend.platform.events.cloudevent import EventType

TASK_TYPES = frozenset(
    {
        EventType.TASK_CREATED,
        EventType.TASK_UPDATED,
        EventType.TASK_COMPLETED,
        EventType.TASK_REOPENED,
        EventType.TASK_DELETED,
        EventType.TASK_RESTORED,
        EventType.TASK_PURGED,
    }
)
REMINDER_ACTOR = {"kind": "system", "id": "reminder"}
# Event times outside this window are refused rather than given partitions of their own.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=366)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class MalformedEvent(ValueError):
    """The event can never be recorded (it is DROPped to the dead letters)."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry before the chain places it: ids in canonical UUID text (lower case, hyphens),
    `time` in UTC, JSON fields as canonical JSON text."""

    event_id: str
    time: datetime
    user_id: str
    type: str
    task_id: str | None
    version: int | None
    actor: str
    changes: str
    title: str | None
    details: str | None


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces: the same value always gives the same text."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise MalformedEvent(f"not storable JSON: {exc}") from None


def _uuid(value: Any, what: str) -> str:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value  # the usual case, ten times cheaper than parsing
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise MalformedEvent(f"{what} is not a UUID: {value!r}") from None


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise MalformedEvent(f"time is not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"time is not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise MalformedEvent(f"time has no offset: {value!r}")
    parsed = parsed.astimezone(UTC)
    if not EARLIEST <= parsed <= _latest():
        raise MalformedEvent(f"time is out of range: {value!r}")
    return parsed


def _latest() -> datetime:
    return datetime.now(UTC) + LATEST_AHEAD


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if "\x00" in text:
        raise MalformedEvent("text with a NUL character")
    return text


def _task_record(event: dict[str, Any], data: dict[str, Any]) -> AuditRecord:
    task = data.get("task")
    if not isinstance(task, dict):
        raise MalformedEvent("data.task is missing")
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise MalformedEvent("data.version is not an integer")
    changes = data.get("changes") or {}
    if not isinstance(changes, dict):
        raise MalformedEvent("data.changes is not an object")
    return AuditRecord(
        event_id=_uuid(event["id"], "id"),
        time=_time(event.get("time")),
        user_id=_uuid(data.get("user_id"), "data.user_id"),
        type=str(event["type"]),
        task_id=_uuid(task.get("id") or event.get("subject"), "data.task.id"),
        version=version,
        actor=canonical_json(data.get("actor")),
        changes=canonical_json(changes),
        title=_text(task.get("title")),
        details=None,
    )


def _reminder_record(event: dict[str, Any], data: dict[str, Any]) -> AuditRecord:
    keys = ("reminder_id", "due_at", "fire_at", "late")
    return AuditRecord(
        event_id=_uuid(event["id"], "id"),
        time=_time(event.get("time")),
        user_id=_uuid(data.get("user_id"), "data.user_id"),
        type=str(event["type"]),
        task_id=_uuid(data.get("task_id") or event.get("subject"), "data.task_id"),
        version=None,
        actor=canonical_json(REMINDER_ACTOR),
        changes="{}",
        title=_text(data.get("task_title")),
        details=canonical_json({k: data.get(k) for k in keys if k in data}),
    )


def record_from_event(event: dict[str, Any]) -> AuditRecord:
    """The entry an event makes; MalformedEvent when it cannot make one."""
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedEvent("data is missing")
    if event.get("type") == EventType.REMINDER_TRIGGERED:
        return _reminder_record(event, data)
    return _task_record(event, data)
