"""The Redis client every service shares (redis-py asyncio)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import redis.asyncio as aioredis

POOL_WAIT_SECONDS = 5.0
"""How long a command waits for a free pooled connection before failing: a burst (a reconnect
storm of SSE clients, a benchmark) queues briefly instead of failing with 'Too many
connections' the moment the pool is busy."""


def make_redis(redis_url: str, *, max_connections: int = 64) -> aioredis.Redis:
    """A client for `redis://`, `rediss://` or `unix:///path/redis.sock` URLs."""
    parsed = urlparse(redis_url)
    if parsed.scheme == "unix":
        db = int(parse_qs(parsed.query).get("db", ["0"])[0])
        pool = aioredis.BlockingConnectionPool(
            connection_class=aioredis.UnixDomainSocketConnection,
            path=parsed.path,
            db=db,
            decode_responses=True,
            max_connections=max_connections,
            timeout=POOL_WAIT_SECONDS,
        )
    else:
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url,
            decode_responses=True,
            max_connections=max_connections,
            timeout=POOL_WAIT_SECONDS,
        )
    return aioredis.Redis.from_pool(pool)
