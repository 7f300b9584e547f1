"""The calendar feed's secret: made (or remade) and revoked by its user, and the only key to
the feed (no cookie or token is asked for: calendar apps send none)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.platform.db import utcnow
from backend.platform.errors import not_found
from backend.portability.models import CalendarFeed
from backend.tasks.models import Task

SECRET_PREFIX = "tf_cal_"
COMPLETED_SHOWN_FOR = timedelta(days=30)
"""Completed tasks stay in the feed this long after completion (then calendars drop them)."""


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def get_feed(session: AsyncSession, *, user_id: uuid.UUID) -> CalendarFeed | None:
    return await session.get(CalendarFeed, user_id)


async def regenerate_feed(session: AsyncSession, *, user_id: uuid.UUID) -> tuple[CalendarFeed, str]:
    """A new secret for the user's feed (the old address stops working); the secret is shown
    this once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    values = {"user_id": user_id, "token_hash": _digest(secret), "created_at": now}
    await session.execute(
        insert(CalendarFeed)
        .values(values)
        .on_conflict_do_update(index_elements=[CalendarFeed.user_id], set_=values)
    )
    feed = await session.get(CalendarFeed, user_id, populate_existing=True)
    assert feed is not None
    return feed, secret


async def revoke_feed(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Turn the feed off; 404 when there was none."""
    gone = await session.scalar(
        delete(CalendarFeed).where(CalendarFeed.user_id == user_id).returning(CalendarFeed.user_id)
    )
    if gone is None:
        raise not_found("Calendar feed")


async def feed_owner(session: AsyncSession, *, secret: str) -> User:
    """The user whose feed this secret opens; 404 (never 401/403) for anything else."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        raise not_found("Calendar feed")
    user = await session.scalar(
        select(User).join(CalendarFeed).where(CalendarFeed.token_hash == _digest(secret))
    )
    if user is None:
        raise not_found("Calendar feed")
    return user


async def feed_tasks(session: AsyncSession, *, user_id: uuid.UUID) -> Sequence[Task]:
    """The tasks a feed shows: due, not in the trash, pending or completed recently."""
    shown_since = utcnow() - COMPLETED_SHOWN_FOR
    query = (
        select(Task)
        .where(Task.user_id == user_id, Task.due_at.isnot(None), Task.deleted_at.is_(None))
        .where(or_(Task.status == "pending", Task.completed_at >= shown_since))
        .order_by(Task.due_at, Task.created_at, Task.id)
    )
    return (await session.scalars(query)).all()
