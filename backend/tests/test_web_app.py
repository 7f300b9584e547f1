"""The built web app as `taskflow up` serves it: hashed assets cached for good and gzipped,
index.html for client routes and revalidated, API paths never answered with the app."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.web import mount_web_app

SCRIPT = "export const list = [" + ",".join(f'"task {n}"' for n in range(400)) + "];\n"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script src="/assets/index-3f9a1c.js">')
    (tmp_path / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return tmp_path


@pytest.fixture
async def client(dist: Path):
    app = FastAPI()
    assert mount_web_app(app, dist)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        yield client


async def test_hashed_assets_are_cached_for_good_and_gzipped(client):
    response = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == SCRIPT  # httpx decoded it
    assert int(response.headers["content-length"]) < len(gzip.compress(SCRIPT.encode())) + 64
    plain = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == SCRIPT


async def test_a_missing_asset_is_404_and_not_cached(client):
    response = await client.get("/assets/index-000000.js")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


async def test_client_routes_get_index_revalidated_on_every_load(client):
    for path in ("/", "/tasks/8d3c", "/trash"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.text.startswith("<!doctype html>")
        assert response.headers["cache-control"] == "no-cache"
    assert (await client.get("/favicon.svg")).text == "<svg/>"


async def test_api_paths_and_files_outside_the_build_are_not_served(client):
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    assert (await client.get("/mcp/x")).status_code == 404
    outside = await client.get("/%2e%2e/secret.txt")
    assert "not for the web" not in outside.text


async def test_an_asset_is_read_once_and_a_new_index_is_served_at_once(client, dist):
    first = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    # a hashed file never changes: later requests are answered from memory
    (dist / "assets" / "index-3f9a1c.js").write_text("changed on disk")
    again = await client.get("/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    assert again.text == first.text == SCRIPT
    # index.html is not cached: a new build's page is what the next load gets
    (dist / "index.html").write_text('<!doctype html><script src="/assets/index-77aa01.js">')
    page = await client.get("/")
    assert "index-77aa01.js" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"


async def test_a_wrong_method_on_an_api_path_is_a_405_not_the_web_apps_404(settings, dist):
    """The web app's catch-all GET matched `GET /api/v1/notifications/ticket` (a POST) and
    `GET /mcp` and answered 404; the path exists, so it is a 405 naming the methods."""
    from backend.app import create_app, load_services

    settings = settings.model_copy(update={"web_dist": dist})
    app = create_app(settings, load_services(["api", "notification"]), serve_web=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        for path, allowed in (("/api/v1/notifications/ticket", "POST"), ("/mcp", "POST")):
            response = await client.get(path)
            assert response.status_code == 405, (path, response.text)
            assert response.headers["allow"] == allowed
            assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get("/api/v1/nothing-here")).status_code == 404
        assert (await client.get("/tasks/8d3c")).status_code == 200


async def test_the_page_is_sent_gzipped_to_a_browser_that_takes_it(client, tmp_path):
    plain = await client.get("/today", headers={"Accept-Encoding": "identity"})
    zipped = await client.get("/today", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content == (tmp_path / "index.html").read_bytes()


async def test_the_page_by_its_file_name_is_the_page_with_its_policy(client):
    """The service worker precaches /index.html and serves it for every view: it must carry the
    page's own policy (its inline scripts by hash), not a static file's."""
    by_name = await client.get("/index.html")
    by_view = await client.get("/today")
    assert by_name.content == by_view.content
    assert by_name.headers["content-security-policy"] == by_view.headers["content-security-policy"]
