"""Input that used to give a 500 is a 4xx problem naming the field: the NUL character and
lone UTF-16 surrogates in any string (one shared type), hand-made cursors, moments past what
a time zone can show, and tag names whose case folding differs between Python and SQL."""

from __future__ import annotations

import base64
import json

import pytest

from backend.testing.fixtures import signup

NUL = "a\x00b"
SURROGATE = "a\ud800b"


async def _post(client, path: str, body, headers=None, method: str = "POST"):
    """JSON as a client may really send it: `json.dumps` escapes a lone surrogate as
    `\\ud800`, which httpx's own encoder (UTF-8) cannot write."""
    content = body if isinstance(body, str) else json.dumps(body)
    return await client.request(
        method,
        path,
        content=content.encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _assert_problem(response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["detail"].startswith(f"{field}:"), body["detail"]


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/tasks", {"title": "{}"}, "title"),
        ("/api/v1/tasks", {"title": "t", "description": "{}"}, "description"),
        ("/api/v1/tasks", {"title": "t", "tags": ["{}"]}, "tags.0"),
        ("/api/v1/tags", {"name": "{}"}, "name"),
        ("/api/v1/auth/tokens", {"name": "{}"}, "name"),
    ],
)
async def test_a_bad_character_in_a_string_is_a_422_naming_the_field(
    client, alice, bad, path, body, field
):
    sent = json.dumps(body).replace('"{}"', json.dumps(bad))
    _assert_problem(await _post(client, path, sent, alice.headers), 422, field)


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_a_bad_character_in_a_profile_signup_or_login_is_a_422(client, alice, bad):
    me = await _post(client, "/api/v1/auth/me", {"name": bad}, alice.headers, method="PATCH")
    _assert_problem(me, 422, "name")
    new = {"email": "n@example.com", "password": "long enough", "name": bad}
    _assert_problem(await _post(client, "/api/v1/auth/signup", new), 422, "name")
    login = {"email": f"x{bad}@example.com", "password": "whatever1"}
    _assert_problem(await _post(client, "/api/v1/auth/login", login), 422, "email")
    login = {"email": alice.email, "password": bad}
    _assert_problem(await _post(client, "/api/v1/auth/login", login), 422, "password")


async def test_a_bad_character_in_a_query_parameter_is_a_422(client, alice):
    for params, field in (
        ({"tag": "\x00"}, "tag.0"),
        ({"q": NUL}, "q"),
        ({"cursor": NUL}, "cursor"),
    ):
        listed = await client.get("/api/v1/tasks", params=params, headers=alice.headers)
        _assert_problem(listed, 422, field)


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("-created_at", 12),
        ("-created_at", "2026-01-01"),
        ("-created_at", {"t": 5}),
        ("priority", "high"),
        ("priority", 2**40),
        ("priority", True),
        ("title", {"t": "2026-01-01T00:00:00+00:00"}),
        ("title", NUL),
        ("due_date", [1, 2]),
    ],
)
async def test_a_cursor_whose_value_has_the_wrong_type_is_a_400(client, alice, sort, value):
    cursor = _cursor(sort, value, "00000000-0000-0000-0000-000000000000")
    listed = await client.get(
        "/api/v1/tasks", params={"sort": sort, "cursor": cursor}, headers=alice.headers
    )
    _assert_problem(listed, 400, "cursor")


@pytest.mark.parametrize(
    "due_at", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "3000-01-01T00:00:00Z"]
)
async def test_a_moment_outside_the_accepted_years_is_a_422(client, alice, due_at):
    created = await client.post(
        "/api/v1/tasks",
        json={"title": "t", "due_at": due_at, "timezone": "Pacific/Kiritimati"},
        headers=alice.headers,
    )
    _assert_problem(created, 422, "due_at")
    reminder = await client.post(
        "/api/v1/tasks", json={"title": "t", "reminders": [{"at": due_at}]}, headers=alice.headers
    )
    _assert_problem(reminder, 422, "reminders.0.at")
    listed = await client.get("/api/v1/tasks", params={"due_before": due_at}, headers=alice.headers)
    _assert_problem(listed, 422, "due_before")


async def test_the_last_accepted_moment_shows_in_the_farthest_ahead_zone(client, alice):
    created = await client.post(
        "/api/v1/tasks",
        json={"title": "t", "due_at": "2999-12-31T23:59:59Z", "timezone": "Pacific/Kiritimati"},
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["due_at"] == "3000-01-01T13:59:59+14:00"


async def test_tags_that_fold_differently_in_python_and_sql_work(client):
    user = await signup(client)
    created = await client.post(
        "/api/v1/tasks", json={"title": "t", "tags": ["Å", "ÅSA", "åsa"]}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    tags = created.json()["tags"]
    assert "Å" in tags
    again = await client.post(
        "/api/v1/tasks", json={"title": "u", "tags": ["Å"]}, headers=user.headers
    )
    assert again.status_code == 201 and again.json()["tags"] == ["Å"]
    patched = await client.patch(
        f"/api/v1/tasks/{created.json()['id']}", json={"tags": ["Å", "b"]}, headers=user.headers
    )
    assert patched.status_code == 200, patched.text
    listed = await client.get("/api/v1/tasks", params={"tag": "Å"}, headers=user.headers)
    assert sorted(t["title"] for t in listed.json()["items"]) == ["t", "u"]
    listed = await client.get("/api/v1/tasks", params={"tag": "å"}, headers=user.headers)
    assert listed.status_code == 200
