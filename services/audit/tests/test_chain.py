"""Tamper evidence: each user's trail is a hash chain that /api/v1/audit/verify recomputes; a
row altered or removed directly in the database is reported."""

from __future__ import annotations

import asyncio
import uuid

from prometheus_client import REGISTRY

from backend.testing.fixtures import signup
from services.audit.tests.conftest import Audit, task_event


async def _trail(client, audit: Audit, count: int = 5):
    account = await signup(client)
    events = [
        task_event(user_id=account.id, version=v, changes={"title": [f"t{v - 1}", f"t{v}"]})
        for v in range(1, count + 1)
    ]
    for event in events:  # one at a time: seq follows version
        await audit.deliver(event)
    return account, events


async def _verify(client, account) -> dict:
    response = await client.get("/api/v1/audit/verify", headers=account.headers)
    assert response.status_code == 200
    return response.json()


def _verify_failures() -> float:
    return REGISTRY.get_sample_value("taskflow_audit_verify_failures_total") or 0.0


async def test_an_untouched_trail_verifies(audit_client, audit):
    alice, _ = await _trail(audit_client, audit)
    assert await _verify(audit_client, alice) == {"ok": True, "checked": 5, "first_bad": None}
    nobody = await signup(audit_client)
    assert await _verify(audit_client, nobody) == {"ok": True, "checked": 0, "first_bad": None}


async def test_concurrent_writers_keep_every_chain_intact(audit_client, make_audit):
    # two processes' writers (two runtimes) racing on the same users
    first, second = make_audit(), make_audit()
    accounts = [await signup(audit_client) for _ in range(3)]
    events = [task_event(user_id=accounts[i % 3].id) for i in range(600)]
    await asyncio.gather(
        first.deliver_all(events[::2]),
        second.deliver_all(events[1::2]),
        first.deliver_all(events[:50]),
    )
    for account in accounts:
        assert await _verify(audit_client, account) == {
            "ok": True,
            "checked": 200,
            "first_bad": None,
        }


async def test_a_row_altered_in_the_database_is_reported(audit_client, audit, db):
    alice, events = await _trail(audit_client, audit)
    bob, _ = await _trail(audit_client, audit, count=2)
    async with db.transaction():
        # what an intruder with superuser rights does: bypass the append-only trigger
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(
            'UPDATE audit_events SET changes = \'{"title":["t2","harmless"]}\' '
            "WHERE user_id = $1 AND seq = 3",
            uuid.UUID(alice.id),
        )
    failures_before = _verify_failures()
    result = await _verify(audit_client, alice)
    assert result["ok"] is False
    assert result["first_bad"]["seq"] == 3
    assert result["first_bad"]["event_id"] == events[2]["id"]
    assert "hash" in result["first_bad"]["reason"]
    assert (await _verify(audit_client, bob))["ok"] is True, "other users' chains are unaffected"
    # operators hear of it (alert TaskFlowAuditChainBroken), not only the user who asked
    assert _verify_failures() == failures_before + 1


async def test_a_row_removed_from_the_middle_or_the_end_is_reported(audit_client, audit, db):
    alice, _ = await _trail(audit_client, audit)
    bob, _ = await _trail(audit_client, audit)
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(
            "DELETE FROM audit_events WHERE user_id = $1 AND seq = 2", uuid.UUID(alice.id)
        )
        await db.execute(
            "DELETE FROM audit_events WHERE user_id = $1 AND seq = 5", uuid.UUID(bob.id)
        )
    alice_result = await _verify(audit_client, alice)
    assert alice_result["ok"] is False and alice_result["first_bad"]["seq"] == 3
    assert "missing" in alice_result["first_bad"]["reason"]
    bob_result = await _verify(audit_client, bob)
    assert bob_result["ok"] is False and bob_result["first_bad"]["seq"] == 5


async def test_a_chain_head_deleted_in_the_database_is_reported(audit_client, audit, db):
    alice, _ = await _trail(audit_client, audit, count=2)
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")  # past the trigger
        await db.execute("DELETE FROM audit_chain_heads WHERE user_id = $1", uuid.UUID(alice.id))
    await audit.deliver(task_event(user_id=alice.id))  # the writer starts a new head: seq 1 again
    result = await _verify(audit_client, alice)
    assert result["ok"] is False
    assert result["first_bad"]["seq"] == 1
    assert "twice" in result["first_bad"]["reason"]
