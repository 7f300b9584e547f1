"""The two servers `scripts/bench/api.py` compares, as uvicorn factories (settings from env).

- `taskflow_app`: the real api service (FastAPI, SQLAlchemy, auth, outbox).
- `baseline_app`: a bare Starlette app doing the same SQL with raw asyncpg, no ORM, no auth.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.platform.settings import asyncpg_dsn

TASK_COLUMNS = (
    "id, title, description, status, priority, due_at, all_day, timezone, reminders, recurrence, "
    "series_id, version, created_at, updated_at, completed_at, deleted_at"
)
PRIORITIES = ("low", "medium", "high", "urgent")


def taskflow_app():
    from backend.app import create_app, load_services
    from backend.platform.settings import Settings

    return create_app(Settings(), load_services(["api"]), name="api")


def _task_json(row: asyncpg.Record, tags: list[str]) -> dict:
    task = dict(row)
    task["priority"] = PRIORITIES[task["priority"]]
    task["tags"] = tags
    task["reminders"] = json.loads(task["reminders"])
    task["recurrence"] = json.loads(task["recurrence"]) if task["recurrence"] else None
    return task


def _dumps(value: object) -> bytes:
    return json.dumps(value, default=str).encode()


def baseline_app():
    dsn = asyncpg_dsn(os.environ["DATABASE_URL"])
    user_id = uuid.UUID(os.environ["BENCH_USER_ID"])
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
        yield
        await state["pool"].close()

    async def create(request: Request) -> Response:
        body = await request.json()
        now = datetime.now(UTC)
        task_id = uuid.uuid4()
        async with state["pool"].acquire() as connection, connection.transaction():
            await connection.fetchrow("SELECT id, timezone FROM users WHERE id = $1", user_id)
            row = await connection.fetchrow(
                f"INSERT INTO tasks (id, user_id, title, description, status, priority, all_day, "
                f"timezone, reminders, version, created_at, updated_at) VALUES "
                f"($1, $2, $3, '', 'pending', 1, false, 'UTC', '[]', 1, $4, $4) "
                f"RETURNING {TASK_COLUMNS}",
                task_id,
                user_id,
                body["title"],
                now,
            )
            task = _task_json(row, [])
            event = {
                "id": str(uuid.uuid4()),
                "type": "com.taskflow.task.created",
                "data": {"task": task},
            }
            await connection.execute(
                "INSERT INTO outbox (event_id, topic, partition_key, event_type, event) "
                "VALUES ($1, 'task-events', $2, $3, $4)",
                uuid.UUID(event["id"]),
                str(task_id),
                event["type"],
                _dumps(event).decode(),
            )
        return Response(_dumps(task), status_code=201, media_type="application/json")

    async def list_tasks(request: Request) -> Response:
        async with state["pool"].acquire() as connection:
            rows = await connection.fetch(
                f"SELECT {TASK_COLUMNS} FROM tasks WHERE user_id = $1 AND deleted_at IS NULL "
                "ORDER BY created_at DESC, id DESC LIMIT 51",
                user_id,
            )
            tag_rows = await connection.fetch(
                "SELECT task_tags.task_id, tags.name FROM task_tags "
                "JOIN tags ON tags.id = task_tags.tag_id WHERE task_tags.task_id = ANY($1::uuid[])",
                [r["id"] for r in rows[:50]],
            )
        tags: dict[uuid.UUID, list[str]] = {}
        for tag_row in tag_rows:
            tags.setdefault(tag_row["task_id"], []).append(tag_row["name"])
        items = [_task_json(r, tags.get(r["id"], [])) for r in rows[:50]]
        page = {"items": items, "next_cursor": "x" if len(rows) > 50 else None}
        return Response(_dumps(page), media_type="application/json")

    return Starlette(
        routes=[
            Route("/tasks", create, methods=["POST"]),
            Route("/tasks", list_tasks, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
