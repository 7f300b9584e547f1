"""SSE frames, encoded once per event and shared by every stream that sends them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def parse_sid(sid: str) -> tuple[int, int]:
    """A Redis stream entry id ("ms-seq") as a comparable pair."""
    ms, _, seq = sid.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class Frame:
    """One event as its user's streams send it."""

    sid: tuple[int, int]
    """Its entry id in the user's history stream: the order, and the replay/live seam."""
    key: str
    """Frames with the same key (one task's changes) coalesce into the latest when queued."""
    data: bytes


def encode_frame(*, event_id: str, event_type: str, data: dict[str, Any]) -> str:
    """`id:`, `event:` and a one-line JSON `data:` (json.dumps escapes every newline)."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"id: {event_id}\nevent: {event_type}\ndata: {body}\n\n"


def comment(text: str = "") -> bytes:
    """An SSE comment line: ignored by EventSource, keeps proxies and the client awake."""
    return f":{text}\n\n".encode()
