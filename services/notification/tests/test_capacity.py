"""One replica holds at most NOTIFY_MAX_CONNECTIONS streams, and says how full it is."""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from services.notification.tests.conftest import STREAM, Server, open_stream

TICKET = "/api/v1/notifications/ticket"


async def gauges(server: Server) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        text = (await client.get("/metrics")).text
    found = re.findall(r"^(taskflow_sse_connections(?:_limit)?) (\S+)$", text, re.MULTILINE)
    return {name: float(value) for name, value in found}


async def until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


async def test_a_full_replica_answers_503_with_retry_after(server_factory, alice, bob):
    async with (
        server_factory(notify_max_connections=2) as server,
        open_stream(server, headers=alice.headers),
        open_stream(server, headers=bob.headers),
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        assert await gauges(server) == {
            "taskflow_sse_connections": 2.0,
            "taskflow_sse_connections_limit": 2.0,
        }
        third = await client.get(STREAM, headers=alice.headers)
        assert third.status_code == 503
        assert third.headers["content-type"] == "application/problem+json"
        assert third.headers["retry-after"] == "5"
        assert "limit of 2 streams" in third.json()["detail"]
        # refused before its user's slots are counted: alice still has two of her three
        assert (await gauges(server))["taskflow_sse_connections"] == 2.0


async def test_a_ticket_is_not_spent_on_a_refused_stream(server_factory, alice, bob):
    async with (
        server_factory(notify_max_connections=1) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        ticket = (await client.post(TICKET, headers=alice.headers)).json()["ticket"]
        async with open_stream(server, headers=bob.headers):
            refused = await client.get(STREAM, params={"ticket": ticket})
            assert refused.status_code == 503

        async def admitted() -> bool:
            return (await gauges(server))["taskflow_sse_connections"] == 0

        await until(admitted)  # bob's stream ended: its place is free again
        async with open_stream(server, params={"ticket": ticket}) as sse:
            assert sse.response.status_code == 200


async def test_refused_and_failed_opens_give_their_place_back(server_factory, alice):
    async with (
        server_factory(notify_max_connections=2, notify_max_streams_per_user=1) as server,
        open_stream(server, headers=alice.headers),
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        for _ in range(3):
            assert (await client.get(STREAM)).status_code == 401
            assert (await client.get(STREAM, headers=alice.headers)).status_code == 429
            long_id = {**alice.headers, "Last-Event-ID": "x" * 201}
            assert (await client.get(STREAM, headers=long_id)).status_code == 422
        assert (await gauges(server))["taskflow_sse_connections"] == 1.0
