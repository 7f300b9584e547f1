"""The long-lived resources of one process: settings, database engine, Redis, event bus."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.platform.db import make_engine, make_sessionmaker, pooled_connection
from backend.platform.redis import make_redis
from backend.platform.settings import ConfigError, Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    readiness_checks: dict[str, Callable[[Runtime], Awaitable[None]]] = field(default_factory=dict)
    """Extra checks `/health/ready` runs (the Dapr sidecar, in Dapr mode)."""
    liveness_checks: dict[str, Callable[[Runtime], Awaitable[None]]] = field(default_factory=dict)
    """What `/health/live` runs: failures a restart of the process would cure (a crashed
    worker, an embedded server that could not be restarted)."""
    events: Any = None
    """The process's EventBus (backend.platform.events.bus), once started."""

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        if not settings.database_url:
            raise ConfigError("DATABASE_URL is not set")
        if not settings.redis_url:
            raise ConfigError("REDIS_URL is not set")
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            redis=make_redis(settings.redis_url),
        )

    def connection(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """A pooled asyncpg connection, no ORM session (see `db.pooled_connection`)."""
        return pooled_connection(self.engine)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()
