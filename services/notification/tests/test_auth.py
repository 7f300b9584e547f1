"""Who may open a stream: cookie, Bearer header or a single-use ticket — nobody else."""

from __future__ import annotations

import asyncio

import httpx

from services.notification.tests.conftest import STREAM, bearer, deliver, open_stream, task_event

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
