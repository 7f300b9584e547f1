"""Responses that outlive their request: serve the rest of one outside the middleware stack.

A Server-Sent Events stream lasts hours, and every ASGI layer it was started through (the
request's span and context, the exception and exit-stack middlewares, the router and their
per-request objects) would stay alive with it — about 10 KiB per stream. An endpoint that has
started its response through the whole stack (so its headers carry the request id and CORS
headers, its status is counted and its span recorded) may `detach` the rest: it returns at
once, every layer finishes as for a short request, and `DetachableApp`, the outermost layer,
then runs the continuation in the same task with the server's own `receive` and `send`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

Continuation = Callable[[Receive, Send], Awaitable[None]]
"""The rest of a started response, given the server's `receive` and `send`."""
_KEY = "taskflow.detach"


def detach(scope: Scope, continuation: Continuation) -> bool:
    """Have the rest of this (already started) response run after the stack has unwound; the
    endpoint must return right after. False when no `DetachableApp` is above it: the caller
    then runs the continuation itself. Body messages bypass the stack from then on, so no
    layer may need to see them (none of ours does: they only touch the response start)."""
    pending: list[Continuation] | None = scope.get(_KEY)
    if pending is None or pending:
        return False
    pending.append(continuation)
    return True


class DetachableApp:
    """The outermost layer of an app whose endpoints may `detach`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        continuation = await self._through_stack(scope, receive, send)
        if continuation is not None:
            await continuation(receive, send)

    async def _through_stack(
        self, scope: Scope, receive: Receive, send: Send
    ) -> Continuation | None:
        known = len(scope)
        pending: list[Continuation] = []
        scope[_KEY] = pending
        await self.app(scope, receive, send)
        # What the inner layers added to the scope (exit stacks, route, state) would live as
        # long as a detached response: drop it (the key above goes with it).
        for key in list(scope)[known:]:
            del scope[key]
        return pending[0] if pending else None
