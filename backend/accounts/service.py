"""Sign-up, sign-in with a failed-attempt limit, and profile changes."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import throttle
from backend.accounts.models import User
from backend.accounts.schemas import SignupIn, UserUpdate
from backend.platform.auth import hash_password, verify_password
from backend.platform.errors import Problem


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


async def authenticate(
    session: AsyncSession,
    redis: aioredis.Redis,
    *,
    email: str,
    password: str,
    address: str,
    limits: throttle.Limits,
) -> User:
    """The user for these credentials; 401 when wrong, 429 after repeated failures (the
    attempt is counted before the slow hash: see `throttle`)."""
    attempt = await throttle.begin_login(redis, email=email, address=address, limits=limits)
    user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if not await verify_password(password, user.password_hash if user else None) or user is None:
        raise Problem(401, "Email or password is wrong")
    await attempt.succeeded()
    return user


async def update_user(session: AsyncSession, *, user: User, data: UserUpdate) -> User:
    if data.name is not None:
        user.name = data.name
    if data.timezone is not None:
        user.timezone = data.timezone
    await session.flush()
    return user
