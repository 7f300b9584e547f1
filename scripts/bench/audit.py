"""Benchmark: the audit service's ingest and queries.

Ingest: N task events (shaped like the api's) through the service's own write path — the
`task-events` handler, called by C concurrent deliveries, each returning only once its event is
committed (buffer, chain heads locked, duplicates checked, COPY, heads moved). Same-run
baselines write the very same rows (already chained) into an identical empty database:

- raw COPY — `copy_records_to_table` in chunks of 5,000 rows, nothing else;
- executemany — `INSERT … VALUES` via asyncpg `executemany`, 1,000 rows per transaction.

Queries: 1,000,000 rows (about 1,000 users x 1,000 events over 12 months, 50 tasks each) loaded
with COPY, then the service's query functions on a real session: one task's history, the first
page of a user's trail, a filtered page (type + 3-month range), a page deep in the trail, and a
whole-trail verification.

    .venv/bin/python scripts/bench/audit.py [--quick] [--events N] [--concurrency C] [--rows R]

PostgreSQL comes from BENCH_DATABASE_URL / TASKFLOW_TEST_DATABASE_URL, else an embedded server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
from common import percentile, servers

from backend.platform.events.cloudevent import EventType, make_cloudevent
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.runtime import Runtime
from backend.testing.fixtures import AUDIT_KEY, make_settings
from services.audit import chain
from services.audit.handlers import handle_task_event, writer_for
from services.audit.partitions import add_months, month_of
from services.audit.queries import TrailFilter, task_history, trail, verify_trail
from services.audit.records import AuditRecord, canonical_json, record_from_event
from services.audit.settings import AuditSettings

BENCH_KEY = AUDIT_KEY.encode()
CHANGES = [
    {"priority": ["medium", "high"]},
    {"title": ["Pay rent", "Pay the rent"]},
    {"due_at": [None, "2026-12-01T09:00:00Z"], "reminders": [[], [{"offset_minutes": 30}]]},
    {"status": ["pending", "completed"], "completed_at": [None, "2026-11-23T10:00:00Z"]},
]


def make_events(count: int, users: int) -> list[dict]:
    """Task events as the api stages them (data: user_id, task, version, changes, actor)."""
    user_ids = [str(uuid.uuid4()) for _ in range(users)]
    now = datetime.now(UTC)
    events = []
    for i in range(count):
        user = user_ids[i % users]
        task_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{user}/{i // users % 50}"))
        task = {"id": task_id, "title": f"Task {i}", "status": "pending", "priority": "high"}
        events.append(
            make_cloudevent(
                type=EventType.TASK_UPDATED,
                source="taskflow/api",
                subject=task_id,
                time=now + timedelta(microseconds=i),
                data={
                    "user_id": user,
                    "task": task,
                    "version": i // users + 1,
                    "changes": CHANGES[i % len(CHANGES)],
                    "actor": {"kind": "user", "id": user},
                },
            )
        )
    return events


async def ingest_service(
    database_url: str, redis_url: str, events: list[dict], concurrency: int
) -> float:
    """Events/s through the `task-events` handler, `concurrency` deliveries at a time."""
    settings = AuditSettings(_env_file=None, **make_settings(database_url, redis_url).model_dump())
    runtime = Runtime.open(settings)
    queue = iter(events)

    async def deliverer() -> None:
        for event in queue:
            outcome = await handle_task_event(
                Delivery(event=event, topic="task-events", runtime=runtime)
            )
            assert outcome is Outcome.SUCCESS

    try:
        await writer_for(runtime).write(record_from_event(make_events(1, 1)[0]))  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(deliverer() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await writer_for(runtime).close()
        await runtime.close()
    return len(events) / elapsed


def chained_rows(records: list[AuditRecord]) -> list[tuple]:
    return chain.link(records, {r.user_id: (0, chain.GENESIS) for r in records}, key=BENCH_KEY)


async def ingest_copy(database_url: str, rows: list[tuple]) -> float:
    connection = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        for start in range(0, len(rows), 5000):
            await connection.copy_records_to_table(
                "audit_events", records=rows[start : start + 5000], columns=chain.COLUMNS
            )
        return len(rows) / (time.perf_counter() - started)
    finally:
        await connection.close()


async def ingest_executemany(database_url: str, rows: list[tuple]) -> float:
    columns = ", ".join(chain.COLUMNS)
    values = ", ".join(f"${i}" for i in range(1, len(chain.COLUMNS) + 1))
    insert = f"INSERT INTO audit_events ({columns}) VALUES ({values})"
    connection = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        for start in range(0, len(rows), 1000):
            async with connection.transaction():
                await connection.executemany(insert, rows[start : start + 1000])
        return len(rows) / (time.perf_counter() - started)
    finally:
        await connection.close()


def history_records(total: int, users: int, tasks_per_user: int = 50) -> tuple[list, dict]:
    """`total` records, `users` users, spread evenly over the last 12 months, per user in time order."""
    per_user = total // users
    start = datetime.combine(add_months(month_of(datetime.now(UTC)), -11), datetime.min.time(), UTC)
    span = (datetime.now(UTC) - start).total_seconds()
    changes = [canonical_json(c) for c in CHANGES]
    actor_of, tasks_of, records = {}, {}, []
    for _ in range(users):
        user = uuid.uuid4()
        actor_of[user] = canonical_json({"kind": "user", "id": str(user)})
        tasks_of[user] = [uuid.uuid4() for _ in range(tasks_per_user)]
    for user, tasks in tasks_of.items():
        offsets = sorted(random.random() * span for _ in range(per_user))
        for i, offset in enumerate(offsets):
            records.append(
                AuditRecord(
                    event_id=uuid.uuid4(),
                    time=start + timedelta(seconds=offset),
                    user_id=user,
                    type=EventType.TASK_CREATED if i < tasks_per_user else EventType.TASK_UPDATED,
                    task_id=tasks[i % tasks_per_user],
                    version=i // tasks_per_user + 1,
                    actor=actor_of[user],
                    changes=changes[i % len(changes)],
                    title=f"Task {i % tasks_per_user}",
                    details=None,
                )
            )
    return records, tasks_of


async def load_history(database_url: str, records: list[AuditRecord]) -> float:
    connection = await asyncpg.connect(database_url)
    try:
        for month in sorted({month_of(r.time) for r in records}):
            await connection.fetchval("SELECT audit_ensure_partition($1)", month)
        heads: dict = {r.user_id: (0, chain.GENESIS) for r in records}
        started = time.perf_counter()
        for start in range(0, len(records), 50_000):
            rows = chain.link(records[start : start + 50_000], heads, key=BENCH_KEY)
            await connection.copy_records_to_table(
                "audit_events", records=rows, columns=chain.COLUMNS
            )
        await connection.executemany(
            "INSERT INTO audit_chain_heads (user_id, seq, hash) VALUES ($1, $2, $3)",
            [(user, seq, digest) for user, (seq, digest) in heads.items()],
        )
        elapsed = time.perf_counter() - started
        await connection.execute("ANALYZE audit_events")
        return elapsed
    finally:
        await connection.close()


async def time_queries(database_url: str, redis_url: str, tasks_of: dict, samples: int) -> dict:
    runtime = Runtime.open(make_settings(database_url, redis_url))
    users = list(tasks_of)
    now = datetime.now(UTC)
    window = TrailFilter(
        types=(str(EventType.TASK_CREATED),),
        since=now - timedelta(days=180),
        until=now - timedelta(days=90),
    )

    async def task_page(session, user):
        await task_history(
            session, user_id=user, task_id=random.choice(tasks_of[user]), limit=50, cursor=None
        )

    async def trail_page(session, user):
        await trail(session, user_id=user, filters=TrailFilter(), limit=50, cursor=None)

    async def filtered_page(session, user):
        await trail(session, user_id=user, filters=window, limit=50, cursor=None)

    async def deep_page(session, user):
        _, cursor = await trail(
            session, user_id=user, filters=TrailFilter(), limit=200, cursor=None
        )
        for _ in range(3):
            _, cursor = await trail(
                session, user_id=user, filters=TrailFilter(), limit=200, cursor=cursor
            )

    async def verify(session, user):
        result = await verify_trail(session, user_id=user, key=BENCH_KEY, redis=runtime.redis)
        assert result.ok, result.first_bad

    measures = {
        "one task's history (50 entries)": (task_page, samples),
        "user's trail, first page (50)": (trail_page, samples),
        "user's trail, type + 3-month range": (filtered_page, samples),
        "user's trail, 4th page of 200 (4 queries)": (deep_page, samples // 4),
        "verify a whole trail (~1,000 rows)": (verify, max(20, samples // 20)),
    }
    results = {}
    try:
        for name, (query, count) in measures.items():
            latencies = []
            for _ in range(count + 10):
                user = random.choice(users)
                async with runtime.sessions() as session, session.begin():
                    started = time.perf_counter()
                    await query(session, user)
                    latencies.append((time.perf_counter() - started) * 1000)
            latencies = latencies[10:]  # warm-up
            results[name] = (percentile(latencies, 50), percentile(latencies, 99))
    finally:
        await runtime.close()
    return results


@contextlib.contextmanager
def databases(count: int):
    db = os.environ.get("BENCH_DATABASE_URL")
    if db:
        os.environ["TASKFLOW_TEST_DATABASE_URL"] = db
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(servers.test_database()) for _ in range(count)]
        redis = stack.enter_context(servers.test_redis_url())
        yield urls, redis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events, 200,000 rows")
    parser.add_argument("--events", type=int, help="events to ingest (default 100,000)")
    parser.add_argument(
        "--concurrency",
        default="100,1000",
        help="handler calls in flight, comma-separated (one service row each; default 100,1000)",
    )
    parser.add_argument("--rows", type=int, help="rows for the query phase (default 1,000,000)")
    parser.add_argument("--samples", type=int, help="queries per measure (default 500)")
    args = parser.parse_args()
    events = args.events or (20_000 if args.quick else 100_000)
    total_rows = args.rows or (200_000 if args.quick else 1_000_000)
    samples = args.samples or (200 if args.quick else 500)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    with databases(3) as ((service_db, copy_db, many_db), redis_url):
        levels = [int(c) for c in args.concurrency.split(",")]
        print(f"ingest: {events:,} events; handler calls in flight: {levels}", flush=True)
        service_rates = {}
        for level in levels:
            payload = make_events(events, users=1000)
            service_rates[level] = asyncio.run(
                ingest_service(service_db, redis_url, payload, level)
            )
        rows = chained_rows([record_from_event(e) for e in payload])
        copy_rate = asyncio.run(ingest_copy(copy_db, rows))
        many_rate = asyncio.run(ingest_executemany(many_db, rows))

        print(f"queries: loading {total_rows:,} rows over 12 months, 1,000 users", flush=True)
        records, tasks_of = history_records(total_rows, users=1000)
        load_seconds = asyncio.run(load_history(copy_db, records))
        query_results = asyncio.run(time_queries(copy_db, redis_url, tasks_of, samples))

    print()
    print("| ingest path | events/s | vs raw COPY | vs executemany |")
    print("|---|---:|---:|---:|")
    for name, rate in (
        *(
            (f"audit handler → writer, {level:,} calls in flight", rate)
            for level, rate in service_rates.items()
        ),
        ("baseline: raw COPY of the same rows", copy_rate),
        ("baseline: executemany of the same rows", many_rate),
    ):
        print(f"| {name} | {rate:,.0f} | {rate / copy_rate:.2f}x | {rate / many_rate:.2f}x |")
    print()
    print(
        f"loaded {total_rows:,} rows with COPY in {load_seconds:.1f} s ({total_rows / load_seconds:,.0f} rows/s)"
    )
    print()
    print(f"| query (table of {total_rows:,} rows) | p50 ms | p99 ms |")
    print("|---|---:|---:|")
    for name, (p50, p99) in query_results.items():
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")
    print()
    print("Goals: ingest ≥ 20,000 events/s; query p99 ≤ 20 ms. 2 shared cores: figures are noisy.")


if __name__ == "__main__":
    main()
