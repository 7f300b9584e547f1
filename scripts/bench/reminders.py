"""Benchmark: the reminder firing loop against a naive poller, on the same schedule shape.

N reminders fall in a W-second window: half spread evenly, half in 10 bursts at exactly the
same millisecond (reminders set for a round hour). Each design runs as R replica processes
sharing one Redis, with a publish that only records what it was given and when:

- firing loop — this service: sleep until the earliest fire time, pub/sub wake-ups, Lua claim
  with a lease, publish, forget (`services/reminder/firing.py`);
- naive poller (baseline) — every 1 s, ZRANGEBYSCORE the due reminders and ZREM each to claim it.

Lateness is publish time minus fire time; a miss is a reminder never published by the end,
a duplicate one published twice.

    .venv/bin/python scripts/bench/reminders.py [--quick] [--reminders N] [--window S]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import percentile, servers

from backend.platform.redis import make_redis
from services.reminder.firing import FiringConfig, FiringLoop, now_ms, trigger_event
from services.reminder.schedule import Entry, Schedule

BURSTS = 10
SCRIPT = str(Path(__file__).resolve())


def plan(count: int, window_ms: int, base_ms: int) -> list[Entry]:
    """Two reminders per task: half evenly spread, half in bursts at one millisecond each."""
    spread = count // 2
    times = [base_ms + i * window_ms // spread for i in range(spread)]
    burst_size = (count - spread) // BURSTS
    for b in range(BURSTS):
        at = base_ms + (b * 2 + 1) * window_ms // (BURSTS * 2)
        times += [at] * burst_size
    times += [base_ms + window_ms // 2] * (count - len(times))
    return [Entry(f"task-{i // 2}", f"r{i % 2}", at) for i, at in enumerate(times)]


async def schedule_all(schedule: Schedule, entries: list[Entry]) -> None:
    by_task: dict[str, list[Entry]] = {}
    for entry in entries:
        by_task.setdefault(entry.task_id, []).append(entry)
    meta = {"user_id": "bench", "title": "Bench task", "due_at": None}
    queue = list(by_task.items())

    async def worker() -> None:
        while queue:
            task_id, items = queue.pop()
            await schedule.apply(
                task_id=task_id, version=1, meta=meta, live=True, entries=items,
                reference_ms=0, now_ms=now_ms(),
            )  # fmt: skip

    await asyncio.gather(*(worker() for _ in range(48)))


async def naive_poller(schedule: Schedule, publish, stop_ms: int) -> None:
    """The baseline: poll every second, claim each due reminder with ZREM."""
    redis = schedule.redis
    while now_ms() < stop_ms:
        started = now_ms()
        due = await redis.zrangebyscore(schedule.key, "-inf", started)
        if due:
            async with redis.pipeline(transaction=False) as pipe:
                for member in due:
                    pipe.zrem(schedule.key, member)
                won = [m for m, removed in zip(due, await pipe.execute(), strict=True) if removed]
            entries = [Entry.parse(m) for m in won]
            states = await schedule.states(sorted({e.task_id for e in entries}))
            for entry in entries:
                await publish(trigger_event(entry, states[entry.task_id], late=False))
        await asyncio.sleep(max(0.0, 1.0 - (now_ms() - started) / 1000))


async def replica(url: str, prefix: str, design: str, stop_ms: int) -> list[str]:
    """One replica process: run the design until `stop_ms`; returns what it published."""
    schedule = Schedule(make_redis(url), prefix=prefix)
    published: list[str] = []

    async def publish(event: dict) -> None:
        published.append(f"{event['id']} {now_ms()}")

    gc.collect()  # as the service's app does once started (backend/app.py)
    gc.freeze()
    if design == "firing":
        loop = FiringLoop(schedule=schedule, publish=publish, config=FiringConfig())
        task = asyncio.create_task(loop.run())
        await asyncio.sleep(max(0.0, (stop_ms - now_ms()) / 1000))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    else:
        await naive_poller(schedule, publish, stop_ms)
    await schedule.redis.aclose()
    return published


def collect(outs: list[str], fire_ms: dict[str, int]) -> tuple[Counter[str], list[float]]:
    """Publications per event id, and each reminder's lateness at its first publication."""
    seen: Counter[str] = Counter()
    lateness: list[float] = []
    for out in map(Path, outs):
        for line in filter(None, out.read_text().splitlines()):
            event_id, received = line.split()
            seen[event_id] += 1
            if seen[event_id] == 1:
                lateness.append(int(received) - fire_ms[event_id])
        out.unlink()
    return seen, lateness


async def measure(url: str, design: str, count: int, window_s: float, replicas: int) -> dict:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:{{reminders}}"
    schedule = Schedule(make_redis(url), prefix=prefix)
    lead_ms = 3000 + count // 5  # time to schedule everything before the window opens
    base = now_ms() + lead_ms
    entries = plan(count, int(window_s * 1000), base)
    started = time.perf_counter()
    await schedule_all(schedule, entries)
    scheduled_s = time.perf_counter() - started
    stop_ms = base + int(window_s * 1000) + 3000
    outs = [
        f"{tempfile.gettempdir()}/bench-reminders-{uuid.uuid4().hex[:8]}.txt"
        for _ in range(replicas)
    ]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, SCRIPT, "--replica", url, prefix, design, str(stop_ms), out
        )
        for out in outs
    ]
    for process in processes:
        await process.wait()
    seen, lateness = collect(outs, {str(e.event_id): e.fire_ms for e in entries})
    keys = [k async for k in schedule.redis.scan_iter(match=f"{prefix}*", count=1000)]
    for i in range(0, len(keys), 1000):
        await schedule.redis.unlink(*keys[i : i + 1000])
    await schedule.redis.aclose()
    return {
        "scheduled_s": scheduled_s,
        "p50": percentile(lateness, 50),
        "p99": percentile(lateness, 99),
        "max": max(lateness, default=float("nan")),
        "early": sum(1 for x in lateness if x < 0),
        "fires_per_s": len(lateness) / window_s,
        "duplicates": sum(n - 1 for n in seen.values()),
        "misses": len(entries) - len(seen),
    }


def table(results: dict[str, dict], count: int, window_s: float, replicas: int) -> str:
    base = results["naive poller (1 s)"]
    rows = [
        f"{count:,} reminders over {window_s:g} s ({BURSTS} bursts of "
        f"{count // 2 // BURSTS:,} at one millisecond), {replicas} replicas each",
        f"{'design':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'fires/s':>9}"
        f"{'dupes':>7}{'misses':>8}{'early':>7}{'p99 vs baseline':>17}",
    ]
    for name, r in results.items():
        rows.append(
            f"{name:<22}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['max']:>9.1f}{r['fires_per_s']:>9.0f}"
            f"{r['duplicates']:>7}{r['misses']:>8}{r['early']:>7}"
            f"{r['p99'] / base['p99']:>16.3f}x"
        )
    rows.append(
        f"(scheduling {count:,} reminders took {results['firing loop']['scheduled_s']:.1f} s)"
    )
    return "\n".join(rows)


async def main(args: argparse.Namespace) -> None:
    with servers.test_redis_url() as url:
        results = {}
        for name, design in (("firing loop", "firing"), ("naive poller (1 s)", "naive")):
            print(f"running {name} …", flush=True)
            results[name] = await measure(url, design, args.reminders, args.window, args.replicas)
        print(table(results, args.reminders, args.window, args.replicas))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--replica":
        url, prefix, design, stop, out = sys.argv[2:7]
        Path(out).write_text("\n".join(asyncio.run(replica(url, prefix, design, int(stop)))))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 reminders over 10 s")
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    parser.add_argument("--replicas", type=int, default=2)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.reminders, arguments.window = 10_000, 10.0
    os.environ.setdefault("TASKFLOW_TEST_REDIS_URL", os.environ.get("BENCH_REDIS_URL", ""))
    if not os.environ["TASKFLOW_TEST_REDIS_URL"]:
        del os.environ["TASKFLOW_TEST_REDIS_URL"]
    asyncio.run(main(arguments))
