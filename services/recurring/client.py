"""Creating an occurrence through the api: an in-process call in embedded mode, Dapr service
invocation of the api's internal endpoint in service mode."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from pydantic import ValidationError

from backend.platform.errors import Problem
from backend.platform.events.inbox import claim_event
from backend.platform.runtime import Runtime
from backend.platform.settings import Settings
from backend.tasks.occurrences import OccurrenceCreate, create_occurrence
from services.recurring.settings import RecurringSettings

CONSUMER = "recurring"
OCCURRENCES_METHOD = "internal/v1/occurrences"
_PERMANENT = {400, 409, 413, 422}


class OccurrenceRejected(Exception):
    """The api refused the request for good (it can never succeed): the event is dropped."""


class OccurrenceNotCreated(Exception):
    """The api could not be reached or failed; raising makes the event be retried."""


@cache
def _api_app_id() -> str:
    return RecurringSettings().api_app_id


async def create_in_process(runtime: Runtime, *, event_id: str, request: dict[str, Any]) -> bool:
    """Inbox record and occurrence in one transaction; True if a task was created now."""
    try:
        data = OccurrenceCreate.model_validate(request)
    except ValidationError as exc:
        raise OccurrenceRejected(str(exc)) from None
    async with runtime.sessions() as session, session.begin():
        if not await claim_event(session, consumer=CONSUMER, event_id=event_id):
            return False
        try:
            _, created = await create_occurrence(session, request=data)
        except Problem as exc:
            raise OccurrenceRejected(exc.detail) from None
    return created


async def create_through_dapr(runtime: Runtime, *, event_id: str, request: dict[str, Any]) -> bool:
    """POST to the api via the sidecar. The inbox row is held (uncommitted) until the api has
    answered, so a concurrent duplicate waits and then skips; if this process dies mid-call
    the event is redelivered and the idempotency key makes the repeated call harmless."""
    async with runtime.sessions() as session, session.begin():
        if not await claim_event(session, consumer=CONSUMER, event_id=event_id):
            return False
        response = await _invoke(runtime.settings, request)
    if response.status_code in _PERMANENT:
        raise OccurrenceRejected(f"api answered {response.status_code}: {response.text[:300]}")
    return response.status_code == 201


async def _invoke(settings: Settings, request: dict[str, Any]) -> httpx.Response:
    """One service invocation; 2xx and 404 (nothing to continue) are final answers."""
    headers = {}
    if settings.dapr_api_token is not None:
        headers["dapr-api-token"] = settings.dapr_api_token.get_secret_value()
    url = (
        f"http://127.0.0.1:{settings.dapr_http_port}/v1.0/invoke/{_api_app_id()}"
        f"/method/{OCCURRENCES_METHOD}"
    )
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(url, json=request, headers=headers)
    if response.status_code not in (200, 201, 404, *_PERMANENT):
        raise OccurrenceNotCreated(f"api answered {response.status_code}: {response.text[:300]}")
    return response
