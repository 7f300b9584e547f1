"""Benchmark: the official `dapr` Python SDK's async client against TaskFlow's hand-written
sidecar calls, through a real daprd and Kafka (`taskflow dapr install`).

- publish: `DaprPublisher.send` (httpx, HTTP publish API, the relay's call) against
  `dapr.aio.clients.DaprClient.publish_event` (gRPC), and against the same HTTP call made with
  aiohttp (which client the time goes to).
- invoke: `services/recurring/client.py _invoke` (httpx, a new client per call, as written)
  against `DaprClient.invoke_method` (HTTP through aiohttp), and one pooled httpx client.
  The target is an app behind its own daprd with app id `api` answering 201.
- the SDK client's creation: it waits for the sidecar's /v1.0/healthz/outbound with a blocking
  urllib loop (up to DAPR_HEALTH_TIMEOUT, 60 s), run inside the event loop.

Each call one at a time (p50/p99), then calls/s with 32 in flight. The SDK cannot share
TaskFlow's environment (dapr 1.19.0 requires python-dateutil < 3; TaskFlow pins 4.0.0), so it is
installed once beside it, under the cache directory, and put at the end of sys.path.

    .venv/bin/python scripts/bench/dapr_sdk.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile
from dapr_topology import DaprBench

from backend.platform.events.transports.dapr import CLOUDEVENTS_JSON, DaprPublisher
from backend.platform.settings import Settings
from backend.topology.kafka import Topic
from backend.topology.ports import free_port
from backend.topology.toolchain import DAPR_VERSION, cache_root
from services.recurring import client as recurring_client

SDK_VERSION = "1.19.0"
SDK = f"dapr=={SDK_VERSION}"
TOPIC = "bench-sdk"
CONCURRENCY = 32


def sdk_path() -> Path:
    """The SDK installed beside TaskFlow (pip --target), installed the first time."""
    target = cache_root() / f"dapr-sdk-{SDK_VERSION}"
    if not (target / "dapr").exists():
        print(f"▸ installing {SDK} into {target}", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), SDK],
            check=True,
        )
    return target


def event() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "com.taskflow.task.updated",
        "source": "bench",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "data": {"user_id": "bench", "task": {"id": "t", "title": "x" * 200}, "version": 1},
    }


def occurrence() -> dict:
    return {"id": str(uuid.uuid4()), "series_id": str(uuid.uuid4()), "due": "2026-12-06"}


Call = Callable[[], Awaitable[None]]


async def measure(call: Call, count: int) -> tuple[list[float], float]:
    """(seconds per call one at a time, calls/s with CONCURRENCY in flight)."""
    for _ in range(50):
        await call()
    alone = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        alone.append(time.perf_counter() - started)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def limited() -> None:
        async with limit:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(limited() for _ in range(count)))
    return alone, count / (time.perf_counter() - started)


async def health_wait(api_port: int) -> tuple[float, float]:
    """(seconds DaprClient() took against a ready sidecar, longest event-loop stall while it
    was created against no sidecar with DAPR_HEALTH_TIMEOUT=3)."""
    from dapr.aio.clients import DaprClient
    from dapr.conf import settings as sdk_settings

    started = time.perf_counter()
    client = DaprClient()
    ready = time.perf_counter() - started
    await client.close()

    stalls: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stalls.append(now - last - 0.01)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    port, timeout = sdk_settings.DAPR_HTTP_PORT, sdk_settings.DAPR_HEALTH_TIMEOUT
    sdk_settings.DAPR_HTTP_PORT, sdk_settings.DAPR_HEALTH_TIMEOUT = api_port, 3
    try:
        DaprClient()
    except Exception:
        pass
    finally:
        sdk_settings.DAPR_HTTP_PORT, sdk_settings.DAPR_HEALTH_TIMEOUT = port, timeout
    await asyncio.sleep(0.05)
    ticking.cancel()
    return ready, max(stalls)


async def run(settings: Settings, count: int, dead_port: int) -> dict[str, tuple]:
    import aiohttp  # the SDK's own HTTP client, installed with it
    from dapr.aio.clients import DaprClient

    results: dict[str, tuple] = {}
    sdk = DaprClient(address=f"127.0.0.1:{settings.dapr_grpc_port}")
    publisher = DaprPublisher(settings)
    token = settings.dapr_api_token.get_secret_value()
    base = f"http://127.0.0.1:{settings.dapr_http_port}"
    session = aiohttp.ClientSession(
        headers={"Content-Type": CLOUDEVENTS_JSON, "dapr-api-token": token}
    )
    pooled = httpx.AsyncClient(base_url=base, headers={"dapr-api-token": token}, timeout=10)
    try:

        async def hand_publish() -> None:
            assert await publisher.send(TOPIC, event(), partition_key=str(uuid.uuid4()))

        async def sdk_publish() -> None:
            await sdk.publish_event(
                settings.pubsub_name,
                TOPIC,
                orjson.dumps(event()),
                publish_metadata={"partitionKey": str(uuid.uuid4())},
                data_content_type=CLOUDEVENTS_JSON,
            )

        async def aiohttp_publish() -> None:
            async with session.post(
                f"{base}/v1.0/publish/{settings.pubsub_name}/{TOPIC}",
                params={"metadata.partitionKey": str(uuid.uuid4())},
                data=orjson.dumps(event()),
            ) as response:
                assert response.status == 204, response.status

        async def hand_invoke() -> None:
            response = await recurring_client._invoke(settings, occurrence())
            assert response.status_code == 201, response.status_code

        async def sdk_invoke() -> None:
            response = await sdk.invoke_method(
                "api",
                recurring_client.OCCURRENCES_METHOD,
                orjson.dumps(occurrence()),
                content_type="application/json",
                http_verb="POST",
            )
            assert response.status_code == 201, response.status_code

        async def pooled_invoke() -> None:
            response = await pooled.post(
                f"/v1.0/invoke/api/method/{recurring_client.OCCURRENCES_METHOD}",
                json=occurrence(),
            )
            assert response.status_code == 201, response.status_code

        for name, call in (
            ("publish: hand-written (DaprPublisher.send, httpx)", hand_publish),
            ("publish: SDK publish_event (gRPC)", sdk_publish),
            ("publish: same HTTP call with aiohttp", aiohttp_publish),
            ("invoke: hand-written (_invoke, httpx, client per call)", hand_invoke),
            ("invoke: SDK invoke_method (HTTP, aiohttp)", sdk_invoke),
            ("invoke: one pooled httpx client", pooled_invoke),
        ):
            print(f"▸ {name}", file=sys.stderr, flush=True)
            results[name] = await measure(call, count)
        results["health"] = await health_wait(dead_port)
    finally:
        await sdk.close()
        await publisher.close()
        await session.close()
        await pooled.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 300 if args.quick else 1_000
    sys.path.append(str(sdk_path()))
    workdir = Path(os.environ["BENCH_DAPR_DIR"]) if os.environ.get("BENCH_DAPR_DIR") else None
    # The caller is the recurring service's sidecar; the target app is `api` behind its own.
    with DaprBench(workdir, publisher_app_id="recurring") as bench:
        bench.create_topics(Topic(TOPIC, 4), Topic(f"{TOPIC}-dlq", 4))
        settings = Settings(
            _env_file=None,
            event_transport="dapr",
            dapr_http_port=bench.publisher.http_port,
            dapr_grpc_port=bench.publisher.grpc_port,
            dapr_api_token=bench.api_token,
        )
        # The SDK reads its settings from the environment when it is imported.
        os.environ.update(
            DAPR_HTTP_PORT=str(settings.dapr_http_port),
            DAPR_GRPC_PORT=str(settings.dapr_grpc_port),
            DAPR_API_TOKEN=bench.api_token,
        )
        with bench.subscriber(TOPIC, app_id="api"):
            results = asyncio.run(run(settings, count, dead_port=free_port()))
    ready, stall = results.pop("health")

    def ms(values: list[float], p: float) -> float:
        return percentile(values, p) * 1000

    print(
        f"\nThe dapr SDK {SDK_VERSION} (async client) against hand-written calls, daprd {DAPR_VERSION}"
    )
    print(f"{count} calls one at a time, then {count} with {CONCURRENCY} in flight (same run)")
    print(f"{'call':<56}{'p50 ms':>8}{'p99 ms':>8}{'calls/s':>9}{'ratio':>7}")
    print("-" * 88)
    base = 0.0
    for name, (alone, rate) in results.items():
        if "hand-written" in name:  # each group's first row, the call TaskFlow makes today
            base = rate
        ratio = "(base)" if "hand-written" in name else f"{rate / base:.2f}"
        print(f"{name:<56}{ms(alone, 50):>8.2f}{ms(alone, 99):>8.2f}{rate:>9.0f}{ratio:>7}")
    print(f"\nDaprClient() with the sidecar ready: {ready * 1000:.0f} ms (two health waits)")
    print(
        f"DaprClient() with no sidecar, DAPR_HEALTH_TIMEOUT=3: the event loop stalled {stall:.1f} s "
        "(default timeout 60 s: a service's loop would stall up to 60 s)"
    )


if __name__ == "__main__":
    main()
