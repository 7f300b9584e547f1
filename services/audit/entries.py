"""How a stored audit row reads in the API: who did what, when, and what changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from backend.platform.events.cloudevent import EventType

_FIELD_NAMES = {"due_at": "due date", "all_day": "all-day", "deleted_at": "deletion"}
_VERBS = {
    EventType.TASK_CREATED: "Created",
    EventType.TASK_COMPLETED: "Completed",
    EventType.TASK_REOPENED: "Reopened",
    EventType.TASK_DELETED: "Moved to the trash:",
    EventType.TASK_RESTORED: "Restored from the trash:",
    EventType.TASK_PURGED: "Deleted for good:",
    EventType.REMINDER_TRIGGERED: "Reminder sent for",
}


def summary(type_: str, title: str | None, changes: Mapping[str, Any]) -> str:
    """One line for people, e.g. `Changed priority, due date of "Pay rent"`."""
    quoted = f'"{title}"' if title else "a task"
    if type_ == EventType.TASK_UPDATED:
        fields = ", ".join(_FIELD_NAMES.get(k, k.replace("_", " ")) for k in sorted(changes))
        return f"Changed {fields or 'nothing'} of {quoted}"
    return f"{_VERBS.get(type_, type_)} {quoted}"


def entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """The API form of one audit row."""
    changes = orjson.loads(row["changes"])
    return {
        "id": str(row["event_id"]),
        "event_id": str(row["event_id"]),
        "seq": row["seq"],
        "type": row["type"],
        "task_id": str(row["task_id"]) if row["task_id"] else None,
        "time": row["time"],
        "actor": orjson.loads(row["actor"]),
        "changes": changes,
        "version": row["version"],
        "title": row["title"],
        "details": orjson.loads(row["details"]) if row["details"] else None,
        "summary": summary(row["type"], row["title"], changes),
    }
