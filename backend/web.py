"""Serves the built web app (frontend/dist) at `/`, with index.html for client routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
_NOT_SPA = ("/api/", "/health", "/metrics", "/docs", "/openapi.json", "/redoc", "/dapr/", "/mcp")


def mount_web_app(app: FastAPI, dist: Path = DEFAULT_DIST) -> bool:
    """Serve `dist` if it was built; returns whether it was."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return False
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if request.url.path.startswith(_NOT_SPA):
            raise StarletteHTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
