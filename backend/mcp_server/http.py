"""`/mcp`: the MCP server over streamable HTTP (stateless, JSON responses) in the api service.

Every request must carry `Authorization: Bearer <token>` (a personal access token or a sign-in
JWT, resolved as every API request is); the session cookie is not accepted here, so a web
page can never drive the tools with a visitor's session. The SDK's session manager needs a
running task group: the api service runs it as a worker (`serve_sessions`), and requests
that arrive before it is up wait for it briefly.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from fastapi import APIRouter
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from backend.assistant.tools import ToolContext
from backend.mcp_server.server import build_server
from backend.platform.auth import unauthorized
from backend.platform.deps import get_principal
from backend.platform.errors import Problem, problem_response
from backend.platform.runtime import Runtime

PATH = "/mcp"
_USER_KEY = "taskflow.user_id"
STARTUP_WAIT_SECONDS = 10.0


async def _context(ctx: ServerRequestContext[Any, Any]) -> ToolContext:
    request: Request = ctx.request
    return ToolContext(runtime=request.app.state.runtime, user_id=request.scope[_USER_KEY])


class McpEndpoint:
    """The ASGI app at /mcp: authenticates, then hands the request to the MCP SDK."""

    def __init__(self) -> None:
        self.manager = StreamableHTTPSessionManager(
            app=build_server(_context), stateless=True, json_response=True
        )
        self._running = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            scope[_USER_KEY] = await self._user(request)
            await self._wait_until_running()
        except Problem as exc:
            response = problem_response(
                exc.status, exc.detail, title=exc.title, instance=PATH, headers=exc.headers
            )
            await response(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def _user(self, request: Request) -> uuid.UUID:
        if not request.headers.get("authorization"):
            raise unauthorized(
                "Send 'Authorization: Bearer <token>': create a personal access token with "
                "POST /api/v1/auth/tokens"
            )
        runtime: Runtime = request.app.state.runtime
        return (await get_principal(request, runtime)).user_id

    async def _wait_until_running(self) -> None:
        try:
            await asyncio.wait_for(self._running.wait(), STARTUP_WAIT_SECONDS)
        except TimeoutError:
            raise Problem(
                503, "The MCP endpoint is still starting: try again in a moment"
            ) from None

    async def serve_sessions(self, runtime: Runtime) -> None:
        """The api service's worker that keeps the SDK's session manager running."""
        logging.getLogger("mcp").setLevel(logging.WARNING)  # its start/stop lines are noise
        async with self.manager.run():
            self._running.set()
            try:
                await asyncio.Event().wait()
            finally:
                self._running.clear()


def mcp_http() -> tuple[APIRouter, McpEndpoint]:
    """A router serving /mcp and its endpoint (whose `serve_sessions` must run as a worker)."""
    endpoint = McpEndpoint()
    router = APIRouter()
    # POST only: stateless, there is no stream for a GET to open, nor a session to DELETE
    # (the transport allows a server to answer 405 to both).
    router.add_route(PATH, endpoint, methods=["POST"], include_in_schema=False)
    return router, endpoint
