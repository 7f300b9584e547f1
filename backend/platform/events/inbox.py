"""Idempotent consumers: remember which events a consumer applied, and the newest task
version it has seen, inside the consumer's own transaction (PostgreSQL) or atomically (Redis).
"""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id) VALUES (:consumer, :event_id) "
    "ON CONFLICT DO NOTHING RETURNING 1"
)
_ADVANCE = text(
    "INSERT INTO consumer_versions (consumer, task_id, version) "
    "VALUES (:consumer, :task_id, :version) "
    "ON CONFLICT (consumer, task_id) DO UPDATE SET version = EXCLUDED.version "
    "WHERE consumer_versions.version < EXCLUDED.version RETURNING 1"
)
# KEYS[1] = the version key; ARGV[1] = version, ARGV[2] = ttl seconds.
_ADVANCE_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) <= current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
DEFAULT_TTL_SECONDS = 30 * 24 * 3600


async def claim_event(session: AsyncSession, *, consumer: str, event_id: str | uuid.UUID) -> bool:
    """True the first time `consumer` sees `event_id` (recorded in the caller's transaction,
    so it commits or rolls back with the effect); False for a redelivery."""
    result = await session.execute(
        _CLAIM, {"consumer": consumer, "event_id": uuid.UUID(str(event_id))}
    )
    return result.first() is not None


async def advance_version(
    session: AsyncSession, *, consumer: str, task_id: str | uuid.UUID, version: int
) -> bool:
    """True only if `version` is newer than any version of the task this consumer applied."""
    result = await session.execute(
        _ADVANCE, {"consumer": consumer, "task_id": uuid.UUID(str(task_id)), "version": version}
    )
    return result.first() is not None


async def claim_event_redis(
    redis: aioredis.Redis, *, consumer: str, event_id: str, ttl_seconds: int = DEFAULT_TTL_SECONDS
) -> bool:
    """The Redis form of `claim_event` for effects that live in Redis."""
    return bool(
        await redis.set(f"taskflow:inbox:{consumer}:{event_id}", "1", nx=True, ex=ttl_seconds)
    )


async def advance_version_redis(
    redis: aioredis.Redis,
    *,
    consumer: str,
    task_id: str,
    version: int,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> bool:
    """The Redis form of `advance_version` (an atomic compare-and-set)."""
    key = f"taskflow:versions:{consumer}:{task_id}"
    return bool(await redis.eval(_ADVANCE_LUA, 1, key, version, ttl_seconds))
