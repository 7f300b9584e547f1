"""Account settings that need the password: change it, and delete the account with everything
in it. Kept apart from `service.py` (sign-up and sign-in)."""

from __future__ import annotations

import redis.asyncio as aioredis
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.schemas import PasswordChange
from backend.platform.auth import hash_password, verify_password
from backend.platform.errors import Problem
from backend.tasks import trash
from backend.tasks.service import user_actor

# A signed-in session (perhaps a stolen one) must not be a way to guess the password faster
# than signing in allows: the same limit, counted per account.
CHECK_FAILURE_LIMIT = 5
CHECK_FAILURE_WINDOW_SECONDS = 15 * 60


def _failures_key(user: User) -> str:
    return f"taskflow:password-check-failures:{user.id}"


async def check_password(
    user: User, password: str, *, redis: aioredis.Redis, what: str = "password"
) -> None:
    """403 (not 401: the caller stays signed in) when `password` is not the user's; 429 after
    repeated wrong ones."""
    key = _failures_key(user)
    if int(await redis.get(key) or 0) >= CHECK_FAILURE_LIMIT:
        retry_after = max(int(await redis.ttl(key)), 1)
        raise Problem(
            429,
            f"Too many wrong passwords: try again in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )
    if not await verify_password(password, user.password_hash):
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=CHECK_FAILURE_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
            await pipe.execute()
        raise Problem(403, f"The {what} is wrong: nothing was changed")
    await redis.delete(key)


async def change_password(
    session: AsyncSession, redis: aioredis.Redis, *, user: User, data: PasswordChange
) -> None:
    await check_password(user, data.current_password, redis=redis, what="current password")
    user.password_hash = await hash_password(data.new_password)
    await session.flush()


async def delete_account(
    session: AsyncSession, redis: aioredis.Redis, *, user: User, password: str
) -> int:
    """Delete the user and everything theirs; how many tasks went with it.

    Every task is purged with a `task.purged` event first, so the services drop what they keep
    per task (the reminder schedule above all). The rest goes with the users row through its
    foreign keys: tags, personal access tokens, chat, the calendar feed.
    """
    await check_password(user, password, redis=redis)
    # Lock the users row first: a task being created meanwhile holds a key-share lock on it
    # (its foreign key), so it either committed before (and is purged with the rest) or waits
    # and then fails; none slips past the purge into the cascade without its event.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    purged = await trash.purge_tasks(
        session, user_id=user.id, in_trash_only=False, actor=user_actor(user.id)
    )
    await session.execute(delete(User).where(User.id == user.id))
    return purged
