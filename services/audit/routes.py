"""`/api/v1/audit*`: the caller's own trail, a task's history, and the chain's verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Query
from pydantic import BaseModel

from backend.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from backend.platform.events.cloudevent import EventType
from backend.platform.openapi import problems
from backend.platform.text import Moment, Text
from services.audit.metrics import VERIFY_FAILURES
from services.audit.queries import TrailFilter, task_history, trail, verify_trail
from services.audit.settings import chain_key

log = structlog.get_logger("taskflow.audit")
router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=200, description="entries per page (1 to 200)")]
Cursor = Annotated[Text | None, Query(max_length=200, description="next_cursor of the last page")]
TYPES = {str(t) for t in EventType}
# Full names (com.taskflow.task.completed) or short ones (task.completed), as an enum in the
# OpenAPI document: a name outside it is a 422 like any invalid parameter.
TypeName = Literal[tuple(sorted(TYPES | {t.removeprefix("com.taskflow.") for t in TYPES}))]  # type: ignore[valid-type]


class AuditEntry(BaseModel):
    id: str
    event_id: str
    seq: int
    type: str
    task_id: str | None
    time: datetime
    actor: dict[str, Any] | None
    changes: dict[str, Any]
    version: int | None
    title: str | None
    details: dict[str, Any] | None
    summary: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


class BadEntry(BaseModel):
    seq: int | None
    event_id: str | None
    reason: str


class ChainVerification(BaseModel):
    ok: bool
    checked: int
    first_bad: BadEntry | None


def _event_types(values: list[str]) -> tuple[str, ...]:
    """Full names of the types asked for by full or short name."""
    return tuple(v if v.startswith("com.taskflow.") else f"com.taskflow.{v}" for v in values)


@router.get("/verify", response_model=ChainVerification)
async def verify(
    principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    result = await verify_trail(
        session,
        user_id=principal.user_id,
        key=chain_key(runtime.settings),
        redis=runtime.redis,
    )
    if not result.ok:
        VERIFY_FAILURES.inc()
        log.warning(
            "audit_chain_broken", user_id=str(principal.user_id), **(result.first_bad or {})
        )
    return {"ok": result.ok, "checked": result.checked, "first_bad": result.first_bad}


@router.get("/tasks/{task_id}", response_model=AuditPage, responses=problems(400))
async def task_trail(
    task_id: uuid.UUID,
    principal: PrincipalDep,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = await task_history(
        session, user_id=principal.user_id, task_id=task_id, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("", response_model=AuditPage, responses=problems(400))
async def user_trail(
    principal: PrincipalDep,
    session: SessionDep,
    type: Annotated[
        list[TypeName], Query(max_length=10, description="event type; repeatable")
    ] = [],  # noqa: B006
    task_id: uuid.UUID | None = None,
    from_: Annotated[Moment | None, Query(alias="from")] = None,
    to: Moment | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    if from_ is not None and to is not None and from_ >= to:
        return {"items": [], "next_cursor": None}  # an empty range, as an empty page
    filters = TrailFilter(types=_event_types(type), task_id=task_id, since=from_, until=to)
    items, next_cursor = await trail(
        session, user_id=principal.user_id, filters=filters, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}
