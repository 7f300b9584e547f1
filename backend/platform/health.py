"""/health, /health/live, /health/ready and /metrics, the same on every service."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from backend.platform.deps import RuntimeDep
from backend.platform.runtime import Runtime

router = APIRouter(tags=["health"])
READY_TIMEOUT_SECONDS = 2.0


async def _postgres(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis(runtime: Runtime) -> None:
    await runtime.redis.ping()


async def check_dependencies(runtime: Runtime) -> dict[str, str]:
    return await _run_checks(
        runtime, {"postgres": _postgres, "redis": _redis, **runtime.readiness_checks}
    )


async def _run_checks(runtime: Runtime, checks: dict[str, Any]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(runtime), READY_TIMEOUT_SECONDS)
            results[name] = "ok"
        except Exception as exc:  # any failure means not ready; say which and why
            results[name] = f"failing: {type(exc).__name__}: {exc}"[:200]
    return results


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/live")
async def live(runtime: RuntimeDep) -> JSONResponse:
    """Whether restarting this process would help: a crashed worker, an embedded server that
    could not be restarted. A remote database being down is readiness, not liveness."""
    checks = await _run_checks(runtime, runtime.liveness_checks)
    ok = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if ok else "failing", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/health/ready")
async def ready(runtime: RuntimeDep) -> JSONResponse:
    checks = await check_dependencies(runtime)
    ok = all(value == "ok" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
