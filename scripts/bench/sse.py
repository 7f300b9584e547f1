"""Benchmark: the notification service holding 10,000 SSE streams in one server process.

1. idle      — N streams (3 per user, the limit) held open: server RSS per connection.
2. fan-out   — one event for every user at once (each reaches that user's 3 streams), five
               times (--bursts): record-to-client latency p50 / p95 / p99 / max over every frame,
               each burst's p99, and frames that never arrived.
3. sustained — 50 events/s for a minute (--quick: 10 s) to random users: does the backlog
               (frames published but not yet received) grow?

Baseline, same run, same Redis fan-out stream and publisher: a bare minimal Starlette
endpoint (StreamingResponse over a per-stream asyncio.Queue, no auth, no limits, no
replay), i.e. what the naive implementation costs. Ratio = notification / baseline.

    .venv/bin/python scripts/bench/sse.py [--quick] [--connections 10000]

The server is a subprocess (uvicorn, uvloop, httptools); the client is one asyncio process
using raw protocols. Both share this machine's cores, so figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, environment_urls, percentile

SECRET = "bench-secret-" + "z" * 40
_TS = re.compile(rb'"ts":([0-9.]+)')


def raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- servers (subprocess mode)


def baseline_app():
    """A bare Starlette SSE endpoint fed by the same Redis fan-out stream."""
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from backend.platform.redis import make_redis
    from services.notification.history import FANOUT_STREAM

    queues: dict[str, set[asyncio.Queue[bytes]]] = {}

    async def stream(request):
        user = request.query_params["u"]
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)
        queues.setdefault(user, set()).add(queue)

        async def frames():
            try:
                yield b":connected\n\n"
                while True:
                    yield await queue.get()
            finally:
                queues[user].discard(queue)

        return StreamingResponse(frames(), media_type="text/event-stream")

    async def reader() -> None:
        redis = make_redis(os.environ["REDIS_URL"])
        newest = await redis.xrevrange(FANOUT_STREAM, count=1)
        last = newest[0][0] if newest else "0-0"
        while True:
            try:
                answer = await redis.xread({FANOUT_STREAM: last}, count=1000, block=1000)
            except Exception:  # a timeout; keep reading
                continue
            for _, entries in answer or ():
                for entry_id, fields in entries:
                    last = entry_id
                    for queue in queues.get(fields["u"], ()):
                        queue.put_nowait(fields["f"].encode())

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(reader())
        yield
        task.cancel()

    return Starlette(routes=[Route("/stream", stream)], lifespan=lifespan)


def serve(kind: str, port: int) -> None:
    import uvicorn

    raise_nofile()
    if kind == "baseline":
        app = baseline_app()
    else:
        from backend.app import create_app, load_services
        from services.notification.settings import NotificationSettings

        app = create_app(NotificationSettings(), load_services(["notification"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=16384)


# ---------------------------------------------------------------- client


class Stream(asyncio.Protocol):
    __slots__ = ("bench", "buffer", "opened", "request", "status", "transport")

    def __init__(self, bench: Bench, request: bytes) -> None:
        self.bench = bench
        self.request = request
        self.opened: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.opened.done():
            self.buffer += data
            if b":connected" in self.buffer:
                self.opened.set_result(self.buffer.startswith(b"HTTP/1.1 200"))
                self.buffer = b""
            return
        # Only note the arrival here: parsing is left for after the phase, so the client's
        # own work delays the reads being timed as little as it can.
        self.bench.arrivals.append((now, self, data))
        self.bench.count += data.count(b"\ndata: ")

    def parse(self, now: float, data: bytes, latencies: list[float]) -> None:
        self.buffer += data
        *frames, self.buffer = self.buffer.split(b"\n\n")
        for frame in frames:
            match = _TS.search(frame)
            if match:
                latencies.append(now - float(match.group(1)))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_result(False)
        self.bench.lost += 1


class Bench:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, Stream, bytes]] = []
        self.count = 0
        """Frames received so far (a live estimate; `take` counts exactly)."""
        self.lost = 0

    def take(self) -> list[float]:
        """The latency of every frame received since the last call (time of the read that
        completed it, minus the time stamped in it)."""
        arrivals, self.arrivals = self.arrivals, []
        latencies: list[float] = []
        for now, stream, data in arrivals:
            stream.parse(now, data, latencies)
        return latencies


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def task_data(user: str, ts: float) -> dict:
    """A task event's data, the size the api emits."""
    task_id = str(uuid.uuid4())
    task = {
        "id": task_id,
        "title": "Prepare the quarterly report",
        "description": "Collect the numbers from finance and draft the summary.",
        "status": "open",
        "priority": "high",
        "due_at": "2026-12-01T17:00:00Z",
        "tags": ["work", "reports"],
        "version": 3,
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-23T10:00:00Z",
    }
    changes = {"priority": ["medium", "high"]}
    return {"user_id": user, "task": task, "version": 3, "changes": changes, "ts": ts}


_STAMP_SLOT = '"ts":0000000000.000000'
"""Where a frame's send time goes: as wide as `"ts":<time.time() to the µs>`, so the stamp is
written into already-packed commands without changing any length in them."""


def _record_commands(sha: str, users: list[str], stamp: str) -> list[tuple]:
    """One record-script call (the notification handler's) per user, each frame's "ts" set to
    `stamp`."""
    from services.notification.frames import encode_frame
    from services.notification.history import FANOUT_STREAM, history_key

    commands = []
    for user in users:
        event_id = str(uuid.uuid4())
        data = task_data(user, 0.0)
        frame = encode_frame(event_id=event_id, event_type="com.taskflow.task.updated", data=data)
        keys = [f"taskflow:notify:seen:{event_id}", history_key(user), FANOUT_STREAM, ""]
        args = [
            user,
            frame.replace('"ts":0.0', stamp),
            f"t:{event_id}",
            100,
            3600_000,
            20000,
            600,
            0,
        ]
        commands.append(("EVALSHA", sha, 4, *keys, *args))
    return commands


async def publish(redis, users: list[str]) -> None:
    """Record one event per user with the notification handler's script, stamped just before
    the pipeline is sent (the sustained phase: a few events at a time)."""
    from services.notification.history import _RECORD

    sha = await redis.script_load(_RECORD)
    pipe = redis.pipeline(transaction=False)
    for command in _record_commands(sha, users, f'"ts":{time.time():.6f}'):
        pipe.execute_command(*command)
    await pipe.execute()


def publish_burst(redis_url: str) -> None:
    """`--publish-burst`: the fan-out phase's publisher, in its own process as the handlers
    that record events are in production (in the client's process, redis-py's ~140 ms of
    packing and reply parsing for 3,334 events would hold up the very reads being timed).
    Reads user ids from stdin until an empty line, packs one record call per user, says
    "ready", and on "go" stamps every frame with the time and hands them all to Redis at once
    (latency counts from that moment), says "sent", and reads Redis's answers on the next
    line."""
    import redis as sync_redis

    from services.notification.history import _RECORD

    users = []
    for line in sys.stdin:
        if not line.strip():
            break
        users.append(line.strip())
    client = sync_redis.Redis.from_url(redis_url)
    sha = client.script_load(_RECORD)
    connection = client.connection_pool.get_connection()
    payload = b"".join(connection.pack_commands(_record_commands(sha, users, _STAMP_SLOT)))
    print("ready", flush=True)
    sys.stdin.readline()
    stamp = f'"ts":{time.time():.6f}'.encode()
    assert len(stamp) == len(_STAMP_SLOT)
    connection.send_packed_command([payload.replace(_STAMP_SLOT.encode(), stamp)])
    # Redis's answers wait (in its output buffer) until the phase is over: parsing 3,334 of
    # them is ~50 ms of this process's CPU, on the cores the server and client are timed on.
    print("sent", flush=True)
    sys.stdin.readline()
    for _ in users:
        connection.read_response()
    client.connection_pool.release(connection)
    print("done", flush=True)


@contextlib.asynccontextmanager
async def burst(redis_url: str, users: list[str]) -> AsyncIterator[None]:
    """Publish one event per user from a separate process (see `publish_burst`); it reads
    Redis's answers when the block ends."""
    command = [sys.executable, __file__, "--publish-burst", redis_url]
    publisher = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert publisher.stdin is not None and publisher.stdout is not None
    publisher.stdin.write(("\n".join(users) + "\n\n").encode())
    await publisher.stdin.drain()
    if (await publisher.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the burst publisher did not start")
    publisher.stdin.write(b"go\n")
    await publisher.stdin.drain()
    if (await publisher.stdout.readline()).strip() != b"sent":
        raise RuntimeError("the burst publisher failed to send")
    yield
    publisher.stdin.write(b"read\n")
    await publisher.stdin.drain()
    await publisher.wait()
    if publisher.returncode:
        raise RuntimeError(f"the burst publisher failed ({publisher.returncode})")


async def open_streams(
    port: int, requests: list[tuple[str, bytes]], bench: Bench
) -> list[tuple[str, Stream]]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(200)
    streams: list[tuple[str, Stream]] = []

    async def one(user: str, request: bytes) -> None:
        async with gate:
            _, protocol = await loop.create_connection(
                lambda: Stream(bench, request), "127.0.0.1", port
            )
            if await asyncio.wait_for(protocol.opened, 60):
                streams.append((user, protocol))
            else:
                protocol.transport.close()

    await asyncio.gather(*(one(u, r) for u, r in requests), return_exceptions=True)
    return streams


async def fan_out(bench: Bench, redis_url: str, users: list[str], held: int, bursts: int) -> dict:
    """One event per user, each reaching that user's streams; `bursts` times, a second apart,
    the percentiles taken over every frame of every burst."""
    fanout, burst_p99, misses = [], [], 0
    for _ in range(bursts):
        bench.take()
        bench.count = 0
        async with burst(redis_url, users):
            deadline = time.monotonic() + 10
            while bench.count < held and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        latencies = bench.take()
        fanout += latencies
        burst_p99.append(round(percentile(latencies, 99) * 1000))
        misses += held - len(latencies)
        await asyncio.sleep(1)
    return {
        "fan_p50_ms": percentile(fanout, 50) * 1000,
        "fan_p95_ms": percentile(fanout, 95) * 1000,
        "fan_p99_ms": percentile(fanout, 99) * 1000,
        "fan_max_ms": max(fanout, default=float("nan")) * 1000,
        "fan_misses": misses,
        "fan_burst_p99_ms": burst_p99,
    }


async def run_phase(kind: str, args: argparse.Namespace, redis_url: str, env: dict) -> dict:
    from backend.platform.auth import issue_token
    from backend.platform.redis import make_redis

    port = free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: ASYNC220 (started once)
    redis = make_redis(redis_url)
    bench = Bench()
    users = [str(uuid.uuid4()) for _ in range((args.connections + 2) // 3)]
    requests = []
    for n in range(args.connections):
        user = users[n % len(users)]
        if kind == "baseline":
            requests.append((user, f"GET /stream?u={user} HTTP/1.1\r\nHost: b\r\n\r\n".encode()))
        else:
            token = issue_token(user_id=uuid.UUID(user), secret=SECRET, minutes=120).token
            request = (
                f"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: b\r\n"
                f"Authorization: Bearer {token}\r\n\r\n"
            )
            requests.append((user, request.encode()))
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        warm = await open_streams(port, requests[:1], bench)
        for _, stream in warm:
            stream.transport.close()
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        started = time.monotonic()
        streams = await open_streams(port, requests, bench)
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(3)
        after = rss_kib(server.pid)
        held = len(streams)
        per_user: dict[str, int] = {}
        for user, _ in streams:
            per_user[user] = per_user.get(user, 0) + 1
        result = {"streams": held, "connect_s": connect_seconds}
        result["rss_kib_per_conn"] = (after - before) / max(held, 1)
        result["rss_total_mib"] = after / 1024

        result.update(await fan_out(bench, redis_url, users, held, args.bursts))

        # sustained: 50 events/s to random users; backlog sampled each second
        bench.count, expected, backlog = 0, 0, []
        loop_start = time.monotonic()
        tick = 1 / args.rate
        n = 0
        while time.monotonic() - loop_start < args.duration:
            user = random.choice(users)
            await publish(redis, [user])
            expected += per_user.get(user, 0)
            n += 1
            if n % args.rate == 0:
                backlog.append(expected - bench.count)
            await asyncio.sleep(max(0, loop_start + n * tick - time.monotonic()))
        await asyncio.sleep(1)
        sustained = bench.take()
        quarter = max(1, len(backlog) // 4)
        result.update(
            sus_events=n,
            sus_p50_ms=percentile(sustained, 50) * 1000,
            sus_p99_ms=percentile(sustained, 99) * 1000,
            sus_missing=expected - len(sustained),
            backlog_first=sum(backlog[:quarter]) / quarter,
            backlog_last=sum(backlog[-quarter:]) / quarter,
            backlog_max=max(backlog, default=0),
        )
        for _, stream in streams:
            stream.transport.close()
        return result
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        await redis.aclose()


def report(ours: dict, base: dict, args: argparse.Namespace) -> None:
    rows = [
        ("streams held", "streams", "{:.0f}"),
        ("connect all (s)", "connect_s", "{:.1f}"),
        ("server RSS total (MiB)", "rss_total_mib", "{:.0f}"),
        ("RSS per connection (KiB)", "rss_kib_per_conn", "{:.1f}"),
        ("fan-out p50 (ms)", "fan_p50_ms", "{:.0f}"),
        ("fan-out p95 (ms)", "fan_p95_ms", "{:.0f}"),
        ("fan-out p99 (ms)", "fan_p99_ms", "{:.0f}"),
        ("fan-out max (ms)", "fan_max_ms", "{:.0f}"),
        ("fan-out p99, best burst (ms)", "fan_burst_best_ms", "{:.0f}"),
        ("fan-out p99, worst burst (ms)", "fan_burst_worst_ms", "{:.0f}"),
        ("fan-out misses", "fan_misses", "{:.0f}"),
        (f"sustained {args.rate}/s events sent", "sus_events", "{:.0f}"),
        ("sustained p50 (ms)", "sus_p50_ms", "{:.1f}"),
        ("sustained p99 (ms)", "sus_p99_ms", "{:.1f}"),
        ("sustained frames missing", "sus_missing", "{:.0f}"),
        ("backlog, first quarter (frames)", "backlog_first", "{:.1f}"),
        ("backlog, last quarter (frames)", "backlog_last", "{:.1f}"),
        ("backlog max (frames)", "backlog_max", "{:.0f}"),
    ]
    for result in (ours, base):
        result["fan_burst_best_ms"] = min(result["fan_burst_p99_ms"])
        result["fan_burst_worst_ms"] = max(result["fan_burst_p99_ms"])
    print(f"\n{'metric':34} {'notification':>13} {'baseline':>10} {'ratio':>7}")
    for label, key, fmt in rows:
        a, b = ours.get(key, float("nan")), base.get(key, float("nan"))
        ratio = f"{a / b:.2f}" if isinstance(b, (int, float)) and b else "—"
        print(f"{label:34} {fmt.format(a):>13} {fmt.format(b):>10} {ratio:>7}")
    grows = ours["backlog_last"] > max(2 * ours["backlog_first"], 50)
    print(
        f"\ngoals: RSS/conn ≤ 16 KiB: {ours['rss_kib_per_conn'] <= 16}; "
        f"fan-out p99 ≤ 250 ms: {ours['fan_p99_ms'] <= 250}; "
        f"zero misses: {ours['fan_misses'] == 0 and ours['sus_missing'] == 0}; "
        f"backlog grows: {grows}"
    )


def run(coroutine):
    try:
        import uvloop

        return uvloop.run(coroutine)
    except ImportError:
        return asyncio.run(coroutine)


def main(args: argparse.Namespace) -> None:
    raise_nofile()
    with environment_urls() as (database_url, redis_url):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "JWT_SECRET": SECRET,
            "EVENT_TRANSPORT": "dapr",
            "LOG_LEVEL": "WARNING",
            "NOTIFY_MAX_STREAMS_PER_USER": "3",
        }
        results = {}
        for kind in ("notification", "baseline"):
            print(f"▸ {kind}: {args.connections} streams …", file=sys.stderr, flush=True)
            results[kind] = run(run_phase(kind, args, redis_url, env))
            print(json.dumps(results[kind]), file=sys.stderr)
    report(results["notification"], results["baseline"], args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s sustained phase")
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=50, help="sustained events per second")
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--bursts", type=int, default=5, help="fan-out bursts (one event per user)")
    parser.add_argument("--serve", choices=("notification", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--publish-burst", metavar="REDIS_URL", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.publish_burst:
        publish_burst(arguments.publish_burst)
    elif arguments.serve:
        serve(arguments.serve, arguments.port)
    else:
        arguments.duration = arguments.duration or (10.0 if arguments.quick else 60.0)
        main(arguments)
