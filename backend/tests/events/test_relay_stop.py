"""The relay stops when cancelled, even when a wake-up (NOTIFY) arrives at the same moment:
with `asyncio.wait_for` (Python 3.11) that cancel was swallowed and shutdown hung."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

from backend.platform.events.relay import Relay
from backend.platform.events.transports import OutboxRow
from backend.platform.settings import asyncpg_dsn
from backend.testing import servers


class AcceptAll:
    async def publish(self, connection: asyncpg.Connection, rows: list[OutboxRow]) -> set[int]:
        return {row.id for row in rows}

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def empty_outbox_url() -> Iterator[str]:
    """An outbox nobody else writes to, so the relay is idle, waiting to be woken."""
    with servers.test_database() as url:
        yield url


async def test_a_cancel_arriving_with_a_wake_up_stops_the_relay(empty_outbox_url):
    dsn = asyncpg_dsn(empty_outbox_url)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        relay = Relay(dsn, pool, AcceptAll(), poll_seconds=30)
        running = asyncio.create_task(relay.run())
        await asyncio.sleep(0.5)  # connected, found nothing, waiting
        assert not running.done()
        relay._wake.set()  # as the NOTIFY callback does
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(running, 5)
    finally:
        await pool.close()
