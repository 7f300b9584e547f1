"""/api/v1/trash: delete forever — one task of the trash, or all of it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from pydantic import BaseModel

from backend.platform.deps import PrincipalDep, SessionDep
from backend.tasks import trash
from backend.tasks.service import user_actor

router = APIRouter(prefix="/api/v1/trash", tags=["tasks"])


class TrashEmptied(BaseModel):
    deleted: int
    """Tasks deleted for good."""


@router.delete("", response_model=TrashEmptied)
async def empty_trash(principal: PrincipalDep, session: SessionDep) -> TrashEmptied:
    """Delete every task in the trash for good (they can no longer be restored)."""
    deleted = await trash.purge_tasks(
        session, user_id=principal.user_id, actor=user_actor(principal.user_id)
    )
    return TrashEmptied(deleted=deleted)


@router.delete("/{task_id}", status_code=204)
async def delete_forever(
    task_id: uuid.UUID, principal: PrincipalDep, session: SessionDep
) -> Response:
    """Delete one task of the trash for good; a task not in the trash answers 404."""
    await trash.purge_task(
        session, user_id=principal.user_id, task_id=task_id, actor=user_actor(principal.user_id)
    )
    return Response(status_code=204)
