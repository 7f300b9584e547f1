"""Personal access tokens: shown once, work as a Bearer token, hashed at rest, revocable."""

from __future__ import annotations

import hashlib
import uuid


async def _create(client, account, **body):
    response = await client.post(
        "/api/v1/auth/tokens", json={"name": "laptop", **body}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_created_token_works_as_bearer_and_is_stored_hashed(client, alice, db):
    created = await _create(client, alice, name="  Claude Desktop  ", expires_in_days=30)
    token = created["token"]
    assert token.startswith("tf_pat_") and len(token) > 40
    assert created["name"] == "Claude Desktop"
    assert token.startswith(created["prefix"]) and len(created["prefix"]) < 20
    assert created["expires_at"] is not None and created["last_used_at"] is None

    made = await client.post("/api/v1/tasks", json={"title": "Via token"}, headers=_bearer(token))
    assert made.status_code == 201, made.text
    listed = await client.get("/api/v1/tasks", headers=_bearer(token))
    assert [t["title"] for t in listed.json()["items"]] == ["Via token"]
    me = await client.get("/api/v1/auth/me", headers=_bearer(token))
    assert me.json()["id"] == alice.id

    stored = await db.fetchrow(
        "SELECT token_hash, last_used_at FROM personal_access_tokens WHERE id = $1",
        uuid.UUID(created["id"]),
    )
    assert bytes(stored["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert stored["last_used_at"] is not None
    whole_row = await db.fetchval(
        "SELECT row_to_json(t)::text FROM personal_access_tokens t WHERE id = $1",
        uuid.UUID(created["id"]),
    )
    assert token[len("tf_pat_") :] not in whole_row


async def test_the_list_shows_each_token_without_its_secret(client, alice, bob):
    first = await _create(client, alice, name="first")
    second = await _create(client, alice, name="second")
    await _create(client, bob, name="bob's")
    response = await client.get("/api/v1/auth/tokens", headers=alice.headers)
    assert response.status_code == 200
    items = response.json()
    assert [item["name"] for item in items] == ["second", "first"]
    assert {item["id"] for item in items} == {first["id"], second["id"]}
    assert all("token" not in item and "token_hash" not in item for item in items)
    assert first["token"] not in response.text and second["token"] not in response.text
    assert items[1]["prefix"] == first["prefix"] and items[1]["expires_at"] is None


async def test_a_revoked_token_is_refused(client, alice):
    created = await _create(client, alice)
    assert (await client.get("/api/v1/tasks", headers=_bearer(created["token"]))).status_code == 200
    revoked = await client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    refused = await client.get("/api/v1/tasks", headers=_bearer(created["token"]))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "revoked" in refused.json()["detail"]
    listed = await client.get("/api/v1/auth/tokens", headers=alice.headers)
    assert listed.json() == []
    again = await client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=alice.headers)
    assert again.status_code == 404


async def test_an_expired_token_is_refused(client, alice, db):
    created = await _create(client, alice, expires_in_days=1)
    await db.execute(
        "UPDATE personal_access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(created["id"]),
    )
    refused = await client.get("/api/v1/tasks", headers=_bearer(created["token"]))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


async def test_an_unknown_token_is_refused(client):
    refused = await client.get("/api/v1/tasks", headers=_bearer("tf_pat_" + "x" * 43))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


async def test_another_users_token_cannot_be_revoked(client, alice, bob):
    created = await _create(client, alice)
    response = await client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=bob.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/tasks", headers=_bearer(created["token"]))).status_code == 200


async def test_a_token_cannot_manage_tokens(client, alice):
    created = await _create(client, alice)
    headers = _bearer(created["token"])
    for method, path, body in (
        ("POST", "/api/v1/auth/tokens", {"name": "more"}),
        ("GET", "/api/v1/auth/tokens", None),
        ("DELETE", f"/api/v1/auth/tokens/{created['id']}", None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, response.text)
        assert "sign in with your password" in response.json()["detail"]


async def test_logout_with_a_token_revokes_that_token(client, alice):
    created = await _create(client, alice)
    headers = _bearer(created["token"])
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/tasks", headers=alice.headers)).status_code == 200


async def test_bad_input_is_a_422_problem(client, alice):
    cases = [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": 100_000}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": "30"}, "expires_in_days"),
        ({"name": "ok", "scope": "admin"}, "scope"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/auth/tokens", json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field, body
    bad_id = await client.delete("/api/v1/auth/tokens/not-a-uuid", headers=alice.headers)
    assert bad_id.status_code == 422


async def test_managing_tokens_needs_a_sign_in(client):
    assert (await client.get("/api/v1/auth/tokens")).status_code == 401
    assert (await client.post("/api/v1/auth/tokens", json={"name": "x"})).status_code == 401
