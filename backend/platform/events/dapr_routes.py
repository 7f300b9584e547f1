"""The subscriber side of Dapr: `GET /dapr/subscribe` and one POST route per subscription,
answering Dapr's `{"status": "SUCCESS" | "RETRY" | "DROP"}` (dapr-notes.md)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from backend.platform.events.dispatch import dispatch
from backend.platform.events.subscriptions import Delivery, Outcome, Subscription
from backend.platform.settings import Settings

log = structlog.get_logger("taskflow.events.dapr")


def _authorized(request: Request, settings: Settings) -> bool:
    """Only Dapr, holding APP_API_TOKEN, may deliver; with no token configured, nobody may."""
    if settings.app_api_token is None:
        return False
    given = request.headers.get("dapr-api-token", "")
    return hmac.compare_digest(given.encode(), settings.app_api_token.get_secret_value().encode())


def parse_envelope(body: bytes) -> dict[str, Any] | None:
    """The CloudEvent as Dapr delivers it, with `data_base64` decoded; None if malformed."""
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        return None
    if "data_base64" in event and "data" not in event:
        try:
            event["data"] = orjson.loads(base64.b64decode(event.pop("data_base64"), validate=True))
        except (binascii.Error, ValueError):
            return None
    if isinstance(event.get("data"), str):
        try:
            event["data"] = orjson.loads(event["data"])
        except orjson.JSONDecodeError:
            return None
    return event


def dapr_router(subscriptions: Sequence[Subscription], settings: Settings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/dapr/subscribe")
    async def subscribe() -> list[dict[str, Any]]:
        return [
            {
                "pubsubname": settings.pubsub_name,
                "topic": s.topic,
                "route": s.route,
                "metadata": {},
                "deadLetterTopic": s.dlq_topic,
            }
            for s in subscriptions
        ]

    for subscription in subscriptions:
        router.add_api_route(
            subscription.route, _endpoint(subscription, settings), methods=["POST"]
        )
    return router


def _endpoint(subscription: Subscription, settings: Settings):
    async def deliver(request: Request) -> Response:
        if not _authorized(request, settings):
            return JSONResponse({"detail": "dapr-api-token missing or wrong"}, status_code=401)
        event = parse_envelope(await request.body())
        if event is None:
            log.warning("malformed_delivery_dropped", subscriber=subscription.name)
            return JSONResponse({"status": Outcome.DROP.value})
        delivery = Delivery(
            event=event,
            topic=str(event.get("topic") or subscription.topic),
            runtime=request.app.state.runtime,
        )
        outcome = await dispatch(subscription, delivery)
        return JSONResponse({"status": outcome.value})

    deliver.__name__ = f"deliver_{subscription.name.replace('.', '_').replace('-', '_')}"
    return deliver
