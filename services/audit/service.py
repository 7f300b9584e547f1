"""The audit service: records every task and reminder event in an append-only, hash-chained
trail and serves it at /api/v1/audit."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from backend.platform.runtime import Runtime
from backend.platform.service import ServiceSpec
from backend.platform.settings import asyncpg_dsn
from services.audit.handlers import writer_for
from services.audit.partitions import ensure_ahead
from services.audit.routes import router
from services.audit.settings import load_settings
from services.audit.subscriptions import SUBSCRIPTIONS

log = structlog.get_logger("taskflow.audit")
PARTITION_CHECK_SECONDS = 6 * 3600


async def run_writer(runtime: Runtime) -> None:
    """Owns the write buffer's lifetime: at shutdown what is buffered is written first."""
    writer = writer_for(runtime)
    try:
        await asyncio.Event().wait()
    finally:
        await writer.close()


async def keep_partitions_ahead(runtime: Runtime) -> None:
    """Create the coming months' partitions at start and every few hours."""
    settings = load_settings(runtime)
    while True:
        delay = PARTITION_CHECK_SECONDS
        try:
            connection = await asyncpg.connect(asyncpg_dsn(settings.database_url or ""))
            try:
                await ensure_ahead(connection, months_ahead=settings.audit_partitions_ahead)
            finally:
                await connection.close()
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("audit_partitions_not_checked", error=str(exc))
            delay = 60
        await asyncio.sleep(delay)


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="audit",
        routers=(router,),
        subscriptions=SUBSCRIPTIONS,
        workers=(run_writer, keep_partitions_ahead),
    )
