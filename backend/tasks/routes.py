"""/api/v1/tasks."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from backend.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from backend.platform.openapi import problems
from backend.platform.responses import json_response
from backend.platform.text import Moment, Text
from backend.tasks import service
from backend.tasks.models import Task
from backend.tasks.query import TaskFilter, list_tasks
from backend.tasks.schemas import (
    Priority,
    SortKey,
    Status,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskReplace,
    TaskUpdate,
    task_payload,
)

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", min_length=1, description="the task's version (its ETag), or *"),
]


async def owned_task(task_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Task:
    return await service.get_owned_task(
        session, user_id=principal.user_id, task_id=task_id, for_update=True
    )


async def owned_task_in_or_out_of_trash(
    task_id: uuid.UUID, principal: PrincipalDep, session: SessionDep
) -> Task:
    return await service.get_owned_task(
        session, user_id=principal.user_id, task_id=task_id, deleted=None, for_update=True
    )


OwnedTask = Annotated[Task, Depends(owned_task)]
AnyOwnedTask = Annotated[Task, Depends(owned_task_in_or_out_of_trash)]


def _read(task: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The task as JSON with its version as ETag."""
    return json_response(
        task_payload(task),
        status_code=status_code,
        headers={"ETag": f'"{task.version}"', **(headers or {})},
    )


# Listing and creating, the two requests clients make most, run their hand-written SQL on a
# bare pooled connection rather than through a per-request ORM session (backend/tasks/sql.py).
@router.get("", response_model=TaskPage, responses=problems(400))
async def list_(
    principal: PrincipalDep,
    runtime: RuntimeDep,
    q: Annotated[Text | None, Query(max_length=200)] = None,
    status: Status | None = None,
    priority: Annotated[list[Priority], Query()] = [],  # noqa: B006
    tag: Annotated[list[Text], Query(max_length=20)] = [],  # noqa: B006
    due_before: Moment | None = None,
    due_after: Moment | None = None,
    sort: SortKey = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[Text | None, Query(max_length=1000)] = None,
    deleted: bool = False,
) -> Response:
    filters = TaskFilter(
        q=q,
        status=status,
        priorities=priority,
        tags=tag,
        due_before=due_before,
        due_after=due_after,
        deleted=deleted,
    )
    async with runtime.connection() as connection:
        items, next_cursor = await list_tasks(
            connection,
            user_id=principal.user_id,
            filters=filters,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )
    return json_response({"items": items, "next_cursor": next_cursor})


@router.post("", status_code=201, response_model=TaskRead)
async def create(data: TaskCreate, principal: PrincipalDep, runtime: RuntimeDep) -> Response:
    user_id = principal.user_id
    async with runtime.connection() as connection:
        task = await service.add_task(
            connection, user_id=user_id, data=data, actor=service.user_actor(user_id)
        )
    return _read(task, status_code=201, headers={"Location": f"/api/v1/tasks/{task.id}"})


@router.get("/{task_id}", response_model=TaskRead)
async def get(task_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Response:
    task = await service.get_owned_task(session, user_id=principal.user_id, task_id=task_id)
    return _read(task)


@router.patch("/{task_id}", response_model=TaskRead, responses=problems(412))
async def update(
    data: TaskUpdate,
    task: OwnedTask,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    service.check_version(task, if_match)
    task = await service.update_task(
        session, task=task, data=data, actor=service.user_actor(task.user_id)
    )
    return _read(task)


@router.put("/{task_id}", response_model=TaskRead, responses=problems(412))
async def replace(
    data: TaskReplace,
    task: OwnedTask,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    service.check_version(task, if_match)
    task = await service.replace_task(
        session, task=task, data=data, actor=service.user_actor(task.user_id)
    )
    return _read(task)


@router.delete("/{task_id}", status_code=204, responses=problems(412))
async def delete(task: OwnedTask, session: SessionDep, if_match: IfMatch = None) -> Response:
    service.check_version(task, if_match)
    await service.delete_task(session, task=task, actor=service.user_actor(task.user_id))
    return Response(status_code=204)


@router.post("/{task_id}/restore", response_model=TaskRead)
async def restore(task: AnyOwnedTask, session: SessionDep) -> Response:
    """Take the task out of the trash; a task not in the trash is answered as it is (like
    completing a completed task: nothing changes, no event)."""
    task = await service.restore_task(session, task=task, actor=service.user_actor(task.user_id))
    return _read(task)


@router.post("/{task_id}/complete", response_model=TaskRead, responses=problems(412))
async def complete(task: OwnedTask, session: SessionDep, if_match: IfMatch = None) -> Response:
    service.check_version(task, if_match)
    task = await service.complete_task(session, task=task, actor=service.user_actor(task.user_id))
    return _read(task)


@router.post("/{task_id}/reopen", response_model=TaskRead, responses=problems(412))
async def reopen(task: OwnedTask, session: SessionDep, if_match: IfMatch = None) -> Response:
    service.check_version(task, if_match)
    task = await service.reopen_task(session, task=task, actor=service.user_actor(task.user_id))
    return _read(task)
