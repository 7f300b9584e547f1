"""Alembic environment: async engine, the models' metadata, one transaction per migration."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.platform.db import Base
from backend.platform.models import import_all_models
from backend.platform.settings import sqlalchemy_url

import_all_models()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        # One migrator at a time (several pods may start together).
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7346021)")
        context.run_migrations()


async def _online() -> None:
    url = context.config.attributes["database_url"]
    engine = create_async_engine(sqlalchemy_url(url), poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


asyncio.run(_online())
