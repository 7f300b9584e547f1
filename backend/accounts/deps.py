"""The signed-in user as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.models import User
from backend.accounts.service import get_user
from backend.platform.deps import PrincipalDep, SessionDep


async def get_current_user(principal: PrincipalDep, session: SessionDep) -> User:
    return await get_user(session, user_id=principal.user_id)


CurrentUser = Annotated[User, Depends(get_current_user)]
