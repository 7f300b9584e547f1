"""Checkpoints of each user's chain kept outside the database (in Redis): after every batch
commits, the writer records each moved head's (seq, hash), only ever forward. A database role
— even the owner — that deletes the newest rows and moves the head back, or wipes a user's
whole trail, cannot rewrite these, so verification reports the rows as missing.

Written after the database commit: a checkpoint never names a row that was not committed, and
a Redis failure only leaves the checkpoint behind (never a false alarm). Read before the head,
so a verification never sees a checkpoint newer than the rows it reads.
"""

from __future__ import annotations

import redis.asyncio as aioredis
import structlog

log = structlog.get_logger("taskflow.audit")
PREFIX = "taskflow:audit:checkpoint:"
USERS = "taskflow:audit:checkpointed"
"""Every user with a checkpoint (so `taskflow audit verify` finds wiped trails too)."""

# KEYS: the users' checkpoint keys; ARGV: user id, seq, hash (hex) per key, in order. USERS is
# named in the script (a cluster would need a hash tag; one Redis has none).
_FORWARD = f"""
for i, key in ipairs(KEYS) do
    local user, seq, digest = ARGV[3 * i - 2], tonumber(ARGV[3 * i - 1]), ARGV[3 * i]
    local current = tonumber(redis.call('HGET', key, 'seq') or '0')
    if seq > current then
        redis.call('HSET', key, 'seq', seq, 'hash', digest)
        redis.call('SADD', '{USERS}', user)
    end
end
return 0
"""


async def record(redis: aioredis.Redis, heads: dict[str, tuple[int, bytes]]) -> None:
    """Move these users' checkpoints forward to their heads (never back)."""
    if not heads:
        return
    users = list(heads)
    keys = [PREFIX + user for user in users]
    args: list[str | int] = []
    for user in users:
        seq, digest = heads[user]
        args += [user, seq, digest.hex()]
    await redis.eval(_FORWARD, len(keys), *keys, *args)


async def record_quietly(redis: aioredis.Redis | None, heads: dict[str, tuple[int, bytes]]) -> None:
    """`record`, logging a failure instead of raising (the rows are committed already)."""
    if redis is None:
        return
    try:
        await record(redis, heads)
    except Exception as exc:  # a lagging checkpoint weakens detection, it never loses data
        log.warning("audit_checkpoint_not_recorded", users=len(heads), error=repr(exc))


async def read(redis: aioredis.Redis, user_id: str) -> tuple[int, bytes] | None:
    found = await redis.hgetall(PREFIX + user_id)
    if not found:
        return None
    return int(found["seq"]), bytes.fromhex(found["hash"])


async def users(redis: aioredis.Redis) -> set[str]:
    return set(await redis.smembers(USERS))
