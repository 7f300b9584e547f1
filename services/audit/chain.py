"""Each user's trail is a keyed hash chain: row n stores HMAC-SHA256(key, hash of row n-1 +
its canonical content). The key (AUDIT_CHAIN_KEY) is never in the database, so whoever can
write the tables cannot compute a valid hash for a changed row. Rows removed from the end (or a
whole trail) are caught by checkpoints kept outside the database (services/audit/checkpoints).

Ordering is safe across writers: a batch locks the heads of its users (`audit_chain_heads`,
`SELECT … FOR UPDATE` in user id order, so two writers never deadlock), places its rows after
them and moves the heads on, all in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import asyncpg
import orjson

from services.audit.records import AuditRecord

GENESIS = bytes(32)
"""The "previous hash" of every user's first row."""
FORMAT = "taskflow-audit/2"
"""/2: keyed (HMAC); /1 was a plain sha256 anyone could recompute."""
COLUMNS = (
    "event_id",
    "time",
    "user_id",
    "seq",
    "type",
    "task_id",
    "version",
    "actor",
    "changes",
    "title",
    "details",
    "prev_hash",
    "hash",
)
CONTENT_COLUMNS = COLUMNS[:-2]
_CREATE_HEADS = (
    "INSERT INTO audit_chain_heads (user_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING"
)
_LOCK_HEADS = (
    "SELECT user_id, seq, hash FROM audit_chain_heads WHERE user_id = ANY($1::uuid[]) "
    "ORDER BY user_id FOR UPDATE"
)
_SAVE_HEADS = (
    "UPDATE audit_chain_heads h SET seq = n.seq, hash = n.hash "
    "FROM unnest($1::uuid[], $2::bigint[], $3::bytea[]) AS n(user_id, seq, hash) "
    "WHERE h.user_id = n.user_id"
)


def content(values: Sequence[Any]) -> bytes:
    """The canonical bytes of one row: its values in CONTENT_COLUMNS order (no hashes)."""
    event_id, time, user_id, seq, type_, task_id, version, actor, changes, title, details = values
    return orjson.dumps(
        [
            FORMAT,
            str(event_id),
            time if time.tzinfo is UTC else time.astimezone(UTC),  # orjson: RFC 3339
            str(user_id),
            seq,
            type_,
            str(task_id) if task_id is not None else None,
            version,
            actor,
            changes,
            title,
            details,
        ]
    )


def entry_hash(key: bytes, prev_hash: bytes, data: bytes) -> bytes:
    """HMAC-SHA256(key, previous hash ‖ canonical content)."""
    return hmac.new(key, prev_hash + data, hashlib.sha256).digest()


async def lock_heads(
    connection: asyncpg.Connection, user_ids: Iterable[str], *, known: Collection[str] = ()
) -> dict[str, tuple[int, bytes]]:
    """Each user's (last seq, last hash), locked until the caller's transaction ends. Heads
    are created for users not in `known` (users whose head this process has seen)."""
    users = sorted(set(user_ids))
    new = [u for u in users if u not in known]
    if new:
        await connection.execute(_CREATE_HEADS, new)
    heads = {
        str(r["user_id"]): (r["seq"], bytes(r["hash"]))
        for r in await connection.fetch(_LOCK_HEADS, users)
    }
    if len(heads) < len(users):  # a head this process knew is gone: start it again
        missing = [u for u in users if u not in heads]
        await connection.execute(_CREATE_HEADS, missing)
        rows = await connection.fetch(_LOCK_HEADS, missing)
        heads.update({str(r["user_id"]): (r["seq"], bytes(r["hash"])) for r in rows})
    return heads


def link(
    records: Iterable[AuditRecord], heads: dict[str, tuple[int, bytes]], *, key: bytes
) -> list[tuple[Any, ...]]:
    """COPY-ready rows placing `records` after their users' heads (which move on)."""
    rows = []
    for record in records:
        seq, prev = heads[record.user_id]
        values = (
            record.event_id,
            record.time,
            record.user_id,
            seq + 1,
            record.type,
            record.task_id,
            record.version,
            record.actor,
            record.changes,
            record.title,
            record.details,
        )
        digest = entry_hash(key, prev, content(values))
        heads[record.user_id] = (seq + 1, digest)
        rows.append((*values, prev, digest))
    return rows


async def save_heads(connection: asyncpg.Connection, heads: dict[str, tuple[int, bytes]]) -> None:
    users = list(heads)
    await connection.execute(
        _SAVE_HEADS, users, [heads[u][0] for u in users], [heads[u][1] for u in users]
    )


@dataclass
class Verification:
    """The outcome of recomputing one user's chain. `checkpoint` is the (seq, hash) recorded
    outside the database: the trail must reach it, with that hash."""

    key: bytes = field(repr=False)
    checkpoint: tuple[int, bytes] | None = None
    ok: bool = True
    checked: int = 0
    first_bad: dict[str, Any] | None = None
    _expected_seq: int = 1
    _prev: bytes = field(default=GENESIS, repr=False)

    def _bad(self, row: Any, reason: str) -> bool:
        self.ok = False
        self.first_bad = {"seq": row["seq"], "event_id": str(row["event_id"]), "reason": reason}
        return False

    def check(self, row: Any) -> bool:
        """Check the next row (in seq order); False once a bad row was found."""
        self.checked += 1
        if row["seq"] != self._expected_seq:
            if row["seq"] > self._expected_seq:
                return self._bad(row, f"rows {self._expected_seq}…{row['seq'] - 1} are missing")
            return self._bad(row, "its sequence number appears twice")
        if bytes(row["prev_hash"]) != self._prev:
            return self._bad(row, "it does not link to the row before it")
        values = tuple(row[name] for name in CONTENT_COLUMNS)
        if not hmac.compare_digest(
            entry_hash(self.key, self._prev, content(values)), bytes(row["hash"])
        ):
            return self._bad(row, "its content does not match its hash")
        if self._off_checkpoint(row):
            return self._bad(row, "it differs from the checkpoint kept outside the database")
        self._prev = bytes(row["hash"])
        self._expected_seq += 1
        return True

    def _off_checkpoint(self, row: Any) -> bool:
        return (
            self.checkpoint is not None
            and row["seq"] == self.checkpoint[0]
            and bytes(row["hash"]) != self.checkpoint[1]
        )

    def finish(self, head: tuple[int, bytes] | None) -> Verification:
        """Compare the last row with the recorded head and the checkpoint (catches rows removed
        from the end, even with the head moved back, and a wiped trail)."""
        last = self._expected_seq - 1
        if not self.ok:
            return self
        if self.checkpoint is not None and self.checkpoint[0] > last:
            self.ok = False
            self.first_bad = {
                "seq": last + 1,
                "event_id": None,
                "reason": f"rows {last + 1}…{self.checkpoint[0]} are missing: a checkpoint kept "
                "outside the database recorded them (the trail was truncated or wiped)",
            }
            return self
        if head is None:
            return self
        seq, digest = head
        if seq > last:
            self.ok = False
            self.first_bad = {"seq": last + 1, "event_id": None, "reason": "rows are missing"}
        elif seq == last and digest != self._prev:
            self.ok = False
            self.first_bad = {"seq": last, "event_id": None, "reason": "the head does not match"}
        return self
