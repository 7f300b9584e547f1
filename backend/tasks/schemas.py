"""Request and response shapes of the task API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from backend.platform.text import Moment, Text, text, whole_number, zone_name_schema
from backend.tasks.models import PRIORITIES
from backend.tasks.recurrence import RecurrenceError, normalize_rrule

Priority = Literal["low", "medium", "high", "urgent"]
Status = Literal["pending", "completed"]
Title = text(strip_whitespace=True, min_length=1, max_length=500)
Description = text(max_length=10_000)
TagName = text(strip_whitespace=True, min_length=1, max_length=50)
OffsetMinutes = whole_number(ge=0, le=60 * 24 * 365)
MAX_REMINDERS = 10
MAX_TAGS = 20
_ZONES = frozenset(available_timezones())
ZONE_NAMES = sorted(_ZONES)
Zone = Annotated[Text, Field(json_schema_extra=zone_name_schema)]
"""An IANA time zone name; an enum of them in the OpenAPI document."""


def check_timezone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(f"'{value}' is not an IANA time zone name (e.g. 'Europe/Berlin')")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone name") from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReminderIn(_Strict):
    """Either `offset_minutes` before the due time, or an absolute `at`."""

    offset_minutes: OffsetMinutes | None = None
    at: Moment | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReminderIn:
        if (self.offset_minutes is None) == (self.at is None):
            raise ValueError("a reminder has either offset_minutes or at, not both or neither")
        return self


class ReminderRead(BaseModel):
    id: str
    offset_minutes: int | None = None
    at: datetime | None = None


class RecurrenceIn(_Strict):
    rrule: Text = Field(min_length=1, max_length=500)
    from_: Literal["due", "completion"] = Field(default="due", alias="from")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("rrule")
    @classmethod
    def _normalize(cls, value: str) -> str:
        try:
            return normalize_rrule(value)
        except RecurrenceError as exc:
            raise ValueError(str(exc)) from None


class RecurrenceRead(BaseModel):
    rrule: str
    from_: Literal["due", "completion"] = Field(alias="from", serialization_alias="from")
    index: int = Field(default=1, description="this task's 1-based position in its series")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class _TaskFields(_Strict):
    description: Description = ""
    priority: Priority = "medium"
    tags: list[TagName] = Field(default_factory=list, max_length=MAX_TAGS)
    due_at: Moment | None = None
    all_day: StrictBool = False
    timezone: Zone | None = None
    reminders: list[ReminderIn] = Field(default_factory=list, max_length=MAX_REMINDERS)
    recurrence: RecurrenceIn | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class TaskCreate(_TaskFields):
    title: Title


class TaskReplace(_TaskFields):
    """PUT: every editable field; what is left out takes its default."""

    title: Title


def _without_null(schema: dict[str, Any]) -> None:
    """The OpenAPI schema of TaskUpdate: the fields that cannot be cleared are not nullable
    (they are `None` in Python only to tell "not sent" apart)."""
    for name in _NOT_NULLABLE:
        field = schema["properties"][name]
        kept = [s for s in field.pop("anyOf", []) if s.get("type") != "null"]
        if len(kept) == 1:
            field.update(kept[0])
        elif kept:
            field["anyOf"] = kept
        field.pop("default", None)


_NOT_NULLABLE = ("title", "description", "priority", "tags", "all_day", "timezone", "reminders")


class TaskUpdate(_Strict):
    """PATCH: only the fields sent change; `null` clears a nullable field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_null)

    title: Title | None = None
    description: Description | None = None
    priority: Priority | None = None
    tags: list[TagName] | None = Field(default=None, max_length=MAX_TAGS)
    due_at: Moment | None = None
    all_day: StrictBool | None = None
    timezone: Zone | None = None
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)
    recurrence: RecurrenceIn | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @model_validator(mode="after")
    def _not_nullable(self) -> TaskUpdate:
        for name in _NOT_NULLABLE:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskRead(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    status: Status
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    all_day: bool
    timezone: str
    reminders: list[ReminderRead]
    recurrence: RecurrenceRead | None
    series_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    deleted_at: datetime | None


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None


SortKey = Literal[
    "due_date", "-due_date", "priority", "-priority", "created_at", "-created_at", "title", "-title"
]


def iso(value: datetime | None) -> str | None:
    """RFC 3339 text as the API writes it (UTC as `Z`).

    UTC values (every stored timestamp as read from the database) go through orjson, which
    writes the same text as `isoformat` for them in a third of the time: a page of 50 tasks
    formats ~150 of them. Other zones (a due date in the task's zone) keep `isoformat`, whose
    seconds in historical offsets (`+00:19:32`) orjson would round to minutes.
    """
    if value is None:
        return None
    if value.tzinfo is UTC:
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()
    return value.isoformat().replace("+00:00", "Z")


def task_payload(task: Any, *, tags: list[str] | None = None) -> dict[str, Any]:
    """The task as the API returns it, as JSON-ready data (for responses and events).

    Built by hand rather than through `TaskRead` because it runs for every task of every
    page and event; `TaskRead` documents the same shape and a test keeps the two equal.
    """
    zone = ZoneInfo(task.timezone)
    due_at = task.due_at.astimezone(zone) if task.due_at is not None else None
    return {
        "id": str(task.id),
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": PRIORITIES[task.priority],
        "tags": [tag.name for tag in task.tags] if tags is None else tags,
        "due_at": iso(due_at),
        "all_day": task.all_day,
        "timezone": task.timezone,
        "reminders": [
            {"id": r["id"], "offset_minutes": r.get("offset_minutes"), "at": r.get("at")}
            for r in task.reminders or ()
        ],
        "recurrence": task.recurrence,
        "series_id": None if task.series_id is None else str(task.series_id),
        "version": task.version,
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
        "completed_at": iso(task.completed_at),
        "deleted_at": iso(task.deleted_at),
    }
