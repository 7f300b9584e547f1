"""Benchmark: "your data is yours" at N tasks — JSON/CSV export, the calendar feed and the JSON
import — next to what the same rows cost through the ordinary API in the same run (paging
through them with GET /api/v1/tasks; creating them one POST at a time).

    .venv/bin/python scripts/bench/data.py [--tasks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import environment_urls  # noqa: E402

from backend.app import create_app, load_services  # noqa: E402
from backend.testing.fixtures import make_settings, signup  # noqa: E402


def task_body(n: int) -> dict:
    body: dict = {"title": f"Task {n}", "tags": [f"tag{n % 7}"], "priority": "medium"}
    if n % 3:
        body["due_at"] = f"2030-0{1 + n % 9}-1{n % 10}T09:00:00Z"
        body["reminders"] = [{"offset_minutes": 15}]
    if n % 5 == 0 and "due_at" in body:
        body["recurrence"] = {"rrule": "weekly", "from": "due"}
    return body


async def timed(label: str, results: dict, coro) -> object:
    started = time.perf_counter()
    value = await coro
    results[label] = time.perf_counter() - started
    return value


async def run(count: int, database_url: str, redis_url: str) -> None:
    app = create_app(make_settings(database_url, redis_url), load_services(["api"]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as client:
            await measure(client, count)


async def measure(client: httpx.AsyncClient, count: int) -> None:
    results: dict[str, float] = {}
    user = await signup(client)

    async def create_all() -> None:
        for n in range(count):
            response = await client.post("/api/v1/tasks", json=task_body(n), headers=user.headers)
            response.raise_for_status()

    async def page_all() -> None:
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/tasks", params=params, headers=user.headers)).json()
            if not (cursor := page["next_cursor"]):
                return

    async def get(path: str, headers: dict | None = None) -> httpx.Response:
        response = await client.get(path, headers=headers or user.headers)
        response.raise_for_status()
        return response

    await timed("create, one POST each (baseline)", results, create_all())
    await timed("page through GET /tasks (baseline)", results, page_all())
    exported = await timed("GET /export/json", results, get("/api/v1/export/json"))
    await timed("GET /export/csv", results, get("/api/v1/export/csv"))
    url = (await client.post("/api/v1/calendar/feed", headers=user.headers)).json()["url"]
    await timed("GET calendar feed (.ics)", results, get(url.removeprefix("http://bench"), {}))
    fresh = await signup(client)
    imported = await timed(
        "POST /import/json",
        results,
        client.post("/api/v1/import/json", content=exported.content, headers=fresh.headers),
    )
    imported.raise_for_status()

    create = results["create, one POST each (baseline)"]
    page = results["page through GET /tasks (baseline)"]
    print(f"\n{count} tasks, {len(exported.content) / 1024:.0f} KiB of export JSON\n")
    print(f"{'measure':40} {'seconds':>9} {'ms/task':>8} {'vs baseline':>12}")
    for label, seconds in results.items():
        baseline = create if "import" in label or "create" in label else page
        ratio = seconds / baseline
        print(f"{label:40} {seconds:9.2f} {seconds / count * 1000:8.2f} {ratio:11.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2000)
    count = parser.parse_args().tasks
    # The database and Redis are made outside the event loop (their helpers run one of their own).
    with environment_urls() as (database_url, redis_url):
        asyncio.run(run(count, database_url, redis_url))


if __name__ == "__main__":
    main()
