"""What the benchmarks share: where their PostgreSQL and Redis come from, and percentiles."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.testing import servers  # noqa: E402


@contextlib.contextmanager
def environment_urls() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database and a Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL (or the
    TASKFLOW_TEST_* ones) if set, else embedded servers started for the run."""
    db = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TASKFLOW_TEST_DATABASE_URL")
    rd = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TASKFLOW_TEST_REDIS_URL")
    if db:
        os.environ["TASKFLOW_TEST_DATABASE_URL"] = db
    if rd:
        os.environ["TASKFLOW_TEST_REDIS_URL"] = rd
    with servers.test_database() as database_url, servers.test_redis_url() as redis_url:
        yield database_url, redis_url


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
