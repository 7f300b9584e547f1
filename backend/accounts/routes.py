"""/api/v1/auth: sign up, sign in, sign out, and the signed-in user."""

from __future__ import annotations

import redis.asyncio as aioredis
from fastapi import APIRouter, Request, Response

from backend.accounts import service, throttle, tokens
from backend.accounts.deps import CurrentUser
from backend.accounts.models import User
from backend.accounts.schemas import LoginIn, SignupIn, TokenOut, UserRead, UserUpdate
from backend.platform.auth import SESSION_COOKIE, issue_token, remember_session, revoke
from backend.platform.deps import PrincipalDep, RedisDep, SessionDep, SettingsDep
from backend.platform.openapi import problems
from backend.platform.settings import Settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


async def signed_in(
    user: User, response: Response, settings: Settings, redis: aioredis.Redis
) -> TokenOut:
    """A new sign-in of `user`: its token in the body and in the session cookie."""
    issued = issue_token(
        user_id=user.id, secret=settings.jwt_key, minutes=settings.access_token_minutes
    )
    await remember_session(redis, user_id=user.id, issued=issued)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=issued.expires_in,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return TokenOut(
        access_token=issued.token, expires_in=issued.expires_in, user=UserRead.model_validate(user)
    )


def _limits(settings: Settings) -> throttle.Limits:
    return throttle.Limits(
        per_account_address=settings.login_failures_per_account_address,
        per_address=settings.login_failures_per_address,
        per_account=settings.login_failures_per_account,
        signups_per_hour=settings.signups_per_address_per_hour,
    )


def _address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, uvicorn's
    --forwarded-allow-ips makes it the forwarded one)."""
    return request.client.host if request.client else "unknown"


@router.post("/signup", status_code=201, response_model=TokenOut, responses=problems(409, 429))
async def signup(
    data: SignupIn,
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> TokenOut:
    await throttle.charge_signup(redis, address=_address(request), limits=_limits(settings))
    user = await service.signup(session, data=data)
    return await signed_in(user, response, settings, redis)


@router.post("/login", response_model=TokenOut, responses=problems(401, 429))
async def login(
    data: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> TokenOut:
    user = await service.authenticate(
        session,
        redis,
        email=data.email,
        password=data.password,
        address=_address(request),
        limits=_limits(settings),
    )
    return await signed_in(user, response, settings, redis)


@router.post("/logout", status_code=204)
async def logout(
    principal: PrincipalDep, redis: RedisDep, session: SessionDep, response: Response
) -> Response:
    """The token sent no longer works: a session's JWT is revoked, a personal token deleted."""
    if tokens.is_personal_principal(principal):
        await tokens.revoke_token(
            session, user_id=principal.user_id, token_id=tokens.token_id(principal)
        )
    else:
        await revoke(principal, redis=redis)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserRead)
async def me(user: CurrentUser) -> User:
    return user


@router.patch("/me", response_model=UserRead)
async def update_me(data: UserUpdate, user: CurrentUser, session: SessionDep) -> User:
    return await service.update_user(session, user=user, data=data)
