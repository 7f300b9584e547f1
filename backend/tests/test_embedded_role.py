"""`taskflow up` connects to its embedded PostgreSQL as a role that is not a superuser (issue
18, item 6): the app cannot disable the audit triggers, create roles or read server files; a
data directory made by an earlier version (everything owned by the superuser) is handed over."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from backend.launcher import embedded_servers, migrate
from backend.platform.embedded import DataDirectory, EmbeddedPostgres
from backend.platform.settings import Settings
from backend.tests.test_embedded import seed_pgdata

pytestmark = pytest.mark.slow


async def _as(url: str, *statements: str) -> list:
    connection = await asyncpg.connect(url)
    try:
        return [await connection.fetch(statement) for statement in statements]
    finally:
        await connection.close()


def test_the_app_connects_as_a_role_that_is_not_a_superuser(tmp_path):
    data = DataDirectory(seed_pgdata(tmp_path))
    # What an earlier version left: a table owned by the superuser.
    legacy = EmbeddedPostgres(data.path)
    asyncio.run(_as(legacy.start(), "CREATE TABLE legacy_notes (id int)"))
    legacy.stop()
    settings = Settings(_env_file=None, redis_url="redis://unused:1/0")
    with embedded_servers(settings, data) as (configured, supervisor):
        url = configured.database_url or ""
        assert url.startswith("postgresql://taskflow@")
        migrate(url)
        [(superuser,)], [(legacy_owner,)], [(events_owner,)] = asyncio.run(
            _as(
                url,
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
                "SELECT tableowner FROM pg_tables WHERE tablename = 'legacy_notes'",
                "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'",
            )
        )
        assert superuser is False
        assert legacy_owner == events_owner == "taskflow"
        for forbidden in (
            "SET session_replication_role = replica",  # what bypasses the append-only triggers
            "CREATE ROLE intruder SUPERUSER",
            "SELECT pg_read_file('postgresql.conf')",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                asyncio.run(_as(url, forbidden))
        supervisor.stop()
