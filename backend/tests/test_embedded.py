"""The embedded PostgreSQL and Redis: start, keep data, stop, and survive a crashed owner."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psutil
import pytest

from backend.platform.embedded import DataDirectory, DataDirError, EmbeddedPostgres, EmbeddedRedis
from backend.platform.redis import make_redis

pytestmark = pytest.mark.slow


def servers_running(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline and ("postgres" in cmdline or "redis-server" in cmdline):
            found.append(process)
    return found


async def _write_and_read(database_url: str, redis_url: str, value: str | None) -> tuple[str, str]:
    connection = await asyncpg.connect(database_url)
    redis = make_redis(redis_url)
    try:
        await connection.execute("CREATE TABLE IF NOT EXISTS kept (value text)")
        if value is not None:
            await connection.execute("INSERT INTO kept VALUES ($1)", value)
            await redis.set("kept", value)
        return await connection.fetchval("SELECT max(value) FROM kept"), await redis.get("kept")
    finally:
        await connection.close()
        await redis.aclose()


def test_servers_keep_data_across_a_clean_restart(tmp_path):
    postgres, redis = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path)
    urls = postgres.start(), redis.start()
    assert asyncio.run(_write_and_read(*urls, "first")) == ("first", "first")
    postgres.stop()
    redis.stop()
    assert servers_running(tmp_path) == []
    urls = postgres.start(), redis.start()
    try:
        assert asyncio.run(_write_and_read(*urls, None)) == ("first", "first")
    finally:
        postgres.stop()
        redis.stop()
    assert servers_running(tmp_path) == []


OWNER = """
import sys, time
from pathlib import Path
from backend.platform.embedded import EmbeddedPostgres, EmbeddedRedis
data = Path(sys.argv[1])
print(EmbeddedPostgres(data).start(), EmbeddedRedis(data).start(), flush=True)
time.sleep(600)
"""


def test_servers_stop_with_a_killed_owner_and_start_again_with_data(tmp_path):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    database_url, redis_url = owner.stdout.readline().split()
    asyncio.run(_write_and_read(database_url, redis_url, "before the crash"))
    time.sleep(1.2)  # Redis syncs its append-only file every second
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 15
    while servers_running(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert servers_running(tmp_path) == [], "servers outlived their killed owner"
    postgres, redis = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path)
    urls = postgres.start(), redis.start()
    try:
        assert asyncio.run(_write_and_read(*urls, None)) == ("before the crash",) * 2
    finally:
        postgres.stop()
        redis.stop()


def test_a_data_directory_has_one_owner_and_keeps_its_secrets(tmp_path):
    first, second = DataDirectory(tmp_path), DataDirectory(tmp_path)
    first.claim()
    with pytest.raises(DataDirError, match="already running"):
        second.claim()
    secret = first.secret("jwt-secret")
    assert len(secret) >= 48 and first.secret("jwt-secret") == secret
    assert oct((tmp_path / "jwt-secret").stat().st_mode & 0o777) == "0o600"
    first.release()
    second.claim()
    second.release()
    blocked = DataDirectory(tmp_path / "jwt-secret" / "data")
    with pytest.raises(DataDirError, match="cannot write"):
        blocked.claim()
