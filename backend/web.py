"""Serves the built web app (frontend/dist) at `/`, with index.html for client routes.

Vite names every file under `assets/` by a hash of its content, so those are cached for a
year without revalidation and sent gzipped (read and compressed once, on first request, then
answered from memory: the file never changes); index.html is revalidated on every load, so a
new build is picked up at once.
"""

from __future__ import annotations

import gzip
import mimetypes
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response as StarletteResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from backend.platform.errors import SPA_ROUTE
from backend.platform.web_security import page_csp

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
_NOT_SPA = ("/api/", "/health", "/metrics", "/docs", "/openapi.json", "/redoc", "/dapr/", "/mcp")
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = {"Cache-Control": "no-cache"}
_COMPRESSIBLE = (".js", ".mjs", ".css", ".svg", ".json", ".html", ".txt", ".map")


class _Asset:
    __slots__ = ("gzipped", "media_type", "plain")

    def __init__(self, plain: bytes, media_type: str, compressible: bool) -> None:
        self.plain = plain
        self.media_type = media_type
        self.gzipped = gzip.compress(plain, mtime=0) if compressible else None


def _load_asset(path: str, name: str) -> _Asset:
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _Asset(Path(path).read_bytes(), media_type, name.endswith(_COMPRESSIBLE))


class HashedAssets(StaticFiles):
    """`assets/`: content-hashed names, so a found file never changes. Each is read (and
    gzipped) once, on its first request, and then answered from memory: no file or thread
    work while a page is loading."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.loaded: dict[str, _Asset] = {}

    async def get_response(self, path: str, scope: Scope) -> StarletteResponse:
        asset = self.loaded.get(path)
        if asset is None:
            response = await super().get_response(path, scope)
            if response.status_code != 200:
                return response
            full, _ = self.lookup_path(path)
            asset = self.loaded[path] = await anyio.to_thread.run_sync(_load_asset, full, path)
        headers = {"Cache-Control": IMMUTABLE}
        body = asset.plain
        if asset.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
                headers["Content-Encoding"] = "gzip"
                body = asset.gzipped
        return StarletteResponse(body, media_type=asset.media_type, headers=headers)


STATIC_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The policy of the web app's own top-level files (sw.js, the manifest, icons, robots.txt)."""


def mount_web_app(app: FastAPI, dist: Path = DEFAULT_DIST) -> bool:
    """Serve `dist` if it was built; returns whether it was."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return False
    if (dist / "assets").is_dir():
        assets = HashedAssets(directory=dist / "assets")
        app.mount("/assets", assets, name="assets")

    built: dict[str, Any] = {}  # the page last read: its bytes, gzipped copy and policy

    def page_for(page: bytes) -> dict[str, Any]:
        if built.get("plain") != page:
            built.update(plain=page, gzipped=gzip.compress(page, mtime=0), csp=page_csp(page))
        return built

    @app.get("/{path:path}", include_in_schema=False, name=SPA_ROUTE)
    async def web_app(path: str, request: Request) -> Response:
        if request.url.path.startswith(_NOT_SPA):
            raise StarletteHTTPException(404)
        candidate = (dist / path).resolve()
        if path and candidate != index and candidate.is_file() and candidate.is_relative_to(dist):
            # The service worker runs under its own script's policy: it must fetch and import
            # from this origin (the API's `default-src 'none'` would stop it installing).
            return FileResponse(candidate, headers={"Content-Security-Policy": STATIC_CSP})
        # Read on every load (a new build is served at once); 2 KB from the page cache, sent
        # in one write rather than streamed through a thread like a FileResponse. Its policy
        # names its own inline scripts by hash, so no other inline script can run.
        # Compressed like the assets, once per build (the bytes are compared, not re-gzipped).
        page = page_for(index.read_bytes())
        headers = {**NO_CACHE, "Content-Security-Policy": page["csp"], "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(page["gzipped"], media_type="text/html", headers=headers)
        return Response(page["plain"], media_type="text/html", headers=headers)

    return True
