"""Who may open a stream: cookie, Bearer header or a single-use ticket — nobody else."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from backend.platform.auth import Principal
from backend.platform.runtime import Runtime
from backend.testing.fixtures import TEST_SECRET, make_settings
from services.notification.connection import Connection
from services.notification.hub import Hub
from services.notification.tests.conftest import (
    SSE,
    STREAM,
    bearer,
    deliver,
    open_stream,
    task_event,
)
from services.notification.workers import recheck_credentials

TICKET = "/api/v1/notifications/ticket"


async def test_bearer_header_streams_the_users_events(notify_server, alice):
    async with open_stream(notify_server, headers=alice.headers) as sse:
        assert sse.response.headers["content-type"].startswith("text/event-stream")
        event = task_event(alice.id, title="Call the bank")
        assert await deliver(notify_server, event) == "SUCCESS"
        frame = await sse.next()
    assert frame["id"] == event["id"]
    assert frame["event"] == "com.taskflow.task.updated"
    assert frame["data"] == event["data"]


async def test_a_personal_access_token_streams_until_it_is_revoked(notify_server, client, alice):
    created = await client.post("/api/v1/auth/tokens", json={"name": "cli"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    pat = bearer(created.json()["token"])
    async with open_stream(notify_server, headers=pat) as sse:
        event = task_event(alice.id, title="from a script")
        await deliver(notify_server, event)
        assert (await sse.next())["id"] == event["id"]
    revoked = await client.delete(
        f"/api/v1/auth/tokens/{created.json()['id']}", headers=alice.headers
    )
    assert revoked.status_code == 204
    async with open_stream(notify_server, headers=pat) as refused:
        assert refused.response.status_code == 401
        assert refused.response.headers["content-type"] == "application/problem+json"


async def test_session_cookie_opens_the_stream(notify_server, alice):
    cookie = {"Cookie": f"taskflow_session={alice.token}"}
    async with open_stream(notify_server, headers=cookie) as sse:
        await deliver(notify_server, task_event(alice.id))
        assert (await sse.next())["data"]["user_id"] == alice.id


async def test_a_ticket_works_once(notify_server, alice):
    async with httpx.AsyncClient(base_url=notify_server.url) as client:
        answer = await client.post(TICKET, headers=alice.headers)
        assert answer.status_code == 200
        body = answer.json()
        assert 0 < body["expires_in"] <= 60
        async with open_stream(notify_server, params={"ticket": body["ticket"]}) as sse:
            await deliver(notify_server, task_event(alice.id))
            assert (await sse.next())["data"]["user_id"] == alice.id
        again = await client.get(STREAM, params={"ticket": body["ticket"]})
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/problem+json"
    assert "already used or has expired" in again.json()["detail"]


async def test_an_expired_ticket_is_refused(server_factory, alice):
    async with (
        server_factory(notify_ticket_seconds=1) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        ticket = (await client.post(TICKET, headers=alice.headers)).json()["ticket"]
        await asyncio.sleep(1.3)
        answer = await client.get(STREAM, params={"ticket": ticket})
    assert answer.status_code == 401


async def test_no_or_bad_credentials_get_401(notify_server, alice):
    async with httpx.AsyncClient(base_url=notify_server.url) as client:
        cases = [
            await client.get(STREAM),
            await client.get(STREAM, headers=bearer("not-a-token")),
            await client.get(STREAM, headers={"Authorization": "Basic abc"}),
            await client.get(STREAM, params={"ticket": "forged"}),
            await client.get(STREAM, params={"ticket": "x" * 5000}),
            await client.post(TICKET),
            # a user_id parameter is ignored: the user only ever comes from credentials
            await client.get(STREAM, params={"user_id": alice.id}),
        ]
    for answer in cases:
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"


# A stream outlives the request that authenticated it: each stream's sign-in is checked again
# every NOTIFY_AUTH_RECHECK_SECONDS (1 s here), and the stream ends when it no longer holds.


async def ends(sse: SSE, within: float = 5.0) -> None:
    """The stream ends (cleanly, so the browser reconnects and meets the 401) within `within`
    seconds, with no frame before that."""
    with pytest.raises(EOFError):
        await sse.next(within)


async def test_signing_out_ends_that_sessions_streams_and_no_other(server_factory, client, alice):
    login = await client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert login.status_code == 200, login.text
    other_device = bearer(login.json()["access_token"])
    async with (
        server_factory(notify_auth_recheck_seconds=1) as server,
        open_stream(server, headers=alice.headers) as signed_out,
        open_stream(server, headers=other_device) as still_in,
    ):
        assert (await client.post("/api/v1/auth/logout", headers=alice.headers)).status_code == 204
        await ends(signed_out)
        event = task_event(alice.id, title="seen on the other device")
        await deliver(server, event)
        assert (await still_in.next())["id"] == event["id"]
        async with open_stream(server, headers=alice.headers) as again:
            assert again.response.status_code == 401
            assert "signed out" in again.response.json()["detail"]


async def test_a_stream_ends_when_its_token_expires(server_factory, alice):
    now = int(time.time())
    claims = {"sub": alice.id, "iat": now, "exp": now + 2, "jti": uuid.uuid4().hex}
    short_lived = bearer(jwt.encode(claims, TEST_SECRET, algorithm="HS256"))
    async with (
        server_factory(notify_auth_recheck_seconds=1) as server,
        open_stream(server, headers=short_lived) as sse,
    ):
        event = task_event(alice.id, title="while it lasts")
        await deliver(server, event)
        assert (await sse.next())["id"] == event["id"]
        await ends(sse, within=6)
        async with open_stream(server, headers=short_lived) as again:
            assert again.response.status_code == 401
            assert "expired" in again.response.json()["detail"]


async def test_revoking_a_personal_access_token_ends_its_stream(server_factory, client, alice):
    created = await client.post("/api/v1/auth/tokens", json={"name": "cli"}, headers=alice.headers)
    assert created.status_code == 201, created.text
    async with (
        server_factory(notify_auth_recheck_seconds=1) as server,
        open_stream(server, headers=bearer(created.json()["token"])) as sse,
    ):
        token_id = created.json()["id"]
        revoked = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=alice.headers)
        assert revoked.status_code == 204
        await ends(sse)


async def test_a_ticket_stream_ends_when_the_sign_in_it_came_from_is_signed_out(
    server_factory, client, alice
):
    async with (
        server_factory(notify_auth_recheck_seconds=1) as server,
        httpx.AsyncClient(base_url=server.url) as notify,
    ):
        ticket = (await notify.post(TICKET, headers=alice.headers)).json()["ticket"]
        async with open_stream(server, params={"ticket": ticket}) as sse:
            await deliver(server, task_event(alice.id))
            assert (await sse.next())["data"]["user_id"] == alice.id
            assert (
                await client.post("/api/v1/auth/logout", headers=alice.headers)
            ).status_code == 204
            await ends(sse)


async def test_a_ticket_bought_with_a_signed_out_session_is_refused(server_factory, client, alice):
    async with (
        server_factory() as server,
        httpx.AsyncClient(base_url=server.url) as notify,
    ):
        ticket = (await notify.post(TICKET, headers=alice.headers)).json()["ticket"]
        assert (await client.post("/api/v1/auth/logout", headers=alice.headers)).status_code == 204
        async with open_stream(server, params={"ticket": ticket}) as refused:
            assert refused.response.status_code == 401
            assert "signed out" in refused.response.json()["detail"]


async def test_a_recheck_that_cannot_reach_redis_ends_no_stream(database_url, alice):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # nothing listens once the socket is closed
    runtime = Runtime.open(make_settings(database_url, f"redis://127.0.0.1:{closed_port}/0"))
    hub = Hub()
    principal = Principal(
        user_id=uuid.UUID(alice.id),
        jti=uuid.uuid4().hex,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    connection = Connection(principal=principal, slot_id="s", max_pending=8, frames_per_second=10)
    hub.add(connection)
    try:
        assert await recheck_credentials(runtime, hub, tick=0, slices=1) == 0
    finally:
        await runtime.close()
    assert not connection.closed  # an outage is not a sign-out: the next round asks again
