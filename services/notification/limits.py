"""At most N concurrent streams per user, counted across every replica in Redis.

Each stream holds a slot: a member of the user's sorted set scored by its expiry (Redis
time). Replicas refresh their live slots every third of the TTL, so a crashed replica's
slots lapse within one TTL; a stream that ends removes its own at once.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis.asyncio as aioredis

# KEYS[1] = the user's slot set; ARGV = slot id, max slots, ttl ms.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
# KEYS = slot sets; ARGV[1] = ttl ms, ARGV[2..] = the slot id for each key.
_REFRESH = """
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', expiry, ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
"""
_REFRESH_BATCH = 500


def slots_key(user_id: str) -> str:
    return f"taskflow:notify:slots:{user_id}"


async def acquire_slot(
    redis: aioredis.Redis, *, user_id: str, slot_id: str, limit: int, ttl_seconds: int
) -> bool:
    """Take one of the user's `limit` stream slots; False when all are held."""
    script = redis.register_script(_ACQUIRE)
    return bool(await script(keys=[slots_key(user_id)], args=[slot_id, limit, ttl_seconds * 1000]))


async def release_slot(redis: aioredis.Redis, *, user_id: str, slot_id: str) -> None:
    """Give the slot back (the stream ended)."""
    await redis.zrem(slots_key(user_id), slot_id)


async def refresh_slots(
    redis: aioredis.Redis, *, slots: Iterable[tuple[str, str]], ttl_seconds: int
) -> None:
    """Push back the expiry of these live (user_id, slot_id) slots."""
    script = redis.register_script(_REFRESH)
    batch = list(slots)
    for start in range(0, len(batch), _REFRESH_BATCH):
        part = batch[start : start + _REFRESH_BATCH]
        await script(
            keys=[slots_key(user) for user, _ in part],
            args=[ttl_seconds * 1000, *(slot for _, slot in part)],
        )
