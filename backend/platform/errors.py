"""RFC 9457 problem+json for every error a client can cause."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("taskflow.errors")


class Problem(Exception):
    """An error with an HTTP status and a message a person can act on."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra


def not_found(what: str = "Resource") -> Problem:
    return Problem(404, f"{what} not found")


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _validation_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def backing_service_down(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means PostgreSQL or Redis cannot be reached right now:
    the request may succeed if retried, so it is a 503, not a 500."""
    import asyncpg
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError

    unreachable = (
        RedisConnectionError,
        RedisTimeoutError,
        ConnectionError,  # refused, reset, aborted
        TimeoutError,
        asyncpg.CannotConnectNowError,
        asyncpg.ConnectionDoesNotExistError,
        asyncpg.TooManyConnectionsError,
    )
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, unreachable):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        # asyncpg's third way of reporting a lost connection (after the server's FATAL and
        # the socket's end were read); other InterfaceErrors are misuse, a real 500.
        if isinstance(seen, asyncpg.InterfaceError) and "connection is closed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


SPA_ROUTE = "web_app"
"""The name of the web app's catch-all GET route (backend/web.py), which allows no method."""


def allowed_methods(request: Request) -> set[str]:
    """Every method some route answers on this path: Starlette's 405 names only the first
    route that matched the path (`GET /auth/me` said `Allow: GET`, not PATCH), and the web
    app's catch-all GET turned a wrong method on an API path into a 404. Asked of the routes
    themselves (included routers too), once per method, only when a request went unrouted."""
    allowed: set[str] = set()
    routes = [
        route
        for route in request.app.router.routes
        if getattr(route, "name", None) != SPA_ROUTE and not isinstance(route, Mount)
    ]
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.add(method)
    return allowed


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": _validation_message(e)}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "request", "message": "is invalid"}
        detail = f"{first['field']}: {first['message']}"
        return problem_response(
            422, detail, title="Invalid request", instance=request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = getattr(exc, "headers", None)
        routing = exc.status_code == 405 or (exc.status_code == 404 and detail == "Not Found")
        allowed = allowed_methods(request) if routing else set()
        if allowed and request.method not in allowed:
            return problem_response(
                405,
                f"{request.method} is not allowed on {request.url.path}: "
                f"use {', '.join(sorted(allowed))}",
                instance=request.url.path,
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route matches {request.url.path}"
        return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)

    app.add_middleware(UnexpectedErrorMiddleware)


def unexpected_error_response(path: str, exc: Exception) -> JSONResponse:
    """A 503 when a backing service is unreachable, otherwise a logged 500; a problem either way."""
    if backing_service_down(exc):
        log.warning("backing_service_unavailable", path=path, error=repr(exc))
        return problem_response(
            503,
            "A service TaskFlow depends on is unreachable right now: try again shortly",
            instance=path,
            headers={"Retry-After": "5"},
        )
    log.error("unhandled_error", path=path, exc_info=exc)
    return problem_response(
        500,
        "Something went wrong on our side; the request id in X-Request-ID helps us find it.",
        instance=path,
    )


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took with a problem response, and stops it there.

    An `exception_handler(Exception)` runs in Starlette's outermost ServerErrorMiddleware,
    which sends the handler's response and then re-raises, so the server dropped the client's
    keep-alive connection after every 500 or 503. Caught here, the exception ends with its
    response: the connection stays open for the client's next request. (When the response had
    already started there is nothing to answer with: the exception goes on to the server.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = unexpected_error_response(scope.get("path", ""), exc)
            await response(scope, receive, send)
