"""Benchmark: completions of recurring tasks end to end — complete → the next occurrence is
visible through the API — next to plain (non-recurring) completions in the same run.

    .venv/bin/python scripts/bench/recurring.py [--tasks 400] [--concurrency 8] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import environment_urls, percentile  # noqa: E402

SECRET = "bench-secret-" + "r" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(database_url: str, redis_url: str):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "JWT_SECRET": SECRET}
    env["LOG_LEVEL"] = "WARNING"
    command = [sys.executable, "-m", "uvicorn", "--factory", "recurring_apps:embedded_app"]
    process = subprocess.Popen(
        [
            *command,
            "--app-dir",
            str(HERE),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    try:
        for _ in range(300):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


async def run(
    base: str, tasks: int, concurrency: int, recurring: bool
) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        signup = await client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"bench-{uuid.uuid4().hex}@example.com",
                "password": "benchmark!",
                "name": "B",
            },
        )
        headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
        words = [f"w{uuid.uuid4().hex[:12]}" for _ in range(tasks)]
        body = {"due_at": "2030-06-01T09:00:00+02:00", "timezone": "Europe/Berlin"}
        if recurring:
            body["recurrence"] = {"rrule": "FREQ=DAILY"}
        ids = []
        for word in words:
            created = await client.post(
                "/api/v1/tasks", json={"title": f"Task {word}", **body}, headers=headers
            )
            ids.append(created.json()["id"])
        latencies: list[float] = []
        queue = list(zip(ids, words, strict=True))

        async def worker() -> None:
            while queue:
                task_id, word = queue.pop()
                started = time.perf_counter()
                done = await client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers)
                assert done.status_code == 200
                wanted = "pending" if recurring else "completed"
                while True:  # visible through the API
                    page = await client.get(
                        "/api/v1/tasks", params={"q": word, "status": wanted}, headers=headers
                    )
                    if page.json()["items"]:
                        break
                    await asyncio.sleep(0.01)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return tasks / (time.perf_counter() - started), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    tasks = 100 if args.quick else args.tasks
    with environment_urls() as (database_url, redis_url), server(database_url, redis_url) as base:
        plain_rate, plain = asyncio.run(run(base, tasks, args.concurrency, recurring=False))
        rec_rate, rec = asyncio.run(run(base, tasks, args.concurrency, recurring=True))
    print(
        f"\nCompletions end to end ({tasks} tasks, {args.concurrency} concurrent clients, same run)"
    )
    print(f"{'':<44}{'done/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}")
    print("-" * 78)
    print(
        f"{'plain completion (visible as completed)':<44}{plain_rate:>8.0f}"
        f"{percentile(plain, 50) * 1000:>9.1f}{percentile(plain, 99) * 1000:>9.1f}{'(base)':>8}"
    )
    print(
        f"{'recurring: complete → next occurrence visible':<44}{rec_rate:>8.0f}"
        f"{percentile(rec, 50) * 1000:>9.1f}{percentile(rec, 99) * 1000:>9.1f}{rec_rate / plain_rate:>8.2f}"
    )


if __name__ == "__main__":
    main()
