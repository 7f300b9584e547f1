"""/api/v1/tags."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from backend.platform.deps import PrincipalDep, SessionDep
from backend.platform.openapi import problems
from backend.platform.text import Text
from backend.tags import service
from backend.tags.models import Tag
from backend.tags.schemas import TagCreate, TagRead, TagUpdate, TagWithCount

router = APIRouter(prefix="/api/v1/tags", tags=["tags"])


async def owned_tag(tag_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> Tag:
    return await service.get_tag(session, user_id=principal.user_id, tag_id=tag_id)


OwnedTag = Annotated[Tag, Depends(owned_tag)]


@router.get(
    "",
    response_model=list[TagWithCount],
    responses={
        **problems(400),
        200: {
            "headers": {
                "Link": {
                    "description": 'the next page, as `<url>; rel="next"`, when there is one',
                    "schema": {"type": "string"},
                }
            }
        },
    },
)
async def list_tags(
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description="tags per page")] = 100,
    cursor: Annotated[
        Text | None, Query(max_length=500, description="from the Link header")
    ] = None,
) -> list[TagWithCount]:
    """The user's tags by name, a page at a time: the next page is in the `Link` header."""
    rows, next_cursor = await service.list_tags(
        session, user_id=principal.user_id, limit=limit, cursor=cursor
    )
    if next_cursor:
        url = request.url.include_query_params(limit=limit, cursor=next_cursor)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return [
        TagWithCount(id=tag.id, name=tag.name, color=tag.color, task_count=count)
        for tag, count in rows
    ]


@router.post("", status_code=201, response_model=TagRead, responses=problems(409))
async def create_tag(data: TagCreate, principal: PrincipalDep, session: SessionDep) -> Tag:
    return await service.create_tag(
        session, user_id=principal.user_id, name=data.name, color=data.color
    )


@router.patch("/{tag_id}", response_model=TagRead, responses=problems(409))
async def update_tag(data: TagUpdate, tag: OwnedTag, session: SessionDep) -> Tag:
    return await service.update_tag(session, tag=tag, name=data.name, color=data.color)


@router.delete("/{tag_id}", status_code=204)
async def delete_tag(tag: OwnedTag, session: SessionDep) -> Response:
    await service.delete_tag(session, tag=tag)
    return Response(status_code=204)
