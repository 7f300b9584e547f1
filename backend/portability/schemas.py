"""Shapes of "your data is yours": the JSON export (which import takes back), import results,
and the calendar feed's settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backend.tags.schemas import Color, TagName
from backend.tasks.schemas import RecurrenceIn, Status, TaskCreate

EXPORT_FORMAT = "taskflow.export"
EXPORT_VERSION = 1
MAX_IMPORT_TASKS = 10_000
MAX_IMPORT_TAGS = 2_000


class ExportedAccount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str | None = None
    name: str | None = None
    timezone: str | None = None


class ExportedTag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TagName
    color: Color


class ExportedRecurrence(RecurrenceIn):
    index: int = Field(default=1, ge=1, le=1_000_000)
    """The task's 1-based position in its series."""


class ExportedTask(TaskCreate):
    """A task as exported: what `TaskCreate` takes, plus its state and its history's times."""

    id: uuid.UUID | None = None
    """Its id in the exported account; importing the same file twice skips what it added
    (a task without one is always added)."""
    status: Status = "pending"
    recurrence: ExportedRecurrence | None = None
    series_id: uuid.UUID | None = None
    created_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    deleted_at: AwareDatetime | None = None
    """Set for a task in the trash: it is imported into the trash."""


class ExportedMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    actions: list[dict[str, Any]] | None = None
    """The assistant's tool calls of that turn, as the chat API shows them."""
    created_at: datetime


class ExportedConversation(BaseModel):
    """A conversation with the assistant, as people read it. Exported, not imported."""

    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[ExportedMessage]


class ExportDocument(BaseModel):
    """Everything of an account, as `GET /api/v1/export/json` gives it and
    `POST /api/v1/import/json` takes it."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["taskflow.export"] = EXPORT_FORMAT
    version: Literal[1] = EXPORT_VERSION
    exported_at: AwareDatetime | None = None
    account: ExportedAccount = Field(default_factory=ExportedAccount)
    # No maximum here: an export holds everything, however much; an import checks its limits.
    tags: list[ExportedTag] = Field(default_factory=list)
    tasks: list[ExportedTask] = Field(default_factory=list)
    conversations: list[ExportedConversation] = Field(default_factory=list)
    """Chats with the assistant (`ExportedConversation`); an import leaves them out."""


class ImportResult(BaseModel):
    imported: int
    """Tasks added."""
    skipped: int
    """Tasks this account had already imported from the same file (by their exported id)."""
    tags_created: int
    warnings: list[str]
    """What could not be carried over exactly (at most 50 lines), e.g. a Todoist date it did
    not understand (kept in the task's description instead)."""


class CalendarFeedRead(BaseModel):
    active: bool
    created_at: datetime | None
    """When the current feed address was made; null when there is none."""


class CalendarFeedCreated(BaseModel):
    url: str
    """The private address to subscribe to, shown this once: only its hash is stored.
    Anyone with it can read the feed; regenerate it to cut them off."""
    events_url: str
    """The same feed with the tasks as events (VEVENT), for calendars that show no to-dos
    (Google Calendar)."""
    created_at: datetime
