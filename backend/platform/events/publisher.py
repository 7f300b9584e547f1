"""`publish`: for events that are not task mutations (e.g. reminder.triggered)."""

from __future__ import annotations

from typing import Any

from backend.platform.events.bus import PublishError
from backend.platform.runtime import Runtime


async def publish(runtime: Runtime, *, topic: str, event: dict[str, Any]) -> None:
    """Returns once the transport accepted the event (local: stored in the outbox; Dapr: the
    sidecar answered 204); raises PublishError otherwise."""
    if runtime.events is None:
        raise PublishError("this process has no event bus")
    await runtime.events.publish(topic=topic, event=event)
