"""Sign-up, sign-in with a failed-attempt limit, and profile changes."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.schemas import SignupIn, UserUpdate
from backend.platform.auth import email_key, hash_password, verify_password
from backend.platform.errors import Problem

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


async def signup(session: AsyncSession, *, data: SignupIn) -> User:
    password_hash = await hash_password(data.password)
    user_id = await session.scalar(
        insert(User)
        .values(
            id=uuid.uuid4(),
            email=data.email.strip(),
            name=data.name,
            password_hash=password_hash,
            timezone=data.timezone,
        )
        .on_conflict_do_nothing(index_elements=[func.lower(User.email)])
        .returning(User.id)
    )
    if user_id is None:
        raise Problem(409, "An account with this email already exists: sign in instead")
    return await get_user(session, user_id=user_id)


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise Problem(401, "This account no longer exists", headers={"WWW-Authenticate": "Bearer"})
    return user


def _failures_key(email: str) -> str:
    return f"taskflow:login-failures:{email_key(email)}"


async def authenticate(
    session: AsyncSession, redis: aioredis.Redis, *, email: str, password: str
) -> User:
    """The user for these credentials; 401 when wrong, 429 after repeated failures."""
    key = _failures_key(email)
    failures = int(await redis.get(key) or 0)
    if failures >= LOGIN_FAILURE_LIMIT:
        retry_after = max(int(await redis.ttl(key)), 1)
        raise Problem(
            429,
            f"Too many failed sign-ins for this email: try again in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )
    user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if not await verify_password(password, user.password_hash if user else None) or user is None:
        async with redis.pipeline(transaction=True) as pipe:
            # SET NX EX, then INCR: the window opens at the first failure (6.2 lacks EXPIRE NX).
            pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
            await pipe.execute()
        raise Problem(401, "Email or password is wrong")
    await redis.delete(key)
    return user


async def update_user(session: AsyncSession, *, user: User, data: UserUpdate) -> User:
    if data.name is not None:
        user.name = data.name
    if data.timezone is not None:
        user.timezone = data.timezone
    await session.flush()
    return user
