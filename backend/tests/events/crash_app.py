"""A TaskFlow process (api + probe subscriber, local transport) for the crash test.

    python -m backend.tests.events.crash_app PORT

Settings come from the environment. The relay is slowed down (test code only) so that a
SIGKILL reliably lands while committed events are still waiting to be published/delivered.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from backend.app import create_app, load_services
from backend.platform.events import bus
from backend.platform.events.relay import Relay
from backend.platform.settings import Settings
from backend.tests.events import probe


class SlowRelay(Relay):
    """Small batches with a pause: a backlog of committed, unpublished events builds up."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{**kwargs, "batch_size": 5})

    async def relay_once(self):
        await asyncio.sleep(0.1)
        return await super().relay_once()


bus.Relay = SlowRelay


def main() -> None:
    app = create_app(Settings(), [*load_services(["api"]), probe.spec()], name="crash")
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
