"""The MCP server over stdin/stdout, as one user: the owner of a personal access token.

It works on the database of DATABASE_URL/REDIS_URL or, when those are unset, on the embedded
servers of a `taskflow up` running on the data directory. Tools write tasks and their events
exactly as the API does; the api service's outbox relay delivers the events.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from backend.accounts import tokens
from backend.assistant.tools import ToolContext, ToolError
from backend.launcher import CommandError
from backend.mcp_server.cli import TOKEN_ENV
from backend.mcp_server.server import build_server
from backend.platform.embedded import EmbeddedPostgres, EmbeddedRedis
from backend.platform.errors import Problem
from backend.platform.observability import configure_logging
from backend.platform.runtime import Runtime
from backend.platform.settings import Settings

CREATE_TOKEN_HINT = "create one in TaskFlow with POST /api/v1/auth/tokens"


def run(*, token: str, data_dir: Path | None) -> int:
    """`taskflow mcp`: serve until the client closes stdin; problems end as a CommandError."""
    if not token:
        raise CommandError(
            f"set {TOKEN_ENV} (or pass --token) to a personal access token; {CREATE_TOKEN_HINT}"
        )
    if not tokens.is_personal_token(token):
        raise CommandError(
            f"{TOKEN_ENV} is not a personal access token (those start with "
            f"{tokens.TOKEN_PREFIX}); {CREATE_TOKEN_HINT}"
        )
    settings = with_servers(Settings(), data_dir)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    asyncio.run(serve(settings, token))
    return 0


def with_servers(settings: Settings, data_dir: Path | None) -> Settings:
    """The settings, pointed at a running `taskflow up`'s servers when DATABASE_URL is unset."""
    if settings.database_url is not None:
        return settings
    data = (data_dir or settings.data_dir).expanduser().resolve()
    postgres = EmbeddedPostgres(data)
    if not postgres.is_running():
        raise CommandError(
            "no database: set DATABASE_URL and REDIS_URL to TaskFlow's, or start "
            f"`taskflow up` (data directory {data}) first"
        )
    return settings.model_copy(
        update={
            "database_url": postgres.app_url,
            "redis_url": settings.redis_url or EmbeddedRedis(data).url,
            "db_pool_size": 4,
        }
    )


async def serve(settings: Settings, token: str) -> None:
    """Serve MCP on stdin/stdout until the client closes them."""
    runtime = Runtime.open(settings)
    try:
        await _check_token(token, runtime)

        async def context_for(ctx: ServerRequestContext[Any, Any]) -> ToolContext:
            # Checked on every call, so revoking the token stops a running server too.
            try:
                principal = await tokens.authenticate(token, engine=runtime.engine)
            except Problem as exc:
                raise ToolError(f"{TOKEN_ENV} no longer works: {exc.detail}") from None
            return ToolContext(runtime=runtime, user_id=principal.user_id)

        server = build_server(context_for)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await runtime.close()


async def _check_token(token: str, runtime: Runtime) -> None:
    """Refuse to start with a token that does not work, or a database that cannot be used."""
    try:
        await tokens.authenticate(token, engine=runtime.engine)
    except Problem as exc:
        raise CommandError(f"{TOKEN_ENV} was refused: {exc.detail}") from None
    except asyncpg.UndefinedTableError:
        raise CommandError(
            "the database has no personal access tokens table: run `taskflow db upgrade`"
        ) from None
    except Exception as exc:  # the one line a person needs, not a traceback
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise CommandError(f"cannot use TaskFlow's database: {reason}") from None
