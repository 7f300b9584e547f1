"""Builds the ASGI app for one service, or for all of them in one process (embedded mode)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from backend.platform.api_docs import mount_api_docs
from backend.platform.detach import DetachableApp
from backend.platform.errors import install_error_handlers
from backend.platform.events.dapr_routes import dapr_router
from backend.platform.events.dlq import dead_letter_recorders
from backend.platform.health import router as health_router
from backend.platform.lifecycle import service_lifespan
from backend.platform.observability import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    configure_logging,
)
from backend.platform.openapi import install_openapi
from backend.platform.runtime import Runtime
from backend.platform.service import ServiceSpec
from backend.platform.settings import Settings
from backend.platform.tracing import configure_tracing
from backend.web import DEFAULT_DIST, mount_web_app

log = structlog.get_logger("taskflow.app")


def api_service() -> ServiceSpec:
    from backend.accounts.routes import router as auth_router
    from backend.accounts.settings_routes import router as account_settings_router
    from backend.accounts.token_routes import router as tokens_router
    from backend.assistant.routes import router as chat_router
    from backend.mcp_server.http import mcp_http
    from backend.portability.routes import router as data_router
    from backend.tags.routes import router as tags_router
    from backend.tasks.internal_routes import router as internal_router
    from backend.tasks.routes import router as tasks_router
    from backend.tasks.trash_routes import router as trash_router

    mcp_router, mcp_endpoint = mcp_http()
    return ServiceSpec(
        name="api",
        routers=(
            auth_router,
            account_settings_router,
            tokens_router,
            tasks_router,
            trash_router,
            tags_router,
            chat_router,
            data_router,
            internal_router,
            mcp_router,
        ),
        subscriptions=dead_letter_recorders(),
        workers=(mcp_endpoint.serve_sessions,),
        relay=True,
    )


class TaskFlowAPI(FastAPI):
    """FastAPI whose endpoints may detach a long response from the middleware stack (SSE)."""

    def build_middleware_stack(self) -> ASGIApp:
        return DetachableApp(super().build_middleware_stack())


def load_services(names: Sequence[str]) -> list[ServiceSpec]:
    """The specs of the named services ("api", "recurring", ...), in that order."""
    specs: list[ServiceSpec] = []
    for name in names:
        if name == "api":
            specs.append(api_service())
        else:
            module = __import__(f"services.{name}.service", fromlist=["spec"])
            specs.append(module.spec())
    return specs


def create_app(
    settings: Settings,
    services: Sequence[ServiceSpec],
    *,
    name: str | None = None,
    serve_web: bool = False,
    on_fatal: Callable[[str], None] | None = None,
    on_runtime: Callable[[Runtime], None] | None = None,
) -> FastAPI:
    """The app of `services`. `on_fatal` is told (one line) when a dependency that was not
    up at start turns out unusable for good (a wrong password): the caller stops serving.
    `on_runtime` may add health checks to the process's runtime once it is open."""
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    app_name = name or "+".join(s.name for s in services)
    configure_tracing(
        service_name=settings.otel_service_name or f"taskflow-{app_name}",
        endpoint=settings.otel_exporter_otlp_endpoint,
    )

    subscriptions = [s for spec in services for s in spec.subscriptions]
    lifespan = service_lifespan(settings, services, on_fatal=on_fatal, on_runtime=on_runtime)

    app = TaskFlowAPI(
        title="TaskFlow",
        version="0.1.0",
        summary="An open, event-driven task manager.",
        lifespan=lifespan,
        docs_url=None,  # served from a package by mount_api_docs, not from a CDN
        redoc_url=None,
        # RequestContextMiddleware already makes the request's span and metrics; FastAPI's own
        # would be a second server span per request (and cost a check on every request).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    mount_api_docs(app)
    install_openapi(app)
    app.include_router(health_router)
    for spec in services:
        for router in spec.routers:
            app.include_router(router)
    if settings.event_transport == "dapr":
        app.include_router(dapr_router(subscriptions, settings))
    if serve_web:
        mount_web_app(app, settings.web_dist or DEFAULT_DIST)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID", "Location"],
        )
    app.add_middleware(BodyLimitMiddleware, larger={"/api/v1/import/": settings.import_max_bytes})
    app.add_middleware(
        RequestContextMiddleware, service=app_name, access_log=settings.access_log_on
    )
    return app
