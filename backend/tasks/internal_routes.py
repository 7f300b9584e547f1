"""/internal/v1: service-to-service endpoints, not part of the public API.

Callers authenticate with Dapr's app token (`dapr-api-token`, which the api's sidecar adds
to service invocations) or, without Dapr, the shared `X-Internal-Token`."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from backend.platform.auth import unauthorized
from backend.platform.deps import SessionDep
from backend.platform.errors import not_found
from backend.platform.responses import json_response
from backend.tasks.occurrences import OccurrenceCreate, create_occurrence
from backend.tasks.schemas import task_payload

router = APIRouter(prefix="/internal/v1", include_in_schema=False)


def _matches(given: str | None, secret: Any) -> bool:
    return (
        bool(given)
        and secret is not None
        and hmac.compare_digest(given.encode(), secret.get_secret_value().encode())
    )


async def internal_caller(
    request: Request,
    dapr_api_token: Annotated[str | None, Header()] = None,
    x_internal_token: Annotated[str | None, Header()] = None,
) -> None:
    """Let through only callers holding a service token (compared in constant time)."""
    settings = request.app.state.runtime.settings
    if not (
        _matches(dapr_api_token, settings.app_api_token)
        or _matches(x_internal_token, settings.internal_secret)
    ):
        raise unauthorized("internal endpoint: a service token is required")


@router.post("/occurrences", dependencies=[Depends(internal_caller)])
async def occurrences(data: OccurrenceCreate, session: SessionDep):
    """Create the occurrence after `source_task_id` once: 201 now, 200 if it already exists."""
    task, created = await create_occurrence(session, request=data)
    if task is None:
        raise not_found("A latest occurrence to continue")
    return json_response(
        {"task": task_payload(task), "created": created}, status_code=201 if created else 200
    )
