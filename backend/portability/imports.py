"""Bringing tasks into an account: from our JSON export, or from rows another app gave
(`todoist.py`). All or nothing: one bad task fails the import and nothing is added."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.platform.errors import Problem
from backend.portability.schemas import (
    MAX_IMPORT_TAGS,
    MAX_IMPORT_TASKS,
    ExportDocument,
    ExportedTag,
    ExportedTask,
    ImportResult,
)
from backend.tags.models import Tag
from backend.tags.service import resolve_tags
from backend.tasks.models import Task
from backend.tasks.service import ImportedState, import_task, user_actor

MAX_WARNINGS = 50


@dataclass
class Incoming:
    """One task to import: its fields and state, and the key that makes importing it twice
    a no-op (None: always imported)."""

    task: ExportedTask
    key: str | None
    series: tuple[uuid.UUID, int] | None = None


@dataclass
class Batch:
    tasks: list[Incoming]
    tags: list[ExportedTag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_document(body: bytes) -> ExportDocument:
    """The export document in `body`; 400 for what is not JSON, 422 for a wrong shape."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, f"The file is not valid JSON ({exc}): export it again") from None
    if not isinstance(raw, dict) or raw.get("format") != "taskflow.export":
        raise Problem(422, "This is not a TaskFlow export: its 'format' must be 'taskflow.export'")
    for part, limit in (("tasks", MAX_IMPORT_TASKS), ("tags", MAX_IMPORT_TAGS)):
        if isinstance(raw.get(part), list) and len(raw[part]) > limit:
            raise Problem(413, f"The file has more than {limit:,} {part}: split it")
    try:
        return ExportDocument.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise Problem(
            422,
            f"{where}: {message} ({exc.error_count()} problem(s) in the file; nothing imported)",
        ) from None


def document_batch(document: ExportDocument) -> Batch:
    """The tasks of an export; a recurring series keeps together under a new series id."""
    series_ids: dict[uuid.UUID, uuid.UUID] = {}
    seen: set[uuid.UUID] = set()
    tasks = []
    for position, task in enumerate(document.tasks):
        if task.id in seen:
            raise Problem(422, f"tasks[{position}].id: {task.id} appears twice; nothing imported")
        series = None
        if task.recurrence is not None and task.series_id is not None:
            new_id = series_ids.setdefault(task.series_id, uuid.uuid4())
            series = (new_id, task.recurrence.index)
        key = None if task.id is None else f"import:{task.id}"
        if task.id is not None:
            seen.add(task.id)
        tasks.append(Incoming(task=task, key=key, series=series))
    return Batch(tasks=tasks, tags=list(document.tags))


async def _create_tags(
    session: AsyncSession, *, user_id: uuid.UUID, tags: Sequence[ExportedTag]
) -> None:
    """Create the exported tags the account lacks, with their colours."""
    if not tags:
        return
    rows = [
        {"id": uuid.uuid4(), "user_id": user_id, "name": t.name, "color": t.color} for t in tags
    ]
    await session.execute(
        insert(Tag)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[Tag.user_id, func.lower(Tag.name)])
    )


async def _already_imported(
    session: AsyncSession, *, user_id: uuid.UUID, keys: list[str]
) -> set[str]:
    if not keys:
        return set()
    rows = await session.scalars(
        select(Task.idempotency_key).where(Task.user_id == user_id, Task.idempotency_key.in_(keys))
    )
    return set(rows.all())


async def import_batch(session: AsyncSession, *, user: User, batch: Batch) -> ImportResult:
    """Add the batch's tasks (and tags) to the user's account, in the caller's transaction."""
    # One import per account at a time: a second upload of the same file waits for the first
    # to commit, then finds its tasks imported and skips them (instead of a unique-key clash).
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"taskflow:import:{user.id}"},
    )
    tags_before = await session.scalar(select(func.count()).where(Tag.user_id == user.id))
    await _create_tags(session, user_id=user.id, tags=batch.tags)
    keys = [item.key for item in batch.tasks if item.key]
    done = await _already_imported(session, user_id=user.id, keys=keys)
    todo = [item for item in batch.tasks if item.key is None or item.key not in done]
    names = [name for item in todo for name in item.task.tags]
    by_name = {
        tag.name.lower(): tag for tag in await resolve_tags(session, user_id=user.id, names=names)
    }
    actor = user_actor(user.id)
    for position, item in enumerate(batch.tasks):
        if item.key is not None and item.key in done:
            continue
        data = item.task
        state = ImportedState(
            status=data.status,
            created_at=data.created_at,
            completed_at=data.completed_at,
            deleted_at=data.deleted_at,
            series=item.series,
            idempotency_key=item.key,
        )
        tags = list({by_name[n.lower()].id: by_name[n.lower()] for n in data.tags}.values())
        try:
            await import_task(
                session,
                user_id=user.id,
                default_timezone=user.timezone,
                data=data,
                tags=tags,
                state=state,
                actor=actor,
            )
        except Problem as exc:
            raise Problem(
                exc.status, f"tasks[{position}] ({data.title!r}): {exc.detail}; nothing imported"
            ) from None
    tags_after = await session.scalar(select(func.count()).where(Tag.user_id == user.id))
    return ImportResult(
        imported=len(todo),
        skipped=len(batch.tasks) - len(todo),
        tags_created=(tags_after or 0) - (tags_before or 0),
        warnings=batch.warnings[:MAX_WARNINGS],
    )
