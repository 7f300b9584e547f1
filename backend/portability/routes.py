"""/api/v1/export, /api/v1/import and /api/v1/calendar: your data in and out."""

from __future__ import annotations

import functools
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response

from backend.accounts.deps import CurrentUser
from backend.platform.db import utcnow
from backend.platform.deps import SessionDep
from backend.platform.errors import Problem
from backend.platform.openapi import problems
from backend.platform.responses import json_response
from backend.portability import export, feed, ical, imports, todoist
from backend.portability.schemas import (
    CalendarFeedCreated,
    CalendarFeedRead,
    ExportDocument,
    ImportResult,
)

router = APIRouter(prefix="/api/v1", tags=["data"])
NO_STORE = {"Cache-Control": "no-store"}


def _attachment(extension: str) -> dict[str, str]:
    name = f"taskflow-export-{utcnow():%Y-%m-%d}.{extension}"
    return {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/export/json", response_model=ExportDocument)
async def export_json(user: CurrentUser, session: SessionDep) -> Response:
    """Everything of the account as one JSON document (what `POST /import/json` takes)."""
    document = await export.export_document(session, user=user)
    return json_response(document, headers=_attachment("json"))


@router.get(
    "/export/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_csv(user: CurrentUser, session: SessionDep) -> Response:
    """Every task (the trash included) as CSV, one row per task, for spreadsheets."""
    text = await export.export_csv(session, user=user)
    return Response(text, media_type="text/csv; charset=utf-8", headers=_attachment("csv"))


_JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ExportDocument"}}
        },
    }
}
_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


async def _file(request: Request) -> bytes:
    """The uploaded file: the request body itself (a form upload is refused with a hint)."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        raise Problem(
            415, "Send the file itself as the request body, not as a form (multipart) upload"
        )
    return await request.body()


@router.post(
    "/import/json",
    response_model=ImportResult,
    openapi_extra=_JSON_BODY,
    responses=problems(400, 413, 415, 422),
)
async def import_json(request: Request, user: CurrentUser, session: SessionDep) -> ImportResult:
    """Add the tasks and tags of a TaskFlow JSON export to this account (all or nothing);
    importing the same file again adds nothing twice."""
    document = imports.parse_document(await _file(request))
    return await imports.import_batch(session, user=user, batch=imports.document_batch(document))


@router.post(
    "/import/todoist",
    response_model=ImportResult,
    openapi_extra=_CSV_BODY,
    responses=problems(400, 413, 415, 422),
)
async def import_todoist(request: Request, user: CurrentUser, session: SessionDep) -> ImportResult:
    """Add the tasks of a Todoist CSV export (a project's "Export as CSV") to this account."""
    batch = todoist.todoist_batch(await _file(request), user_timezone=user.timezone)
    return await imports.import_batch(session, user=user, batch=batch)


@router.get("/calendar/feed", response_model=CalendarFeedRead)
async def calendar_feed_status(user: CurrentUser, session: SessionDep) -> CalendarFeedRead:
    """Whether the account has a calendar feed address (the address itself is shown once)."""
    current = await feed.get_feed(session, user_id=user.id)
    return CalendarFeedRead(
        active=current is not None, created_at=current.created_at if current else None
    )


@router.post("/calendar/feed", status_code=201, response_model=CalendarFeedCreated)
async def regenerate_calendar_feed(
    request: Request, user: CurrentUser, session: SessionDep
) -> CalendarFeedCreated:
    """Make a new private feed address (a previous one stops working)."""
    row, secret = await feed.regenerate_feed(session, user_id=user.id)
    url = str(request.url_for("calendar_feed", secret=secret))
    return CalendarFeedCreated(url=url, events_url=f"{url}?events=true", created_at=row.created_at)


@router.delete("/calendar/feed", status_code=204)
async def revoke_calendar_feed(user: CurrentUser, session: SessionDep) -> Response:
    """Turn the feed off: its address answers 404 from now on."""
    await feed.revoke_feed(session, user_id=user.id)
    return Response(status_code=204)


@router.get(
    "/calendar/{secret}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
async def calendar_feed(
    secret: str,
    session: SessionDep,
    events: Annotated[
        bool, Query(description="VEVENTs instead of VTODOs (for Google Calendar)")
    ] = False,
) -> Response:
    """The feed itself, for calendar apps: the secret in the address is the only key."""
    owner = await feed.feed_owner(session, secret=secret)
    tasks = await feed.feed_tasks(session, user_id=owner.id)
    # ~1.3 ms of CPU per task in `icalendar`: off the event loop, as other requests go on.
    body = await anyio.to_thread.run_sync(
        functools.partial(ical.calendar, tasks, name=f"TaskFlow ({owner.name})", events=events)
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'inline; filename="taskflow.ics"'},
    )
