"""The MCP server: the task tools of `backend.assistant.tools`, listed and called for one user.

Transports differ only in how a request finds its user (`ContextFor`): the stdio command has
one personal access token for the whole process, the HTTP endpoint authenticates each request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import mcp_types as types
import structlog
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server

from backend.assistant import tools
from backend.assistant.tools import ToolContext, ToolError

ContextFor = Callable[[ServerRequestContext[Any, Any]], Awaitable[ToolContext]]
"""The caller's tool context for one MCP request; raises ToolError when it may not call."""

INSTRUCTIONS = (
    "TaskFlow manages the user's tasks. Tools take precise values: times in RFC 3339 with an "
    "offset, recurrence as an RFC 5545 RRULE; turn the user's phrases into those first. Task "
    "ids come from the results of list_tasks and create_task."
)
log = structlog.get_logger("taskflow.mcp")


def _version() -> str:
    try:
        return version("taskflow")
    except PackageNotFoundError:
        return "0"


def _mcp_tool(tool: tools.Tool) -> types.Tool:
    return types.Tool(name=tool.name, description=tool.description, input_schema=tool.input_schema)


def _result(result: dict[str, Any]) -> types.CallToolResult:
    text = json.dumps(result, ensure_ascii=False, default=str)
    return types.CallToolResult(
        content=[types.TextContent(text=text)], structured_content=json.loads(text)
    )


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def build_server(context_for: ContextFor) -> Server[Any]:
    """An MCP server offering every task tool, each call run as the user `context_for` gives."""
    listed = types.ListToolsResult(tools=[_mcp_tool(tool) for tool in tools.TOOLS])

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listed

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            context = await context_for(ctx)
            result = await tools.call_tool(params.name, params.arguments or {}, context)
        except ToolError as exc:
            return _error(str(exc))
        except Exception:
            log.exception("mcp_tool_failed", tool=params.name)
            return _error(f"{params.name} failed on the server's side; try again in a moment")
        return _result(result)

    return Server(
        "taskflow",
        version=_version(),
        title="TaskFlow",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
