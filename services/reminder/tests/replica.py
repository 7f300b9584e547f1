"""A firing-loop replica as a real process whose publish never returns (it prints the
reminder and blocks): `python -m services.reminder.tests.replica REDIS_URL PREFIX LEASE_MS`."""

from __future__ import annotations

import asyncio
import sys

from backend.platform.redis import make_redis
from services.reminder.firing import FiringConfig, FiringLoop
from services.reminder.schedule import Schedule


async def main(url: str, prefix: str, lease_ms: int) -> None:
    async def publish(event: dict) -> None:
        print(f"publishing {event['id']}", flush=True)
        await asyncio.Event().wait()  # a hung broker

    schedule = Schedule(make_redis(url), prefix=prefix)
    print("ready", flush=True)
    await FiringLoop(
        schedule=schedule, publish=publish, config=FiringConfig(lease_ms=lease_ms)
    ).run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
