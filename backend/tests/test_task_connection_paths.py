"""POST and GET /api/v1/tasks run on a bare pooled connection (no ORM session): the same
task, tags and outbox event as the ORM path, nothing written when a request is refused, and a
broken connection never goes back into the pool. And `iso`'s fast path writes what the slow
one did."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy import text

from backend.platform.errors import backing_service_down
from backend.tasks import service
from backend.tasks.schemas import TaskCreate, iso


async def test_a_created_task_and_its_event_match_what_the_orm_path_writes(app, client, alice, db):
    fields = {
        "title": "Water plants",
        "tags": ["Home", "garden", "home"],
        "due_at": "2026-12-01T09:00:00+01:00",
        "timezone": "Europe/Berlin",
        "reminders": [{"offset_minutes": 30}],
        "recurrence": {"rrule": "every 2 weeks", "from": "due"},
    }
    created = await client.post("/api/v1/tasks", json=fields, headers=alice.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/tasks/{body['id']}"
    assert body == (await client.get(created.headers["Location"], headers=alice.headers)).json()

    user_id = uuid.UUID(alice.id)
    async with app.state.runtime.sessions() as session, session.begin():
        orm = await service.create_task(
            session,
            user_id=user_id,
            default_timezone="UTC",
            data=TaskCreate.model_validate(fields),
            actor=service.user_actor(user_id),
        )
    same_shape = (await client.get(f"/api/v1/tasks/{orm.id}", headers=alice.headers)).json()
    differing = {"id", "series_id", "created_at", "updated_at", "reminders"}
    assert {k: v for k, v in body.items() if k not in differing} == {
        k: v for k, v in same_shape.items() if k not in differing
    }

    rows = await db.fetch(
        "SELECT event, partition_key FROM outbox WHERE partition_key = ANY($1::text[]) ORDER BY id",
        [body["id"], str(orm.id)],
    )
    http_event, orm_event = (json.loads(r["event"]) for r in rows)
    assert http_event["data"]["task"] == body
    # Outside a request the ORM path has no request id or trace to carry.
    assert http_event.keys() - {"traceparent", "traceid", "correlationid"} == orm_event.keys()
    assert http_event["correlationid"] == created.headers["X-Request-ID"]
    assert http_event["data"].keys() == orm_event["data"].keys()
    assert http_event["data"]["actor"] == orm_event["data"]["actor"]
    tags = await db.fetch(
        "SELECT tags.name FROM task_tags JOIN tags ON tags.id = task_tags.tag_id "
        "WHERE task_tags.task_id = $1 ORDER BY lower(tags.name)",
        uuid.UUID(body["id"]),
    )
    assert [t["name"] for t in tags] == ["garden", "Home"]


async def test_a_refused_create_writes_no_task_tag_or_event(client, alice, db):
    before = await db.fetchval("SELECT count(*) FROM outbox")
    refused = await client.post(
        "/api/v1/tasks",
        # A reminder relative to a due date the task does not have: refused after parsing.
        json={"title": "x", "tags": ["brand-new-tag"], "reminders": [{"offset_minutes": 5}]},
        headers=alice.headers,
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert await db.fetchval("SELECT count(*) FROM outbox") == before
    assert await db.fetchval("SELECT count(*) FROM tags WHERE name = 'brand-new-tag'") == 0
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE user_id = $1", alice.id) == 0


async def test_a_deleted_account_cannot_create_or_list(client, alice, db):
    await db.execute("DELETE FROM users WHERE id = $1", uuid.UUID(alice.id))
    created = await client.post("/api/v1/tasks", json={"title": "x"}, headers=alice.headers)
    assert created.status_code == 401
    assert created.headers["WWW-Authenticate"] == "Bearer"
    listed = await client.get("/api/v1/tasks", headers=alice.headers)
    assert listed.status_code == 200 and listed.json() == {"items": [], "next_cursor": None}


async def _idle_connections(runtime, count: int) -> list[asyncpg.Connection]:
    """The driver connections `count` checkouts in a row are given (the pool is FIFO)."""
    seen = []
    for _ in range(count):
        async with runtime.connection() as connection:
            seen.append(connection)
    return seen


async def test_a_connection_left_in_a_transaction_is_discarded(app):
    runtime = app.state.runtime
    async with runtime.connection() as connection:
        await connection.execute("BEGIN")
    assert connection.is_closed()
    later = await _idle_connections(runtime, runtime.settings.db_pool_size + 1)
    assert all(c is not connection and not c.is_in_transaction() for c in later)


async def _until_closed(connection: asyncpg.Connection) -> None:
    """Wait until asyncpg has read the server's end of `connection` (it does so whenever the
    event loop runs, not at a moment a test can choose otherwise)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not connection.is_closed():
        assert loop.time() < deadline, "asyncpg never saw the server close the connection"
        await asyncio.sleep(0.01)


# How asyncpg reports a lost connection depends on how much of the server's goodbye it has
# read before the next statement: nothing yet (PostgresConnectionError), the FATAL but not the
# socket's end (InternalClientError), or both (InterfaceError "connection is closed").
LOST = (asyncpg.PostgresConnectionError, asyncpg.InternalClientError, asyncpg.InterfaceError)


async def test_a_connection_lost_during_use_is_discarded(app, db):
    runtime = app.state.runtime
    with pytest.raises(LOST):
        async with runtime.connection() as connection:
            pid = await connection.fetchval("SELECT pg_backend_pid()")
            await db.execute("SELECT pg_terminate_backend($1)", pid)
            await connection.fetchval("SELECT 1")
    later = await _idle_connections(runtime, runtime.settings.db_pool_size + 1)
    assert all(c is not connection for c in later)
    assert [await c.fetchval("SELECT 1") for c in later[:1]] == [1]


async def test_a_connection_lost_while_idle_in_the_pool_is_never_handed_out(app, client, alice, db):
    runtime = app.state.runtime
    async with runtime.connection() as connection:
        pid = await connection.fetchval("SELECT pg_backend_pid()")
    await db.execute("SELECT pg_terminate_backend($1)", pid)
    await _until_closed(connection)
    # The next checkouts (raw and through the ORM) get working connections: no request pays
    # for the lost one with an error (today's InterfaceError "connection is closed").
    listed = await client.get("/api/v1/tasks", headers=alice.headers)
    assert listed.status_code == 200, listed.text
    later = await _idle_connections(runtime, runtime.settings.db_pool_size + 1)
    assert all(c is not connection and not c.is_closed() for c in later)
    async with runtime.sessions() as session:
        assert (await session.execute(text("SELECT 1"))).scalar() == 1


def test_connection_is_closed_is_a_503_not_a_500():
    lost = asyncpg.InterfaceError("connection is closed")
    assert backing_service_down(lost)
    assert not backing_service_down(asyncpg.InterfaceError("another operation is in progress"))


async def test_a_connection_level_error_discards_a_connection_that_still_looks_open(app):
    runtime = app.state.runtime
    with pytest.raises(asyncpg.InternalClientError):
        async with runtime.connection() as connection:
            await connection.fetchval("SELECT 1")
            assert not connection.is_closed() and not connection.is_in_transaction()
            raise asyncpg.InternalClientError(
                "cannot switch to state 11; another operation is in progress"
            )
    later = await _idle_connections(runtime, runtime.settings.db_pool_size + 1)
    assert all(c is not connection for c in later)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 10, 0, 0, 120, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 7, 5, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 1, 5, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        datetime(1890, 7, 5, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")),  # +00:19:32
    ],
)
def test_iso_writes_what_isoformat_writes_with_utc_as_z(value):
    assert iso(value) == value.isoformat().replace("+00:00", "Z")
