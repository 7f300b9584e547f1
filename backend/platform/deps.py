"""FastAPI dependencies shared by every service, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import tokens
from backend.platform.auth import (
    SESSION_COOKIE,
    Principal,
    decode_token,
    revoked_among,
    unauthorized,
)
from backend.platform.runtime import Runtime
from backend.platform.settings import Settings
from backend.platform.web_security import require_same_origin


# Every dependency is `async def`: FastAPI runs plain `def` dependencies in a thread pool,
# which cost more than the work they do here.
async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_redis(runtime: RuntimeDep) -> aioredis.Redis:
    return runtime.redis


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed after the route returns, rolled back if it raises."""
    async with runtime.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("The Authorization header must be 'Bearer <token>'")
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def get_principal(request: Request, runtime: RuntimeDep) -> Principal:
    """The caller, from a JWT (header or session cookie) or a personal access token."""
    token = bearer_token(request)
    if not token:
        raise unauthorized()
    if "authorization" not in request.headers:  # the session cookie: a browser sent it
        require_same_origin(request, allowed=runtime.settings.trusted_origins)
    if tokens.is_personal_token(token):
        principal = await tokens.authenticate(token, engine=runtime.engine)
    else:
        principal = await decode_token(token, secret=runtime.settings.jwt_key, redis=runtime.redis)
    request.state.user_id = principal.user_id  # for the access log
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def signed_out(principals: Iterable[Principal], runtime: Runtime) -> set[str]:
    """The `jti`s of these principals that can no longer authenticate: the sign-in was signed
    out, or the personal access token revoked. For connections that outlive the request that
    authenticated them (expiry is the caller's to compare with `expires_at`)."""
    jtis = {principal.jti for principal in principals}
    personal = {jti for jti in jtis if jti.startswith(tokens.JTI_PREFIX)}
    gone = await revoked_among(jtis - personal, runtime.redis)
    return gone | await tokens.revoked_among(personal, engine=runtime.engine)
