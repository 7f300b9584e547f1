"""/api/v1/tags."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend.platform.deps import PrincipalDep, SessionDep
from backend.tags import service
from backend.tags.models import Tag
from backend.tags.schemas import TagCreate, TagRead, TagUpdate, TagWithCount

router = APIRouter(prefix="/api/v1/tags", tags=["tags"])


async def owned_tag(tag_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Tag:
    return await service.get_tag(session, user_id=principal.user_id, tag_id=tag_id)


OwnedTag = Annotated[Tag, Depends(owned_tag)]


@router.get("", response_model=list[TagWithCount])
async def list_tags(principal: PrincipalDep, session: SessionDep) -> list[TagWithCount]:
    rows = await service.list_tags(session, user_id=principal.user_id)
    return [
        TagWithCount(id=tag.id, name=tag.name, color=tag.color, task_count=count)
        for tag, count in rows
    ]


@router.post("", status_code=201, response_model=TagRead)
async def create_tag(data: TagCreate, principal: PrincipalDep, session: SessionDep) -> Tag:
    return await service.create_tag(
        session, user_id=principal.user_id, name=data.name, color=data.color
    )


@router.patch("/{tag_id}", response_model=TagRead)
async def update_tag(data: TagUpdate, tag: OwnedTag, session: SessionDep) -> Tag:
    return await service.update_tag(session, tag=tag, name=data.name, color=data.color)


@router.delete("/{tag_id}", status_code=204)
async def delete_tag(tag: OwnedTag, session: SessionDep) -> Response:
    await service.delete_tag(session, tag=tag)
    return Response(status_code=204)
