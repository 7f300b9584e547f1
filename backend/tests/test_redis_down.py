"""With Redis unreachable, requests that need it get a 503 a client can retry, never a 500."""

from __future__ import annotations

import socket
import uuid

import httpx

from backend.app import create_app, load_services
from backend.testing.fixtures import make_settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


async def test_redis_down_answers_503_with_retry_after(database_url):
    settings = make_settings(database_url, f"redis://127.0.0.1:{_closed_port()}/0")
    app = create_app(settings, load_services(["api", "notification"]), name="api")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        email = f"redis-down-{uuid.uuid4().hex[:8]}@example.com"
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": "correct horse 1", "name": "Dee"},
        )
        assert signup.status_code in (201, 503), signup.text
        if signup.status_code == 503:
            answers = [signup]
        else:
            headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
            answers = [
                await client.get("/api/v1/tasks", headers=headers),
                await client.post("/api/v1/notifications/ticket", headers=headers),
            ]
        for answer in answers:
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
            assert "try again" in answer.json()["detail"]
