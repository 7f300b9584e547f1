"""The embedded PostgreSQL and Redis: start, keep data, stop, and survive crashes — of their
owner and of the servers themselves."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import psutil
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.platform.embedded import DataDirectory, DataDirError, EmbeddedPostgres, EmbeddedRedis
from backend.platform.redis import make_redis
from backend.platform.settings import sqlalchemy_url

pytestmark = pytest.mark.slow
_template: Path | None = None


def seed_pgdata(data_dir: Path) -> Path:
    """Give `data_dir` a ready PostgreSQL cluster copied from one initialised once per test
    session (initdb takes seconds on a busy machine); the tests that check initdb skip this."""
    global _template
    if _template is None:
        _template = Path(tempfile.mkdtemp(prefix="taskflow-pg-template-"))
        atexit.register(shutil.rmtree, _template, ignore_errors=True)
        server = EmbeddedPostgres(_template)
        server.start()
        server.stop()
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(_template / "pg"), str(data_dir / "pg")], check=True)
    return data_dir


def servers_running(data_dir: Path) -> list[psutil.Process]:
    """PostgreSQL (postmaster by command line, its children by working directory) and Redis
    processes of `data_dir`."""
    data_dir = data_dir.resolve()
    found = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        in_data = str(data_dir) in cmdline or str(data_dir) in (process.info["cwd"] or "")
        if in_data and ("postgres" in cmdline or "redis-server" in cmdline):
            found.append(process)
    return found


def wait_for_no_servers(data_dir: Path, timeout: float = 15.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := servers_running(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


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


def start_both(data_dir: Path) -> tuple[EmbeddedPostgres, EmbeddedRedis, tuple[str, str]]:
    postgres, redis = EmbeddedPostgres(data_dir), EmbeddedRedis(data_dir)
    return postgres, redis, (postgres.start(), redis.start())


def test_servers_keep_data_across_a_clean_restart(tmp_path):
    postgres, redis, urls = start_both(tmp_path)
    assert urls[0] == f"postgresql://postgres@/postgres?host={tmp_path}/run"
    assert urls[1] == f"unix://{tmp_path}/run/redis.sock"
    assert asyncio.run(_write_and_read(*urls, "first")) == ("first", "first")
    postgres.stop()
    redis.stop()
    assert servers_running(tmp_path) == []
    clock = time.monotonic()
    postgres, redis, urls = start_both(tmp_path)
    assert time.monotonic() - clock < 3, "a warm start must be quick"
    try:
        assert asyncio.run(_write_and_read(*urls, None)) == ("first", "first")
    finally:
        postgres.stop()
        redis.stop()
    assert servers_running(tmp_path) == []


async def _sqlalchemy_select(database_url: str) -> int:
    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT 41 + 1"))).scalar_one()
    finally:
        await engine.dispose()


def test_sqlalchemy_connects_over_the_socket_and_long_paths_get_a_short_socket_dir(tmp_path):
    deep = seed_pgdata(tmp_path / ("a-rather-long-directory-name-" * 4) / "data dir")
    postgres, redis, (database_url, redis_url) = start_both(deep)
    try:
        socket_dir = database_url.split("?host=")[1]
        assert socket_dir.startswith("/tmp/taskflow-pg-") and len(socket_dir) < 40
        assert redis_url.startswith("unix:///tmp/taskflow-redis-")
        assert sqlalchemy_url(database_url).startswith("postgresql+asyncpg://postgres@/")
        assert asyncio.run(_sqlalchemy_select(database_url)) == 42
        assert asyncio.run(_write_and_read(database_url, redis_url, "deep")) == ("deep", "deep")
    finally:
        postgres.stop()
        redis.stop()
    assert servers_running(deep) == []


def test_servers_start_again_with_data_after_being_sigkilled(tmp_path):
    seed_pgdata(tmp_path)
    postgres, redis, urls = start_both(tmp_path)
    asyncio.run(_write_and_read(*urls, "before the kill"))
    time.sleep(1.2)  # Redis syncs its append-only file every second
    for server in (postgres, redis):
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    assert (tmp_path / "pg" / "postmaster.pid").exists()  # stale, and says "ready"
    assert (tmp_path / "run" / "redis.sock").exists()  # stale
    postgres, redis, urls = start_both(tmp_path)
    try:
        assert asyncio.run(_write_and_read(*urls, None)) == ("before the kill",) * 2
    finally:
        postgres.stop()
        redis.stop()
    assert wait_for_no_servers(tmp_path) == []


def test_a_server_left_running_on_the_data_dir_is_stopped_first(tmp_path):
    seed_pgdata(tmp_path)
    leftover_pg, leftover_redis, urls = start_both(tmp_path)
    asyncio.run(_write_and_read(*urls, "kept"))
    postgres, redis, urls = start_both(tmp_path)  # as if the first owner had vanished
    try:
        assert leftover_pg.process.poll() is not None
        assert leftover_redis.process.poll() is not None
        assert {p.pid for p in servers_running(tmp_path) if p.ppid() == os.getpid()} == {
            postgres.process.pid,
            redis.process.pid,
        }
        assert asyncio.run(_write_and_read(*urls, None)) == ("kept", "kept")
    finally:
        postgres.stop()
        redis.stop()


def test_a_stale_pid_file_naming_a_recycled_pid_does_not_block_start(tmp_path):
    seed_pgdata(tmp_path)
    postgres = EmbeddedPostgres(tmp_path)
    postgres.start()
    pid_file = tmp_path / "pg" / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    postgres.process.send_signal(signal.SIGKILL)
    postgres.process.wait()
    unrelated = subprocess.Popen(["sleep", "30"])  # now owns the pid the stale file names
    try:
        pid_file.write_text("\n".join([str(unrelated.pid), *lines[1:]]) + "\n")
        url = postgres.start()
        assert asyncio.run(_sqlalchemy_select(url)) == 42
        assert unrelated.poll() is None  # an unrelated process is never signalled
    finally:
        postgres.stop()
        unrelated.kill()
        unrelated.wait()


OWNER = """
import sys, time
from pathlib import Path
from backend.platform.embedded import EmbeddedPostgres, EmbeddedRedis
data = Path(sys.argv[1])
print(EmbeddedPostgres(data).start(), EmbeddedRedis(data).start(), flush=True)
time.sleep(600)
"""


def test_servers_stop_with_a_killed_owner_and_start_again_with_data(tmp_path):
    seed_pgdata(tmp_path)
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    database_url, redis_url = owner.stdout.readline().split()
    asyncio.run(_write_and_read(database_url, redis_url, "before the crash"))
    time.sleep(1.2)  # Redis syncs its append-only file every second
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    assert wait_for_no_servers(tmp_path) == [], "servers outlived their killed owner"
    postgres, redis, urls = start_both(tmp_path)
    try:
        assert asyncio.run(_write_and_read(*urls, None)) == ("before the crash",) * 2
    finally:
        postgres.stop()
        redis.stop()


def test_a_server_that_cannot_start_names_its_log(tmp_path):
    seed_pgdata(tmp_path)
    postgres = EmbeddedPostgres(tmp_path)
    (tmp_path / "pg" / "postgresql.conf").write_text("shared_buffers = 'nonsense'\n")
    with pytest.raises(Exception, match=r"PostgreSQL exited with code 1 .*see .*postgres\.log"):
        postgres.start()
    assert servers_running(tmp_path) == []


def test_a_data_directory_has_one_owner_and_keeps_its_secrets(tmp_path):
    first, second = DataDirectory(tmp_path), DataDirectory(tmp_path)
    first.claim()
    with pytest.raises(
        DataDirError, match=rf"already running with data directory .* \(pid {os.getpid()}\)"
    ):
        second.claim()
    secret = first.secret("jwt-secret")
    assert len(secret) >= 48 and first.secret("jwt-secret") == secret
    assert first.secret("internal-secret") != secret
    assert oct((tmp_path / "jwt-secret").stat().st_mode & 0o777) == "0o600"
    first.release()
    second.claim()
    second.release()
    blocked = DataDirectory(tmp_path / "jwt-secret" / "data")
    with pytest.raises(DataDirError, match="cannot write"):
        blocked.claim()
