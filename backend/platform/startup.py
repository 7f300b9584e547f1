"""Reaching PostgreSQL and Redis at start-up: a service started before them (every cluster
roll-out) waits with backoff, one log line per attempt, not ready meanwhile; a problem that
waiting cannot fix (a wrong password, database or host name) is one clear line."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import asyncpg
import redis.exceptions as redis_errors
import structlog
from sqlalchemy import text

from backend.platform.runtime import Runtime

log = structlog.get_logger("taskflow.startup")
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
_FATAL_POSTGRES = (
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidAuthorizationSpecificationError,  # no such role, or pg_hba refuses it
    asyncpg.InvalidCatalogNameError,  # no such database
    asyncpg.exceptions.ClientConfigurationError,
)
_FATAL_REDIS = (redis_errors.AuthenticationError, redis_errors.AuthenticationWrongNumberOfArgsError)


class DependencyUnusable(Exception):
    """PostgreSQL or Redis answered, but in a way no retry will change; one line."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]


def fatal_reason(what: str, exc: BaseException) -> str | None:
    """A one-line reason if `exc` cannot be fixed by waiting; None if it is worth retrying."""
    for cause in _chain(exc):
        if isinstance(cause, _FATAL_POSTGRES):
            return f"{what} refused the connection: {cause}".splitlines()[0]
        if isinstance(cause, _FATAL_REDIS) or (
            isinstance(cause, redis_errors.ResponseError)
            and str(cause).startswith(("WRONGPASS", "NOAUTH", "NOPERM"))
        ):
            return f"{what} refused the connection: {cause}".splitlines()[0]
        if isinstance(cause, socket.gaierror) and cause.errno in (
            socket.EAI_NONAME,
            getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
        ):
            return f"{what}'s host name does not resolve ({cause.strerror}): check its URL"
    return None


async def _postgres(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis(runtime: Runtime) -> None:
    await runtime.redis.ping()


CHECKS = (("PostgreSQL", "DATABASE_URL", _postgres), ("Redis", "REDIS_URL", _redis))


async def check_once(runtime: Runtime) -> str | None:
    """None when both answer; else why not (raises DependencyUnusable for what is fatal)."""
    for what, setting, check in CHECKS:
        try:
            await asyncio.wait_for(check(runtime), 10)
        except Exception as exc:  # classify every failure: fatal, or worth waiting for
            reason = fatal_reason(what, exc)
            if reason is not None:
                raise DependencyUnusable(f"{reason} (check {setting})") from None
            detail = str(exc).splitlines()[0][:160] if str(exc) else ""
            return f"{what} is not reachable yet ({type(exc).__name__}{': ' if detail else ''}{detail})"
    return None


async def wait_for_dependencies(runtime: Runtime, status: dict[str, str]) -> None:
    """Until PostgreSQL and Redis both answer: one log line per attempt, with backoff.
    `status["waiting"]` says what is awaited (readiness reports it)."""
    attempt = 0
    while (reason := await check_once(runtime)) is not None:
        delay = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
        attempt += 1
        status["waiting"] = reason
        log.warning("waiting_for_dependencies", attempt=attempt, reason=reason, retry_in=delay)
        await asyncio.sleep(delay)
    status.pop("waiting", None)
    if attempt:
        log.info("dependencies_reachable", attempts=attempt + 1)
