"""Creating an occurrence through the api: an in-process call in embedded mode, Dapr service
invocation of the api's internal endpoint in service mode."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from backend.platform.events.inbox import claim_event
from backend.platform.runtime import Runtime
from backend.tasks.occurrences import create_occurrence
from services.recurring.settings import RecurringSettings

CONSUMER = "recurring"


class OccurrenceNotCreated(Exception):
    """The api did not accept the request; the event will be retried."""


async def create_in_process(runtime: Runtime, *, event_id: str, request: dict[str, Any]) -> bool:
    """Inbox record and occurrence in one transaction; False if the event was already applied."""
    async with runtime.sessions() as session, session.begin():
        if not await claim_event(session, consumer=CONSUMER, event_id=event_id):
            return False
        await create_occurrence(session, **_typed(request))
    return True


async def create_through_dapr(runtime: Runtime, *, event_id: str, request: dict[str, Any]) -> bool:
    """POST to the api via the sidecar; the idempotency key makes a repeated call harmless."""
    settings = RecurringSettings()
    headers = {}
    if settings.dapr_api_token is not None:
        headers["dapr-api-token"] = settings.dapr_api_token.get_secret_value()
    url = (
        f"http://127.0.0.1:{settings.dapr_http_port}/v1.0/invoke/{settings.api_app_id}"
        "/method/internal/v1/occurrences"
    )
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(url, json=request, headers=headers)
    if response.status_code not in (200, 201, 404):
        raise OccurrenceNotCreated(f"api answered {response.status_code}: {response.text[:200]}")
    async with runtime.sessions() as session, session.begin():
        await claim_event(session, consumer=CONSUMER, event_id=event_id)
    return response.status_code == 201


def _typed(request: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    return {
        **request,
        "user_id": uuid.UUID(request["user_id"]),
        "source_task_id": uuid.UUID(request["source_task_id"]),
        "due_at": datetime.fromisoformat(request["due_at"]),
    }
