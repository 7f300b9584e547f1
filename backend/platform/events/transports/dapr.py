"""Publishing through the Dapr sidecar's HTTP publish API, CloudEvents structured mode."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import asyncpg
import httpx
import orjson
import structlog

from backend.platform.events.metrics import PUBLISH_FAILURES
from backend.platform.events.transports import OutboxRow
from backend.platform.settings import Settings

log = structlog.get_logger("taskflow.events.dapr")
CLOUDEVENTS_JSON = "application/cloudevents+json"


class DaprPublisher:
    """POST /v1.0/publish/<pubsub>/<topic>?metadata.partitionKey=<task id>; 204 = accepted."""

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None) -> None:
        self.base = f"http://127.0.0.1:{settings.dapr_http_port}"
        self.pubsub = settings.pubsub_name
        headers = {"Content-Type": CLOUDEVENTS_JSON}
        if settings.dapr_api_token is not None:
            headers["dapr-api-token"] = settings.dapr_api_token.get_secret_value()
        self.client = client or httpx.AsyncClient(
            base_url=self.base, headers=headers, timeout=httpx.Timeout(10.0, connect=2.0)
        )

    async def send(self, topic: str, event: dict, *, partition_key: str) -> bool:
        try:
            response = await self.client.post(
                f"/v1.0/publish/{self.pubsub}/{topic}",
                params={"metadata.partitionKey": partition_key},
                content=orjson.dumps(event),
                # The sidecar's publish span joins the event's trace instead of starting one.
                headers={"traceparent": parent} if (parent := event.get("traceparent")) else None,
            )
        except httpx.HTTPError as exc:
            log.warning("dapr_publish_unreachable", topic=topic, error=str(exc))
            PUBLISH_FAILURES.labels(topic).inc()
            return False
        if response.status_code == 204:
            return True
        PUBLISH_FAILURES.labels(topic).inc()
        loud = log.error if 400 <= response.status_code < 500 else log.warning
        loud(
            "dapr_publish_refused",
            topic=topic,
            status=response.status_code,
            body=response.text[:300],
        )
        return False

    async def healthy(self) -> None:
        """Raises unless the sidecar answers its health endpoint with 204."""
        response = await self.client.get("/v1.0/healthz")
        if response.status_code != 204:
            raise RuntimeError(f"Dapr sidecar answered {response.status_code} on /v1.0/healthz")

    async def close(self) -> None:
        await self.client.aclose()


class DaprTransport:
    def __init__(self, publisher: DaprPublisher, *, concurrency: int = 32) -> None:
        self.publisher = publisher
        self.limit = asyncio.Semaphore(concurrency)

    async def publish(self, connection: asyncpg.Connection, rows: list[OutboxRow]) -> set[int]:
        partitions: dict[str, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            partitions[row.partition_key].append(row)
        accepted: set[int] = set()

        async def in_order(partition: list[OutboxRow]) -> None:
            for row in partition:  # a failure stops the partition: order within it holds
                async with self.limit:
                    ok = await self.publisher.send(
                        row.topic, row.event, partition_key=row.partition_key
                    )
                if not ok:
                    return
                accepted.add(row.id)

        await asyncio.gather(*(in_order(p) for p in partitions.values()))
        return accepted

    async def close(self) -> None:
        await self.publisher.close()
