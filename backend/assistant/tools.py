"""The task tools that Claude (POST /api/v1/chat) and MCP clients (`taskflow mcp`, /mcp) use.

Each tool is a thin typed wrapper over the functions the REST API calls (backend.tasks.service
and .query): the same validation, the same events, the same scoping to the calling user. A
tool takes precise values (RFC 3339 times, RRULEs); turning "next Sunday at 6pm" into one is
the model's job. Bad input and missing tasks raise `ToolError` with a message the model can
act on; the chat loop shows it to the model rather than failing the request.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.platform.errors import Problem
from backend.platform.runtime import Runtime
from backend.tasks import service
from backend.tasks.query import TaskFilter, list_tasks
from backend.tasks.schemas import (
    MAX_TAGS,
    Priority,
    RecurrenceIn,
    ReminderIn,
    SortKey,
    Status,
    TagName,
    TaskCreate,
    TaskUpdate,
    task_payload,
)
from backend.tasks.sql import user_timezone

LIST_LIMIT = 50


class ToolError(Exception):
    """A tool call that cannot be done as asked; the message says why and what to send."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    """JSON Schema (no `$ref`s) of the arguments."""


@dataclass
class ToolContext:
    runtime: Runtime
    user_id: uuid.UUID


# --- arguments ---------------------------------------------------------------------------------

TaskId = Annotated[uuid.UUID, Field(description="The task's id (a UUID from a tool result)")]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskIdArgs(_Args):
    task_id: TaskId


class CreateArgs(TaskCreate):
    """Same fields and rules as POST /api/v1/tasks."""


class ListArgs(_Args):
    query: str | None = Field(
        default=None, max_length=200, description="Words to search in titles and descriptions"
    )
    status: Status | None = Field(default=None, description="Only pending or completed tasks")
    priorities: list[Priority] = Field(default_factory=list)
    tags: list[TagName] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Tasks having all these tags"
    )
    due_before: AwareDatetime | None = Field(default=None, description="RFC 3339 with offset")
    due_after: AwareDatetime | None = Field(default=None, description="RFC 3339 with offset")
    deleted: bool = Field(default=False, description="List the trash (deleted tasks) instead")
    sort: SortKey = "due_date"
    limit: int = Field(default=20, ge=1, le=LIST_LIMIT)
    cursor: str | None = Field(default=None, max_length=1000, description="next_cursor of a page")


class UpdateArgs(TaskUpdate):
    """PATCH semantics: only the fields given change; `due_at: null` clears the due date."""

    task_id: TaskId


class TagsArgs(_Args):
    task_id: TaskId
    tags: list[TagName] = Field(min_length=1, max_length=MAX_TAGS)


class RemindersArgs(_Args):
    task_id: TaskId
    reminders: list[ReminderIn] = Field(
        max_length=10,
        description="The task's reminders from now on (replaces the old ones; [] removes all)",
    )


class RecurrenceArgs(_Args):
    task_id: TaskId
    recurrence: RecurrenceIn | None = Field(
        description="An RFC 5545 RRULE and whether the next occurrence counts from the due date "
        "or from completion; null stops the task repeating"
    )


# --- handlers ----------------------------------------------------------------------------------

Handler = Callable[[AsyncSession, uuid.UUID, Any], Awaitable[dict[str, Any]]]


async def _owned(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID, **kw: Any) -> Any:
    return await service.get_owned_task(session, user_id=user_id, task_id=task_id, **kw)


async def _create(session: AsyncSession, user_id: uuid.UUID, args: CreateArgs) -> dict[str, Any]:
    data = TaskCreate.model_validate(args.model_dump(by_alias=True, exclude_unset=True))
    task = await service.create_task(
        session,
        user_id=user_id,
        default_timezone=await user_timezone(session, user_id),
        data=data,
        actor=service.user_actor(user_id),
    )
    return task_payload(task)


async def _list(session: AsyncSession, user_id: uuid.UUID, args: ListArgs) -> dict[str, Any]:
    filters = TaskFilter(
        q=args.query,
        status=args.status,
        priorities=list(args.priorities),
        tags=list(args.tags),
        due_before=args.due_before,
        due_after=args.due_after,
        deleted=args.deleted,
    )
    items, next_cursor = await list_tasks(
        session,
        user_id=user_id,
        filters=filters,
        sort=args.sort,
        limit=args.limit,
        cursor=args.cursor,
    )
    return {"items": items, "next_cursor": next_cursor}


async def _get(session: AsyncSession, user_id: uuid.UUID, args: TaskIdArgs) -> dict[str, Any]:
    return task_payload(await _owned(session, user_id, args.task_id))


async def _update(session: AsyncSession, user_id: uuid.UUID, args: UpdateArgs) -> dict[str, Any]:
    fields = args.model_dump(by_alias=True, exclude_unset=True, exclude={"task_id"})
    if not fields:
        raise ToolError("Nothing to change: give at least one field besides task_id")
    task = await _owned(session, user_id, args.task_id, for_update=True)
    task = await service.update_task(
        session,
        task=task,
        data=TaskUpdate.model_validate(fields),
        actor=service.user_actor(user_id),
    )
    return task_payload(task)


def _lifecycle(action: Callable[..., Awaitable[Any]], *, deleted: bool = False) -> Handler:
    async def handle(session: AsyncSession, user_id: uuid.UUID, args: TaskIdArgs) -> dict[str, Any]:
        task = await _owned(session, user_id, args.task_id, deleted=deleted, for_update=True)
        task = await action(session, task=task, actor=service.user_actor(user_id))
        return task_payload(task)

    return handle


async def _change_tags(
    session: AsyncSession, user_id: uuid.UUID, args: TagsArgs, *, add: bool
) -> dict[str, Any]:
    task = await _owned(session, user_id, args.task_id, for_update=True)
    current = [tag.name for tag in task.tags]
    given = {name.lower() for name in args.tags}
    if add:
        tags = current + [name for name in args.tags if name.lower() not in map(str.lower, current)]
    else:
        tags = [name for name in current if name.lower() not in given]
    if len(tags) > MAX_TAGS:
        raise ToolError(f"A task has at most {MAX_TAGS} tags; it would have {len(tags)}")
    task = await service.update_task(
        session, task=task, data=TaskUpdate(tags=tags), actor=service.user_actor(user_id)
    )
    return task_payload(task)


async def _add_tags(session: AsyncSession, user_id: uuid.UUID, args: TagsArgs) -> dict[str, Any]:
    return await _change_tags(session, user_id, args, add=True)


async def _remove_tags(session: AsyncSession, user_id: uuid.UUID, args: TagsArgs) -> dict[str, Any]:
    return await _change_tags(session, user_id, args, add=False)


async def _set_reminders(
    session: AsyncSession, user_id: uuid.UUID, args: RemindersArgs
) -> dict[str, Any]:
    task = await _owned(session, user_id, args.task_id, for_update=True)
    task = await service.update_task(
        session,
        task=task,
        data=TaskUpdate(reminders=args.reminders),
        actor=service.user_actor(user_id),
    )
    return task_payload(task)


async def _set_recurrence(
    session: AsyncSession, user_id: uuid.UUID, args: RecurrenceArgs
) -> dict[str, Any]:
    task = await _owned(session, user_id, args.task_id, for_update=True)
    data = TaskUpdate.model_validate({"recurrence": args.recurrence})
    task = await service.update_task(
        session, task=task, data=data, actor=service.user_actor(user_id)
    )
    return task_payload(task)


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    tool: Tool
    arguments: type[BaseModel]
    handler: Handler


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every `$ref` replaced by its definition (some clients ignore `$defs`)."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any, *, names: bool = False) -> Any:
        # `names`: the node maps property names to schemas (a property may be called "title").
        if isinstance(node, dict):
            if "$ref" in node:
                target = resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
                extra = {k: resolve(v) for k, v in node.items() if k != "$ref"}
                return {**target, **extra}
            return {
                k: resolve(v, names=k == "properties" and not names)
                for k, v in node.items()
                if names or k != "title"
            }
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def _entry(name: str, description: str, arguments: type[BaseModel], handler: Handler) -> _Entry:
    schema = _inline_refs(arguments.model_json_schema(by_alias=True))
    return _Entry(Tool(name, description, schema), arguments, handler)


_TIMES = (
    " Times are RFC 3339 with an offset (e.g. 2026-11-29T18:00:00+01:00); the task's time zone "
    "is an IANA name and defaults to the user's."
)
_ENTRIES = (
    _entry(
        "create_task",
        "Create a task. Only title is required. priority is low|medium|high|urgent (default "
        "medium). reminders: [{offset_minutes: N}] before due_at, or [{at: time}]. recurrence: "
        "{rrule: 'FREQ=WEEKLY;BYDAY=SU', from: 'due'|'completion'} (repeating from 'due' needs "
        "a due_at). all_day: true for a date without a time." + _TIMES,
        CreateArgs,
        _create,
    ),
    _entry(
        "list_tasks",
        "Search and list the user's tasks (pending and completed; the trash with deleted=true), "
        "with filters, a sort and a page size; next_cursor fetches the next page." + _TIMES,
        ListArgs,
        _list,
    ),
    _entry("get_task", "Get one task by id.", TaskIdArgs, _get),
    _entry(
        "update_task",
        "Change some fields of a task (only the ones given). tags and reminders given here "
        "replace the whole list; prefer add_tags/remove_tags and set_reminders." + _TIMES,
        UpdateArgs,
        _update,
    ),
    _entry(
        "complete_task",
        "Mark a task completed. For a recurring task the next occurrence is created as a new "
        "task shortly after.",
        TaskIdArgs,
        _lifecycle(service.complete_task),
    ),
    _entry(
        "reopen_task",
        "Mark a completed task pending again.",
        TaskIdArgs,
        _lifecycle(service.reopen_task),
    ),
    _entry(
        "delete_task",
        "Move a task to the trash (it can be restored with restore_task).",
        TaskIdArgs,
        _lifecycle(service.delete_task),
    ),
    _entry(
        "restore_task",
        "Bring a task back from the trash.",
        TaskIdArgs,
        _lifecycle(service.restore_task, deleted=True),
    ),
    _entry("add_tags", "Add tags to a task (kept if already there).", TagsArgs, _add_tags),
    _entry("remove_tags", "Remove tags from a task.", TagsArgs, _remove_tags),
    _entry(
        "set_reminders",
        "Replace a task's reminders: each is {offset_minutes: N} (N minutes before due_at; the "
        "task needs a due_at) or {at: RFC 3339 time}. [] removes them all.",
        RemindersArgs,
        _set_reminders,
    ),
    _entry(
        "set_recurrence",
        "Make a task repeat with an RFC 5545 RRULE (FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, "
        "BYDAY e.g. MO,WE or 1MO/-1FR, BYMONTHDAY e.g. -1 for the last day, BYMONTH, BYSETPOS, "
        "COUNT, UNTIL), or stop it repeating with recurrence: null.",
        RecurrenceArgs,
        _set_recurrence,
    ),
)
_BY_NAME = {entry.tool.name: entry for entry in _ENTRIES}
TOOLS: tuple[Tool, ...] = tuple(entry.tool for entry in _ENTRIES)


def _invalid(error: ValidationError) -> ToolError:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ())) or "arguments"
        parts.append(f"{where}: {str(item.get('msg', 'is invalid')).removeprefix('Value error, ')}")
    return ToolError("Invalid arguments: " + "; ".join(parts))


async def call_tool(name: str, arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    """Run one tool for the context's user in its own transaction; its JSON-ready result."""
    entry = _BY_NAME.get(name)
    if entry is None:
        raise ToolError(f"There is no tool named {name!r}; the tools are: {', '.join(_BY_NAME)}")
    try:
        args = entry.arguments.model_validate(arguments if isinstance(arguments, dict) else {})
    except ValidationError as exc:
        raise _invalid(exc) from None
    try:
        async with context.runtime.sessions() as session, session.begin():
            return await entry.handler(session, context.user_id, args)
    except ValidationError as exc:
        raise _invalid(exc) from None
    except Problem as exc:
        raise ToolError(exc.detail) from None


def summarize(name: str, result: dict[str, Any] | None, error: str | None = None) -> str:
    """One short line for a person about what a tool call did ("created 'Call mum'")."""
    if error is not None:
        return f"{name.replace('_', ' ')} failed: {error}"
    result = result or {}
    if name == "list_tasks":
        count = len(result.get("items", []))
        return f"found {count} task{'' if count == 1 else 's'}"
    verbs = {
        "create_task": "created",
        "get_task": "looked at",
        "update_task": "updated",
        "complete_task": "completed",
        "reopen_task": "reopened",
        "delete_task": "deleted",
        "restore_task": "restored",
        "add_tags": "tagged",
        "remove_tags": "untagged",
        "set_reminders": "set reminders on",
        "set_recurrence": "set the repeat of",
    }
    return f"{verbs.get(name, name)} '{result.get('title', '?')}'"
