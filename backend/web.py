"""Serves the built web app (frontend/dist) at `/`, with index.html for client routes.

Vite names every file under `assets/` by a hash of its content, so those are cached for a
year without revalidation and sent gzipped; index.html is revalidated on every load, so a
new build is picked up at once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response as StarletteResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
_NOT_SPA = ("/api/", "/health", "/metrics", "/docs", "/openapi.json", "/redoc", "/dapr/", "/mcp")
IMMUTABLE = "public, max-age=31536000, immutable"


class HashedAssets(StaticFiles):
    """`assets/`: content-hashed names, so a found file never changes."""

    async def get_response(self, path: str, scope: Scope) -> StarletteResponse:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def mount_web_app(app: FastAPI, dist: Path = DEFAULT_DIST) -> bool:
    """Serve `dist` if it was built; returns whether it was."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return False
    if (dist / "assets").is_dir():
        assets = HashedAssets(directory=dist / "assets")
        app.mount("/assets", GZipMiddleware(assets, minimum_size=1024), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if request.url.path.startswith(_NOT_SPA):
            raise StarletteHTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
