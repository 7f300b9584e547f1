"""The PostgreSQL and Redis that tests run against.

`TASKFLOW_TEST_DATABASE_URL` / `TASKFLOW_TEST_REDIS_URL` name servers to use; without them the
embedded servers (the same code `taskflow up` runs) start for the test session, so a fresh
machine needs nothing installed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from backend.migrations import upgrade

_embedded_root: Path | None = None
_embedded: dict[str, Any] = {}


def _root() -> Path:
    global _embedded_root
    if _embedded_root is None:
        _embedded_root = Path(tempfile.mkdtemp(prefix="taskflow-test-"))
    return _embedded_root


def _shared(kind: str) -> str:
    """One embedded server of each kind per process, however many fixtures ask for it (a second
    instance on the same data directory would stop the first); stopped when the process exits."""
    if kind not in _embedded:
        from backend.platform.embedded import EmbeddedPostgres, EmbeddedRedis

        server = (EmbeddedPostgres if kind == "postgres" else EmbeddedRedis)(_root())
        _embedded[kind] = (server, server.start())
        atexit.register(server.stop)
    return _embedded[kind][1]


@contextlib.contextmanager
def server_url() -> Iterator[str]:
    """A PostgreSQL server URL (its `postgres` database)."""
    yield os.environ.get("TASKFLOW_TEST_DATABASE_URL") or _shared("postgres")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _create(url: str, name: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop(url: str, name: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.contextmanager
def test_database() -> Iterator[str]:
    """A new database, migrated to head, dropped afterwards."""
    with server_url() as url:
        name = f"taskflow_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_create(url, name))
        database_url = _with_database(url, name)
        try:
            upgrade(database_url)
            yield database_url
        finally:
            asyncio.run(_drop(url, name))


@contextlib.contextmanager
def test_redis_url() -> Iterator[str]:
    yield os.environ.get("TASKFLOW_TEST_REDIS_URL") or _shared("redis")
