"""The chain resists someone who can write the database (issue 18, item 6): it is keyed (a
rehash without AUDIT_CHAIN_KEY is caught), heads only move forward, and truncation or a wiped
trail is caught by checkpoints kept outside the database. `taskflow audit verify` reports it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest

from backend.testing.fixtures import AUDIT_KEY
from services.audit import chain
from services.audit.tests.conftest import stored
from services.audit.tests.test_chain import _trail, _verify


def as_audit_role(database_url: str) -> str:
    return f"{database_url}{'&' if '?' in database_url else '?'}role=taskflow_audit"


async def _rehash_unkeyed(db, user_id: str, *, title: str) -> None:
    """What an intruder with write access did before: change a row, recompute sha256 links."""
    rows = await stored(db, user_id)
    prev = chain.GENESIS
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        for row in rows:
            changes = '{"title":["t0","' + title + '"]}' if row["seq"] == 1 else row["changes"]
            values = [row[name] for name in chain.CONTENT_COLUMNS]
            values[chain.CONTENT_COLUMNS.index("changes")] = changes
            digest = hashlib.sha256(prev + chain.content(values)).digest()
            await db.execute(
                "UPDATE audit_events SET changes = $1, prev_hash = $2, hash = $3 "
                "WHERE user_id = $4 AND seq = $5",
                changes,
                prev,
                digest,
                uuid.UUID(user_id),
                row["seq"],
            )
            prev = digest
        await db.execute(
            "UPDATE audit_chain_heads SET hash = $1 WHERE user_id = $2", prev, uuid.UUID(user_id)
        )


async def test_a_trail_rehashed_without_the_key_is_reported(audit_client, audit, db):
    """Before: an unkeyed sha256 chain, so a rewritten and rehashed trail verified OK."""
    alice, _ = await _trail(audit_client, audit, count=3)
    await _rehash_unkeyed(db, alice.id, title="nothing to see")
    result = await _verify(audit_client, alice)
    assert result["ok"] is False
    assert result["first_bad"]["seq"] == 1
    assert result["first_bad"]["reason"] == "its content does not match its hash"


async def test_truncating_a_trail_and_moving_its_head_back_is_reported(audit_client, audit, db):
    """Before: deleting the newest rows and moving the head back verified OK."""
    alice, _ = await _trail(audit_client, audit, count=5)
    user = uuid.UUID(alice.id)
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")  # a superuser
        await db.execute("DELETE FROM audit_events WHERE user_id = $1 AND seq > 3", user)
        third = await db.fetchval(
            "SELECT hash FROM audit_events WHERE user_id = $1 AND seq = 3", user
        )
        await db.execute(
            "UPDATE audit_chain_heads SET seq = 3, hash = $1 WHERE user_id = $2", third, user
        )
    result = await _verify(audit_client, alice)
    assert result["ok"] is False and result["checked"] == 3
    assert result["first_bad"]["seq"] == 4
    assert result["first_bad"]["reason"].startswith("rows 4…5 are missing: a checkpoint")


async def test_a_wiped_trail_is_reported(audit_client, audit, db):
    """Before: deleting a user's rows and head verified OK with `checked: 0`."""
    alice, _ = await _trail(audit_client, audit, count=2)
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute("DELETE FROM audit_events WHERE user_id = $1", uuid.UUID(alice.id))
        await db.execute("DELETE FROM audit_chain_heads WHERE user_id = $1", uuid.UUID(alice.id))
    result = await _verify(audit_client, alice)
    assert result == {
        "ok": False,
        "checked": 0,
        "first_bad": {
            "seq": 1,
            "event_id": None,
            "reason": "rows 1…2 are missing: a checkpoint kept outside the database recorded "
            "them (the trail was truncated or wiped)",
        },
    }


async def test_the_audit_role_cannot_move_a_head_back_or_delete_it(
    audit_client, audit, database_url
):
    """Before: audit_chain_heads had no trigger and the role could UPDATE it at will."""
    alice, _ = await _trail(audit_client, audit, count=2)
    connection = await asyncpg.connect(as_audit_role(database_url))
    user = uuid.UUID(alice.id)
    try:
        for statement in (
            "UPDATE audit_chain_heads SET seq = seq - 1 WHERE user_id = $1",
            "UPDATE audit_chain_heads SET hash = '\\x00'::bytea WHERE user_id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only move forward"):
                await connection.execute(statement, user)
        for statement in (
            "DELETE FROM audit_chain_heads WHERE user_id = $1",
            "TRUNCATE audit_chain_heads",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement, *([user] if "$1" in statement else []))
        assert (
            await connection.fetchval("SELECT seq FROM audit_chain_heads WHERE user_id = $1", user)
            == 2
        )
    finally:
        await connection.close()
    assert (await _verify(audit_client, alice))["ok"] is True


def _taskflow(*args: str, database_url: str, redis_url: str, key: str = AUDIT_KEY):
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_URL", "_KEY", "_SECRET"))}
    env |= {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "AUDIT_CHAIN_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


async def test_taskflow_audit_verify_reports_each_trail(
    audit_client, audit, db, database_url, redis_url
):
    alice, _ = await _trail(audit_client, audit, count=3)
    bob, _ = await _trail(audit_client, audit, count=2)
    ok = _taskflow(
        "audit", "verify", "--user", alice.id, database_url=database_url, redis_url=redis_url
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [f"✓ {alice.id}: 3 entries", "1 trail(s) verified, 0 broken"]

    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute("DELETE FROM audit_events WHERE user_id = $1", uuid.UUID(bob.id))
        await db.execute("DELETE FROM audit_chain_heads WHERE user_id = $1", uuid.UUID(bob.id))
    everyone = _taskflow("audit", "verify", database_url=database_url, redis_url=redis_url)
    assert everyone.returncode == 1
    assert f"✓ {alice.id}: 3 entries" in everyone.stdout.splitlines()
    assert f"✗ {bob.id}: seq 1: rows 1…2 are missing" in everyone.stdout  # found via checkpoint
    assert "broken" in everyone.stderr

    wrong_key = _taskflow(
        "audit",
        "verify",
        "--user",
        alice.id,
        database_url=database_url,
        redis_url=redis_url,
        key="not-the-key-" + "q" * 40,
    )
    assert wrong_key.returncode == 1
    assert f"✗ {alice.id}: seq 1: its content does not match its hash" in wrong_key.stdout
