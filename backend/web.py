"""Serves the built web app (frontend/dist) at `/`, with index.html for client routes.

Vite names every file under `assets/` by a hash of its content, so those are cached for a
year without revalidation and sent gzipped (compressed once, on first request: the file
never changes); index.html is revalidated on every load, so a new build is picked up at once.
"""

from __future__ import annotations

import gzip
import mimetypes
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response as StarletteResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
_NOT_SPA = ("/api/", "/health", "/metrics", "/docs", "/openapi.json", "/redoc", "/dapr/", "/mcp")
IMMUTABLE = "public, max-age=31536000, immutable"
_COMPRESSIBLE = (".js", ".mjs", ".css", ".svg", ".json", ".html", ".txt", ".map")


def _gzip_file(path: str) -> bytes:
    return gzip.compress(Path(path).read_bytes(), mtime=0)


class HashedAssets(StaticFiles):
    """`assets/`: content-hashed names, so a found file never changes."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.gzipped: dict[str, bytes] = {}

    async def get_response(self, path: str, scope: Scope) -> StarletteResponse:
        response = await super().get_response(path, scope)
        if response.status_code != 200:
            return response
        response.headers["Cache-Control"] = IMMUTABLE
        accepts = Headers(scope=scope).get("accept-encoding", "")
        if "gzip" not in accepts or not path.endswith(_COMPRESSIBLE):
            return response
        body = self.gzipped.get(path)
        if body is None:
            full, _ = self.lookup_path(path)
            body = self.gzipped[path] = await anyio.to_thread.run_sync(_gzip_file, full)
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        headers = {
            "Cache-Control": IMMUTABLE,
            "Content-Encoding": "gzip",
            "Vary": "Accept-Encoding",
        }
        return StarletteResponse(body, media_type=media_type, headers=headers)


def mount_web_app(app: FastAPI, dist: Path = DEFAULT_DIST) -> bool:
    """Serve `dist` if it was built; returns whether it was."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return False
    if (dist / "assets").is_dir():
        assets = HashedAssets(directory=dist / "assets")
        app.mount("/assets", assets, name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if request.url.path.startswith(_NOT_SPA):
            raise StarletteHTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
