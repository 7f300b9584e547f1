"""Benchmark: POST /api/v1/tasks and GET /api/v1/tasks (a page of 50 from 10,000 tasks).

Each endpoint runs at 32 concurrent keep-alive connections for a fixed time against the real
api service, then against a same-run baseline: a bare Starlette app on the same uvicorn
settings doing the same SQL with raw asyncpg. Prints requests/s, p50, p99, errors and the ratio.

    .venv/bin/python scripts/bench/api.py [--seconds 10] [--connections 32] [--quick]

Uses BENCH_DATABASE_URL / BENCH_REDIS_URL (or TASKFLOW_TEST_*), else embedded servers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from common import environment_urls  # noqa: E402
from loadgen import print_table, request_bytes, run_load  # noqa: E402

from backend.platform.settings import asyncpg_dsn  # noqa: E402

SECRET = "bench-secret-" + "z" * 40
UVICORN = ["--no-access-log", "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(factory: str, env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"api_apps:{factory}",
        "--app-dir",
        str(HERE),
    ]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), *UVICORN],
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None:
                raise SystemExit(f"bench: the {factory} server exited with {process.returncode}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


async def seed(database_url: str, port: int, count: int) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        response = await client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"bench-{time.time_ns()}@example.com",
                "password": "benchmark!",
                "name": "Bench",
            },
        )
        response.raise_for_status()
        body = response.json()
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        user_id = body["user"]["id"]
        await connection.execute(
            "INSERT INTO tags (id, user_id, name, color) VALUES "
            "(gen_random_uuid(), $1, 'work', '#3b82f6'), "
            "(gen_random_uuid(), $1, 'home', '#22c55e')",
            user_id,
        )
        await connection.execute(
            """
            INSERT INTO tasks (id, user_id, title, description, priority, due_at, timezone,
                               created_at, updated_at)
            SELECT gen_random_uuid(), $1, 'Seeded task ' || n, 'Some description ' || n, n % 4,
                   now() + (n || ' hours')::interval, 'UTC',
                   now() - (n || ' seconds')::interval, now() - (n || ' seconds')::interval
            FROM generate_series(1, $2) AS n
            """,
            user_id,
            count,
        )
        await connection.execute(
            "INSERT INTO task_tags (task_id, tag_id) SELECT t.id, g.id FROM tasks t JOIN tags g "
            "ON g.user_id = t.user_id WHERE t.user_id = $1",
            user_id,
        )
        await connection.execute("ANALYZE tasks; ANALYZE task_tags; ANALYZE tags")
    finally:
        await connection.close()
    return user_id, body["access_token"]


async def measure(tf_port: int, base_port: int, token: str, connections: int, seconds: float):
    host = "127.0.0.1"
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def get(path: str, port: int):
        raw = request_bytes("GET", path, host=f"{host}:{port}", headers=auth)
        return lambda _n: raw

    def post(path: str, port: int):
        def build(n: int) -> bytes:
            body = json.dumps({"title": f"Benchmark task {n}"}).encode()
            return request_bytes("POST", path, host=f"{host}:{port}", headers=auth, body=body)

        return build

    common = {"host": host, "connections": connections, "seconds": seconds}
    runs = [
        (
            "GET /api/v1/tasks (page of 50)",
            get("/api/v1/tasks?limit=50", tf_port),
            tf_port,
            200,
            "baseline GET (raw asyncpg)",
            get("/tasks", base_port),
            base_port,
        ),
        (
            "POST /api/v1/tasks",
            post("/api/v1/tasks", tf_port),
            tf_port,
            201,
            "baseline POST (raw asyncpg)",
            post("/tasks", base_port),
            base_port,
        ),
    ]
    rows = []
    for name, request, port, ok, base_name, base_request, bport in runs:
        measured = await run_load(name, port=port, make_request=request, ok_status=ok, **common)
        baseline = await run_load(
            base_name, port=bport, make_request=base_request, ok_status=ok, **common
        )
        rows.append((measured, baseline))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="3 s per run")
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds

    with environment_urls() as (database_url, redis_url):
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "JWT_SECRET": SECRET,
            "LOG_LEVEL": "WARNING",
        }
        with server("taskflow_app", env) as tf_port:
            user_id, token = asyncio.run(seed(database_url, tf_port, args.tasks))
            with server("baseline_app", {**env, "BENCH_USER_ID": user_id}) as base_port:
                print(
                    f"bench: {args.tasks} tasks seeded; {args.connections} connections, "
                    f"{seconds:.0f} s per run"
                )
                rows = asyncio.run(measure(tf_port, base_port, token, args.connections, seconds))
    print_table(
        "TaskFlow api vs bare Starlette + asyncpg (same uvicorn settings, same run)",
        rows,
        "goal: zero errors; ratio >= 0.5 of baseline req/s; p99 <= 100 ms",
    )


if __name__ == "__main__":
    main()
