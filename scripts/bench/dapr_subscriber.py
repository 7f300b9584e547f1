"""The subscriber service of the Dapr benchmarks, run as its own process behind its own daprd:
TaskFlow's subscriber side as the services use it (`dapr_router`: GET /dapr/subscribe, the
app-token check, the envelope parser, `dispatch`) with a handler that only notes when each event
arrived — CLOCK_MONOTONIC, which is one clock for every process on the machine, so the benchmark
compares it with the time it committed the event. It also answers the api's internal
occurrences endpoint (201, no work) as the target of service invocation (dapr_sdk.py).

    python scripts/bench/dapr_subscriber.py --port N --topic T   (APP_API_TOKEN from the env)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.platform.events.dapr_routes import dapr_router
from backend.platform.events.subscriptions import Delivery, Subscription
from backend.platform.settings import Settings
from services.recurring.client import OCCURRENCES_METHOD

ROUTE = "/bench/events"


def create_app(topic: str) -> FastAPI:
    arrivals: dict[str, float] = {}
    deliveries = 0

    async def handle(delivery: Delivery) -> None:
        nonlocal deliveries
        deliveries += 1
        arrivals.setdefault(delivery.id, time.monotonic())

    app = FastAPI()
    app.state.runtime = None  # the handler touches no database
    subscription = Subscription(name="bench.events", topic=topic, handler=handle, route=ROUTE)
    app.include_router(dapr_router([subscription], Settings(_env_file=None)))

    @app.post(f"/{OCCURRENCES_METHOD}", status_code=201)
    async def occurrence(body: dict) -> dict[str, str]:
        return {"id": str(body.get("id", ""))}

    @app.get("/bench/count")
    async def count() -> dict[str, int]:
        return {"unique": len(arrivals), "deliveries": deliveries}

    @app.get("/bench/arrivals")
    async def all_arrivals() -> dict[str, float]:
        return arrivals

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.topic),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
