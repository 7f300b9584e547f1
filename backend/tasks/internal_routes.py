"""/internal/v1: service-to-service endpoints, not part of the public API.

Callers authenticate with `X-Internal-Token` = INTERNAL_SECRET, a secret only the api and the
recurring service hold (Dapr forwards the header on service invocation). Dapr's app token is
not enough: every sidecar adds it to every call, so it would open this endpoint to any
service of the mesh."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from pydantic import SecretStr

from backend.platform.auth import unauthorized
from backend.platform.deps import SessionDep
from backend.platform.errors import not_found
from backend.platform.responses import json_response
from backend.tasks.occurrences import OccurrenceCreate, create_occurrence
from backend.tasks.schemas import task_payload

router = APIRouter(prefix="/internal/v1", include_in_schema=False)


def _matches(given: str | None, secret: SecretStr | None) -> bool:
    return (
        bool(given)
        and secret is not None
        and hmac.compare_digest(given.encode(), secret.get_secret_value().encode())
    )


async def internal_caller(
    request: Request, x_internal_token: Annotated[str | None, Header()] = None
) -> None:
    """Let through only callers holding INTERNAL_SECRET (compared in constant time)."""
    if not _matches(x_internal_token, request.app.state.runtime.settings.internal_secret):
        raise unauthorized("internal endpoint: X-Internal-Token is missing or wrong")


@router.post("/occurrences", dependencies=[Depends(internal_caller)])
async def occurrences(data: OccurrenceCreate, session: SessionDep):
    """Create the occurrence after `source_task_id` once: 201 now, 200 if it already exists."""
    task, created = await create_occurrence(session, request=data)
    if task is None:
        raise not_found("A latest occurrence to continue")
    return json_response(
        {"task": task_payload(task), "created": created}, status_code=201 if created else 200
    )
