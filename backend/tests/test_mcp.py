"""The MCP server through the `mcp` SDK's own client: over stdio (`taskflow mcp`, a real
process) and over streamable HTTP (/mcp on the api app), authenticated by personal tokens."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from backend.assistant.tools import TOOLS

REPO = Path(__file__).resolve().parents[2]


async def _personal_token(client, account) -> str:
    response = await client.post(
        "/api/v1/auth/tokens", json={"name": "mcp test"}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()["token"]


@contextlib.asynccontextmanager
async def _http_client(app, token: str | None, mode: str = "auto") -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c,
        Client(streamable_http_client("http://testserver/mcp", http_client=c), mode=mode) as client,
    ):
        yield client


def _stdio_client(database_url: str, redis_url: str, token: str, **env: str) -> Client:
    return Client(
        StdioServerParameters(
            command=sys.executable,
            args=["-m", "backend.cli", "mcp"],
            cwd=str(REPO),
            env={
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "TASKFLOW_TOKEN": token,
                "LOG_LEVEL": "WARNING",
                **env,
            },
        ),
        read_timeout_seconds=30,
        mode="legacy",  # the initialize handshake, as desktop clients do today
    )


def _payload(result) -> dict:
    assert not result.is_error, result.content
    data = json.loads(result.content[0].text)
    assert result.structured_content == data
    return data


@pytest.mark.slow
async def test_stdio_lists_and_calls_tools_as_the_tokens_owner(
    client, alice, database_url, redis_url, db
):
    token = await _personal_token(client, alice)
    async with _stdio_client(database_url, redis_url, token) as mcp:
        listed = await mcp.list_tools()
        assert {tool.name for tool in listed.tools} == {tool.name for tool in TOOLS}
        create = next(tool for tool in listed.tools if tool.name == "create_task")
        assert (
            create.input_schema["type"] == "object" and "title" in create.input_schema["required"]
        )

        created = _payload(
            await mcp.call_tool(
                "create_task",
                {"title": "Water the plants", "priority": "high", "tags": ["home"]},
            )
        )
        page = _payload(await mcp.call_tool("list_tasks", {"query": "plants"}))
        assert [task["id"] for task in page["items"]] == [created["id"]]

        bad = await mcp.call_tool("create_task", {"title": "x", "priority": "whenever"})
        assert bad.is_error and "priority" in bad.content[0].text

    seen = await client.get(f"/api/v1/tasks/{created['id']}", headers=alice.headers)
    assert seen.status_code == 200
    assert seen.json()["title"] == "Water the plants" and seen.json()["priority"] == "high"
    assert seen.json()["tags"] == ["home"]
    events = await db.fetch(
        "SELECT event_type FROM outbox WHERE event->'data'->'task'->>'id' = $1", created["id"]
    )
    assert [row["event_type"] for row in events] == ["com.taskflow.task.created"]


@pytest.mark.slow
async def test_stdio_with_a_revoked_token_exits_with_one_clear_line(
    client, alice, database_url, redis_url
):
    token = await _personal_token(client, alice)
    listed = (await client.get("/api/v1/auth/tokens", headers=alice.headers)).json()
    await client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=alice.headers)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.cli",
        "mcp",
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TASKFLOW_TOKEN": token,
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1 and stdout == b""
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskflow: TASKFLOW_TOKEN was refused")
    assert "revoked" in lines[0]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_http_lists_and_calls_tools_with_a_personal_token(app, client, alice, mode):
    token = await _personal_token(client, alice)
    async with _http_client(app, token, mode) as mcp:
        listed = await mcp.list_tools()
        assert len(listed.tools) == len(TOOLS)
        created = _payload(await mcp.call_tool("create_task", {"title": "Call the bank"}))
        completed = _payload(await mcp.call_tool("complete_task", {"task_id": created["id"]}))
        assert completed["status"] == "completed"
    seen = await client.get(f"/api/v1/tasks/{created['id']}", headers=alice.headers)
    assert seen.json()["status"] == "completed"


async def test_http_accepts_a_sign_in_token_too(app, alice):
    async with _http_client(app, alice.token) as mcp:
        page = _payload(await mcp.call_tool("list_tasks", {}))
        assert page["items"] == []


async def test_http_without_a_token_is_a_401_problem(client):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    response = await client.post(
        "/mcp", json=body, headers={"Accept": "application/json, text/event-stream"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "personal access token" in response.json()["detail"]
    revoked = await client.post(
        "/mcp",
        json=body,
        headers={"Authorization": "Bearer tf_pat_" + "z" * 43, "Accept": "application/json"},
    )
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


async def test_http_answers_only_post(client, alice):
    response = await client.get("/mcp", headers=alice.headers)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_another_users_task_is_not_found_through_mcp(app, client, alice, bob):
    made = await client.post("/api/v1/tasks", json={"title": "Bob's secret"}, headers=bob.headers)
    bobs_task = made.json()["id"]
    token = await _personal_token(client, alice)
    async with _http_client(app, token) as mcp:
        for name, arguments in (
            ("get_task", {"task_id": bobs_task}),
            ("complete_task", {"task_id": bobs_task}),
            ("delete_task", {"task_id": bobs_task}),
        ):
            result = await mcp.call_tool(name, arguments)
            assert result.is_error, name
            assert "not found" in result.content[0].text.lower(), result.content[0].text
        page = _payload(await mcp.call_tool("list_tasks", {"query": "secret"}))
        assert page["items"] == []
    still = await client.get(f"/api/v1/tasks/{bobs_task}", headers=bob.headers)
    assert still.json()["status"] == "pending" and still.json()["deleted_at"] is None
