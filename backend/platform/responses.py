"""JSON responses written with orjson, for routes that build their payload themselves."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response; FastAPI passes a returned Response through without re-validating it."""
    return Response(
        orjson.dumps(content),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )
