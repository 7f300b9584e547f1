"""`POST /api/v1/notifications/ticket` and `GET /api/v1/notifications/stream` (api.md)."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel
from redis.exceptions import RedisError
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.platform.deps import PrincipalDep, RuntimeDep
from backend.platform.errors import Problem, problem_response
from backend.platform.runtime import Runtime
from services.notification import auth, history, limits
from services.notification.connection import Connection
from services.notification.hub import Hub, hub_for
from services.notification.metrics import SSE_REFUSED
from services.notification.settings import notification_settings
from services.notification.stream import EventStream

log = structlog.get_logger("taskflow.notification")
_READY_SECONDS = 5.0
_MAX_LAST_EVENT_ID = 200
router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class TicketRead(BaseModel):
    ticket: str
    expires_in: int


@router.post("/ticket", response_model=TicketRead)
async def create_ticket(principal: PrincipalDep, runtime: RuntimeDep) -> TicketRead:
    """A single-use ticket for `GET /stream?ticket=…`, for clients that cannot send headers."""
    seconds = notification_settings(runtime).notify_ticket_seconds
    ticket = await auth.issue_ticket(runtime=runtime, principal=principal, seconds=seconds)
    return TicketRead(ticket=ticket, expires_in=seconds)


async def _open(request: Request, runtime: Runtime) -> EventStream:
    """Authenticate, take a slot and resolve Last-Event-ID; the stream to serve."""
    last_event_id = request.headers.get("last-event-id")
    if last_event_id is not None and len(last_event_id) > _MAX_LAST_EVENT_ID:
        raise Problem(422, f"Last-Event-ID: must be at most {_MAX_LAST_EVENT_ID} characters")
    principal = await auth.stream_principal(request=request, runtime=runtime)
    user_id = str(principal.user_id)
    settings = notification_settings(runtime)
    hub = hub_for(runtime)
    if not hub.ready.is_set():
        try:
            await asyncio.wait_for(hub.ready.wait(), _READY_SECONDS)
        except TimeoutError:
            raise Problem(503, "Notifications are starting up: try again shortly") from None
    slot_id = uuid.uuid4().hex
    if not await limits.acquire_slot(
        runtime.redis,
        user_id=user_id,
        slot_id=slot_id,
        limit=settings.notify_max_streams_per_user,
        ttl_seconds=settings.notify_slot_ttl_seconds,
    ):
        raise Problem(
            429,
            f"You already have {settings.notify_max_streams_per_user} open notification "
            "streams: close one (e.g. another tab) and try again",
            headers={"Retry-After": "5"},
        )
    resume_after = None
    if last_event_id:
        resume_after = await history.resume_position(
            runtime.redis, user_id=user_id, last_event_id=last_event_id
        )
    connection = Connection(
        principal=principal,
        slot_id=slot_id,
        max_pending=settings.notify_max_pending,
        frames_per_second=settings.notify_frames_per_second,
    )
    return EventStream(
        hub=hub, connection=connection, redis=runtime.redis, resume_after=resume_after
    )


class StreamEndpoint:
    """`GET /stream`: the caller's events as Server-Sent Events (`Last-Event-ID` resumes).

    A raw ASGI endpoint, not a FastAPI route: a stream lives for hours, and FastAPI's
    per-request machinery (dependency wrappers) has no use for it. Once its response has
    started, the stream detaches from the middleware stack too (stream.py)."""

    route: Route | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The route template for the request metrics (the router sets it for FastAPI routes).
        scope.setdefault("route", self.route)
        runtime: Runtime = scope["app"].state.runtime
        hub = hub_for(runtime)
        # Before anything costs work (or redeems a single-use ticket): a full replica refuses
        # at once rather than queueing behind the opening semaphore.
        if not hub.admit():
            SSE_REFUSED.inc()
            full = problem_response(
                503,
                f"This notification server already holds its limit of {hub.max_streams} "
                "streams: try again shortly",
                instance=scope["path"],
                headers={"Retry-After": "5"},
            )
            await full(scope, receive, send)
            return
        try:
            answer = await _open_or_refuse(scope, runtime, hub)
        except BaseException:
            hub.release()
            raise
        if isinstance(answer, EventStream):
            await answer(scope, receive, send)  # gives the admission back when it ends
            return
        try:
            await answer(scope, receive, send)
        finally:
            hub.release()


async def _open_or_refuse(scope: Scope, runtime: Runtime, hub: Hub) -> ASGIApp:
    """The stream to serve, or the problem response that refuses it."""
    try:
        async with hub.opening:
            return await _open(Request(scope), runtime)
    except Problem as exc:
        return problem_response(
            exc.status, exc.detail, title=exc.title, instance=scope["path"], headers=exc.headers
        )
    except (RedisError, OSError) as exc:
        log.warning("stream_open_failed", error=f"{type(exc).__name__}: {exc}")
        return problem_response(
            503,
            "Notifications are unavailable right now: try again shortly",
            instance=scope["path"],
            headers={"Retry-After": "5"},
        )


_endpoint = StreamEndpoint()
_endpoint.route = Route(f"{router.prefix}/stream", endpoint=_endpoint, methods=["GET"])
router.routes.append(_endpoint.route)
