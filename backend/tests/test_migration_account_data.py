"""The 20261205_0007 migration: the calendar feed table, and the due index's tie order, both
ways (a sync test: Alembic's env.py runs an event loop of its own)."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from backend.migrations import alembic_config, upgrade
from backend.testing import servers


async def _state(url: str) -> tuple[bool, str]:
    connection = await asyncpg.connect(url)
    try:
        table = await connection.fetchval("SELECT to_regclass('calendar_feeds') IS NOT NULL")
        index = await connection.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tasks_user_due'"
        )
        return table, index
    finally:
        await connection.close()


def test_the_migration_upgrades_and_downgrades():
    with servers.test_database() as url:
        table, index = asyncio.run(_state(url))
        assert table and "created_at, id" in index
        command.downgrade(alembic_config(url), "20261205_0006")
        table, index = asyncio.run(_state(url))
        assert not table and "created_at" not in index
        upgrade(url)
        assert asyncio.run(_state(url))[0]
