"""Structured logs, the request id / trace context of each request, and HTTP metrics."""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from fastapi import HTTPException
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.platform import tracing
from backend.platform.web_security import with_security_headers

HTTP_REQUESTS = Counter(
    "taskflow_http_requests_total",
    "HTTP requests answered, by service, method, route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "taskflow_http_request_duration_seconds",
    "HTTP request latency by service, method and route template.",
    ["service", "method", "route"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    traceparent: str


_current: ContextVar[RequestContext | None] = ContextVar("taskflow_request", default=None)


def current_request() -> RequestContext | None:
    return _current.get()


def new_traceparent(incoming: str | None = None) -> str:
    """A child span id under the incoming W3C trace, or a new trace."""
    if incoming and (match := _TRACEPARENT.match(incoming.strip().lower())):
        trace_id, flags = match.group(1), match.group(3)
    else:
        trace_id, flags = secrets.token_hex(16), "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def configure_logging(*, level: str = "INFO", fmt: str = "console") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr, format="%(message)s")
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # asyncpg's pools log every failed reconnect with a traceback while PostgreSQL is down
    # (or restarting, docs/deploy.md): one line each says the same.
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, OneLineErrors) for f in pool_log.filters):
        pool_log.addFilter(OneLineErrors())


class OneLineErrors(logging.Filter):
    """Folds a record's exception into its message, as one line, instead of a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line = f"{record.getMessage()}: {type(exc).__name__}: {exc}".splitlines()[0]
            record.msg, record.args = line, None
            record.exc_info = record.exc_text = None
        return True


def _user_id(scope: Scope) -> str | None:
    """The caller `get_principal` authenticated (it records the id in the request's state)."""
    state = scope.get("state")
    user_id = state.get("user_id") if isinstance(state, dict) else None
    return str(user_id) if user_id is not None else None


class RequestContextMiddleware:
    """Gives every request an id (returned as X-Request-ID), a trace context and metrics, and
    (with `access_log`) one structured log line: method, route template, status, duration,
    request id and user id. Never the raw path or query (a path may carry an SSE ticket),
    never a header."""

    def __init__(self, app: ASGIApp, *, service: str, access_log: bool = False) -> None:
        self.app = app
        self.service = service
        # Its own logger, made after create_app configured logging (the first use caches it).
        self.access_log = structlog.get_logger("taskflow.access") if access_log else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 128 and given.isprintable() else uuid.uuid4().hex
        parent = headers.get(b"traceparent", b"").decode("latin-1") or None
        with tracing.span(
            f"{scope['method']} {scope.get('path', '')}",
            traceparent=parent,
            kind=SpanKind.SERVER,
        ):
            traceparent = tracing.current_traceparent() or new_traceparent(parent)
            context = RequestContext(request_id=request_id, traceparent=traceparent)
            await self._call(scope, receive, send, context)

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, context: RequestContext
    ) -> None:
        request_id = context.request_id
        token = _current.set(context)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *with_security_headers(list(message.get("headers") or [])),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, template).observe(elapsed)
            if self.access_log is not None:
                self.access_log.info(
                    "request",
                    request_id=request_id,
                    method=method,
                    route=template,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    user_id=_user_id(scope),
                )
            trace.get_current_span().update_name(f"{method} {template}")
            structlog.contextvars.unbind_contextvars("request_id")
            _current.reset(token)


class BodyLimitMiddleware:
    """Answers 413 to request bodies over the limit, before any handler reads them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = 1024 * 1024,
        larger: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}
        """Path prefix -> its own limit (file uploads such as imports)."""

    def _limit(self, path: str) -> int:
        for prefix, limit in self.larger.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(scope, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, self._too_large(limit))
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"Request body is larger than {limit // 1024} KiB"

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        from backend.platform.errors import problem_response

        response = problem_response(413, self._too_large(limit), instance=scope.get("path"))
        await response(scope, _drain, send)


async def _drain() -> Message:
    return {"type": "http.disconnect"}
