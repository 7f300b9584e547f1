"""The Redis client every service shares (redis-py asyncio)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import redis.asyncio as aioredis


def make_redis(redis_url: str, *, max_connections: int = 64) -> aioredis.Redis:
    """A client for `redis://`, `rediss://` or `unix:///path/redis.sock` URLs."""
    parsed = urlparse(redis_url)
    if parsed.scheme == "unix":
        db = int(parse_qs(parsed.query).get("db", ["0"])[0])
        return aioredis.Redis(
            unix_socket_path=parsed.path,
            db=db,
            decode_responses=True,
            max_connections=max_connections,
        )
    return aioredis.Redis.from_url(
        redis_url, decode_responses=True, max_connections=max_connections
    )
