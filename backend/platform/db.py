"""SQLAlchemy 2.0 async engine, the declarative base and the request-scoped session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from sqlalchemy import MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from backend.platform.settings import sqlalchemy_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


# DATABASE_URL query parameters that asyncpg itself applies as server settings when it
# connects (`?role=taskflow_audit` runs every statement as that role, docs/audit.md).
# SQLAlchemy would hand them to asyncpg.connect() as keyword arguments it does not take.
SERVER_SETTINGS_PARAMS = ("role", "application_name")


def make_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    url = make_url(sqlalchemy_url(database_url))
    server_settings = {
        key: str(url.query[key]) for key in SERVER_SETTINGS_PARAMS if key in url.query
    }
    # No overflow: connections opened past the pool are closed again on return, and opening
    # one (TLS attempt, auth, SQLAlchemy's type set-up) costs far more than waiting for one.
    engine = create_async_engine(
        url.difference_update_query(server_settings),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"server_settings": server_settings} if server_settings else {},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: object, record: object, proxy: object) -> None:
    """A pooled connection whose server side already went away (a restart, a terminated
    backend, a network drop noticed while it sat idle) is never handed out: asyncpg would
    answer its first statement with `InterfaceError: connection is closed`. Raising
    DisconnectionError makes the pool discard it and check out another (a fresh one if need
    be); costs one attribute read per checkout, unlike a pre-ping round trip."""
    if dbapi_connection.driver_connection.is_closed():  # type: ignore[attr-defined]
        raise DisconnectionError("the pooled connection was closed by the server")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session in one transaction: committed when the caller returns, rolled back on error."""
    async with sessions() as session, session.begin():
        yield session


async def raw_connection(session: AsyncSession, *, begin: bool = True) -> asyncpg.Connection:
    """The asyncpg connection under `session`, inside the session's transaction.

    For the few hot paths that run hand-written SQL (see `backend/tasks/sql.py`): each ORM
    statement costs ~0.3 ms of Python before it reaches the wire, a raw one a few µs.
    Pending ORM changes are flushed first so statements keep their order, and BEGIN is sent
    here if SQLAlchemy has not sent it yet (its asyncpg adapter begins lazily, on the first
    statement it runs itself), so a raw statement never runs outside the transaction.
    `begin=False` is for a lone read: if no transaction is open yet it runs on its own (one
    statement sees one snapshot anyway), saving the BEGIN and COMMIT round trips.
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    pooled = await connection.get_raw_connection()
    adapter = pooled.dbapi_connection
    if begin and adapter._transaction is None and adapter.isolation_level != "autocommit":
        await adapter._start_transaction()
    return pooled.driver_connection


_BROKEN = (
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # the server is shutting this backend down
    asyncpg.InterfaceError,
    # A FATAL the server sends between two statements (pg_terminate_backend, a restart) puts
    # the protocol in a state the next statement cannot start from, before the socket's end
    # has been read: asyncpg says InternalClientError and the connection still looks open.
    asyncpg.InternalClientError,
    OSError,
)
"""Errors after which a connection cannot be trusted with another statement."""


@asynccontextmanager
async def pooled_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection from the engine's pool, without an ORM session around it.

    For request paths that only run hand-written SQL (creating a task, listing a page): an
    `AsyncSession` per request (object, transaction bookkeeping, greenlet hops to begin and
    commit) cost ~0.2 ms of CPU there, more than their SQL. The connection comes from the same
    pool (same size, same server settings such as the audit role) and goes back to it on exit.
    It is in autocommit mode: one statement is its own transaction, and the caller opens
    `connection.transaction()` when several must commit together.

    SQLAlchemy does not see what runs on the connection, so it cannot notice a broken one: a
    connection that was lost (server restart, network), failed at the connection level (see
    `_BROKEN`) or is still in a transaction on exit (its rollback failed) is discarded here,
    never handed out again.
    """
    async with engine.connect() as connection:
        pooled = await connection.get_raw_connection()
        driver: asyncpg.Connection = pooled.driver_connection
        broken = False
        try:
            yield driver
        except _BROKEN:
            broken = True
            raise
        finally:
            if broken or driver.is_closed() or driver.is_in_transaction():
                await connection.invalidate()
