"""A lean HTTP/1.1 keep-alive load generator (raw asyncio streams) shared by the benchmarks.

httpx costs more CPU per request than the servers under test on a 2-core machine; this
client does only what a benchmark needs: N connections, fixed duration, latency per request.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


def request_bytes(
    method: str, path: str, *, host: str, headers: dict[str, str], body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run_load(
    name: str,
    *,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    connections: int,
    seconds: float,
    ok_status: int,
) -> Result:
    """Keep `connections` connections busy for `seconds`; record each request's latency."""
    result = Result(name)
    deadline = time.perf_counter() + seconds
    counter = 0

    async def connection() -> None:
        nonlocal counter
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                counter += 1
                payload = make_request(counter)
                started = time.perf_counter()
                writer.write(payload)
                status = await _read_response(reader)
                elapsed = time.perf_counter() - started
                if status == ok_status:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def print_table(title: str, rows: list[tuple[Result, Result]], goal: str) -> None:
    """Rows of (measured, baseline) with the ratio of requests/s."""
    print(f"\n{title}")
    header = f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for measured, baseline in rows:
        for r, ratio in (
            (measured, measured.rps / baseline.rps if baseline.rps else 0),
            (baseline, None),
        ):
            ratio_text = f"{ratio:>8.2f}" if ratio is not None else f"{'(base)':>8}"
            print(
                f"{r.name:<34}{r.rps:>9.0f}{r.p50:>9.1f}{r.percentile(99):>9.1f}{r.errors:>8}{ratio_text}"
            )
    print(goal)
