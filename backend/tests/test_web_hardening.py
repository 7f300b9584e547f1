"""What browsers are told and what they may do (issue 18, web hardening): a strict CSP and the
other security headers on the page and the API, the same-origin check on cookie-authenticated
writes, no `*` CORS with credentials, and API docs that need no CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from backend.app import create_app, load_services
from backend.platform.auth import SESSION_COOKIE
from backend.platform.settings import Settings
from backend.testing.fixtures import make_settings

INLINE = "document.documentElement.classList.toggle('dark', true);"


@pytest.fixture
def web_client(tmp_path: Path, database_url, redis_url):
    (tmp_path / "index.html").write_text(
        f"<!doctype html><script>{INLINE}</script><script type=module src=/assets/a.js></script>"
    )
    settings = make_settings(database_url, redis_url, web_dist=tmp_path)
    app = create_app(settings, load_services(["api"]), name="api", serve_web=True)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_hardened(response: httpx.Response) -> dict[str, list[str]]:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    return policy


async def test_the_page_has_a_strict_csp_naming_its_inline_scripts(web_client):
    async with web_client as client:
        page = await client.get("/")
    assert page.status_code == 200
    policy = assert_hardened(page)
    digest = base64.b64encode(hashlib.sha256(INLINE.encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in str(policy)
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]


async def test_api_answers_carry_the_headers_too(client, alice):
    for response in (
        await client.get("/api/v1/auth/me", headers=alice.headers),
        await client.get("/api/v1/auth/me"),  # a 401 problem
    ):
        policy = assert_hardened(response)
        assert policy["default-src"] == ["'none'"]


async def _cookie_session(client, account) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, response.cookies[SESSION_COOKIE])


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver:8081"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Origin": "http://testserver:8081"},  # an older browser: no Fetch Metadata
        {"Origin": "null"},
    ],
)
async def test_a_cookie_authenticated_write_from_another_origin_is_refused(client, alice, headers):
    """Before: a same-site page on another port completed the user's task."""
    task = (
        await client.post("/api/v1/tasks", json={"title": "mine"}, headers=alice.headers)
    ).json()
    await _cookie_session(client, alice)
    try:
        forged = await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers)
        assert forged.status_code == 403
        assert forged.headers["content-type"] == "application/problem+json"
        assert "Cross-origin request refused" in forged.json()["detail"]
        deleted = await client.delete(f"/api/v1/tasks/{task['id']}", headers=headers)
        assert deleted.status_code == 403
        read = await client.get(f"/api/v1/tasks/{task['id']}", headers=headers)
        assert read.status_code == 200 and read.json()["status"] == "pending"
    finally:
        client.cookies.clear()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Origin": "http://testserver"},
        {},  # not a browser: nothing a page could have forged
    ],
)
async def test_a_cookie_authenticated_write_from_the_app_itself_works(client, alice, headers):
    task = (
        await client.post("/api/v1/tasks", json={"title": "mine"}, headers=alice.headers)
    ).json()
    await _cookie_session(client, alice)
    try:
        done = await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers)
        assert done.status_code == 200, done.text
    finally:
        client.cookies.clear()


async def test_a_bearer_token_is_not_subject_to_the_origin_check(client, alice):
    headers = {**alice.headers, "Sec-Fetch-Site": "cross-site", "Origin": "https://other.example"}
    created = await client.post("/api/v1/tasks", json={"title": "from a tool"}, headers=headers)
    assert created.status_code == 201


async def test_an_origin_listed_in_cors_origins_may_write_with_the_cookie(
    database_url, redis_url, alice, client
):
    settings = make_settings(database_url, redis_url, cors_origins="https://app.example.org")
    assert settings.trusted_origins == {"https://app.example.org"}
    await _cookie_session(client, alice)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    app = create_app(settings, load_services(["api"]), name="api")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            other.cookies.set(SESSION_COOKIE, cookie)
            headers = {"Origin": "https://app.example.org", "Sec-Fetch-Site": "cross-site"}
            made = await other.post("/api/v1/tasks", json={"title": "x"}, headers=headers)
            assert made.status_code == 201, made.text
            headers = {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}
            refused = await other.post("/api/v1/tasks", json={"title": "x"}, headers=headers)
            assert refused.status_code == 403


def test_a_wildcard_cors_origin_is_refused():
    with pytest.raises(
        ValidationError, match="'\\*' cannot be used: the API answers with credentials"
    ):
        Settings(_env_file=None, cors_origins="https://a.example, *")


async def test_the_api_docs_load_only_from_this_server(web_client):
    async with web_client as client:
        docs = await client.get("/docs")
        assert docs.status_code == 200
        policy = assert_hardened(docs)
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", docs.text)
        urls += re.findall(r"url: *['\"]([^'\"]+)", docs.text)
        assert urls and all(url.startswith("/") for url in urls), urls
        for url in urls:
            asset = await client.get(url)
            assert asset.status_code == 200, url
        bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert bundle.headers["content-type"].startswith(
            ("text/javascript", "application/javascript")
        )
        assert len(bundle.content) > 100_000
        assert "'unsafe-inline'" not in policy["script-src"]
