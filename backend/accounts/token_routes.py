"""/api/v1/auth/tokens: create, list and revoke personal access tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend.accounts import tokens
from backend.accounts.schemas import PersonalTokenCreate, PersonalTokenCreated, PersonalTokenRead
from backend.platform.auth import Principal
from backend.platform.deps import PrincipalDep, SessionDep
from backend.platform.errors import Problem
from backend.platform.openapi import problems

router = APIRouter(prefix="/api/v1/auth/tokens", tags=["auth"])


async def signed_in(principal: PrincipalDep) -> Principal:
    """The caller, if signed in with a password: a token cannot mint or list other tokens."""
    if tokens.is_personal_principal(principal):
        raise Problem(
            403,
            "A personal access token cannot manage tokens: sign in with your password "
            "to create, list or revoke them",
        )
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


@router.post("", status_code=201, response_model=PersonalTokenCreated, responses=problems(403))
async def create_token(
    data: PersonalTokenCreate, principal: SignedIn, session: SessionDep
) -> PersonalTokenCreated:
    row, token = await tokens.create_token(
        session,
        user_id=principal.user_id,
        name=data.name,
        expires_in_days=data.expires_in_days,
    )
    return PersonalTokenCreated(**PersonalTokenRead.model_validate(row).model_dump(), token=token)


@router.get("", response_model=list[PersonalTokenRead], responses=problems(403))
async def list_tokens(principal: SignedIn, session: SessionDep) -> list[PersonalTokenRead]:
    rows = await tokens.list_tokens(session, user_id=principal.user_id)
    return [PersonalTokenRead.model_validate(row) for row in rows]


@router.delete("/{token_id}", status_code=204, responses=problems(403))
async def revoke_token(token_id: uuid.UUID, principal: SignedIn, session: SessionDep) -> Response:
    await tokens.revoke_token(session, user_id=principal.user_id, token_id=token_id)
    return Response(status_code=204)
