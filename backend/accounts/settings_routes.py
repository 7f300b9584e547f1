"""/api/v1/auth: the account settings a signed-in person changes — password, sign out
everywhere, delete the account. A personal access token cannot use them (403)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from backend.accounts import account_service, tokens
from backend.accounts.deps import CurrentUser
from backend.accounts.schemas import AccountDelete, PasswordChange, SignedOut
from backend.accounts.token_routes import SignedIn
from backend.platform.auth import SESSION_COOKIE, revoke_sessions
from backend.platform.deps import RedisDep, SessionDep
from backend.platform.openapi import problems

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/password", response_model=SignedOut, responses=problems(403, 429))
async def change_password(
    data: PasswordChange,
    principal: SignedIn,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
) -> SignedOut:
    """Change the password; every other sign-in is signed out, this one stays."""
    await account_service.change_password(session, redis, user=user, data=data)
    signed_out = await revoke_sessions(redis, user_id=user.id, keep=principal.jti)
    return SignedOut(sessions=signed_out, tokens=0)


@router.delete("/sessions", response_model=SignedOut, responses=problems(403))
async def sign_out_everywhere(
    principal: SignedIn, session: SessionDep, redis: RedisDep, response: Response
) -> SignedOut:
    """Sign out every sign-in of the account (this one too) and revoke its personal tokens."""
    revoked_tokens = await tokens.revoke_all_tokens(session, user_id=principal.user_id)
    signed_out = await revoke_sessions(redis, user_id=principal.user_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return SignedOut(sessions=signed_out, tokens=revoked_tokens)


@router.post("/me/delete", status_code=204, responses=problems(403, 429))
async def delete_account(
    data: AccountDelete,
    principal: SignedIn,
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
) -> Response:
    """Delete the account and everything in it (needs the password); this cannot be undone."""
    await account_service.delete_account(session, redis, user=user, password=data.password)
    await revoke_sessions(redis, user_id=user.id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
