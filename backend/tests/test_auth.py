"""Accounts: sign-up, sign-in, sign-out, the signed-in user, the failed-login limit."""

from __future__ import annotations

import time
import uuid

import jwt

from backend.platform.auth import SESSION_COOKIE
from backend.testing.fixtures import TEST_SECRET, signup


async def test_signup_returns_user_and_a_working_token(client):
    email = f"Ada-{uuid.uuid4().hex[:8]}@Example.com"
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": "long enough", "name": "Ada", "timezone": "Europe/Paris"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert body["user"]["email"] == email.replace("Example.com", "example.com")
    assert body["user"]["timezone"] == "Europe/Paris"
    assert SESSION_COOKIE in response.cookies
    client.cookies.clear()
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["name"] == "Ada"


async def test_signup_with_a_taken_email_in_other_case_is_409(client, alice):
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": alice.email.upper(), "password": "long enough", "name": "Eve"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already exists" in response.json()["detail"]


async def test_signup_validation_names_the_field(client):
    response = await client.post(
        "/api/v1/auth/signup", json={"email": "not-an-email", "password": "x", "name": "A"}
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"email", "password"}
    bad_zone = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": "z@example.com",
            "password": "long enough",
            "name": "Z",
            "timezone": "Mars/Base",
        },
    )
    assert bad_zone.status_code == 422 and "IANA" in bad_zone.json()["detail"]


async def test_login_sets_the_session_cookie_that_authenticates(client, alice):
    response = await client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == alice.id
    cookie = response.cookies[SESSION_COOKIE]
    assert "httponly" in response.headers["set-cookie"].lower()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    me = await client.get("/api/v1/auth/me")
    client.cookies.clear()
    assert me.status_code == 200 and me.json()["id"] == alice.id


async def test_wrong_password_and_unknown_email_are_the_same_401(client, alice):
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": "wrong password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_repeated_failed_logins_are_limited_with_retry_after(client):
    account = await signup(client)
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"email": account.email, "password": "wrong password"}
        )
        assert response.status_code == 401
    limited = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    other = await signup(client)
    ok = await client.post(
        "/api/v1/auth/login", json={"email": other.email, "password": other.password}
    )
    assert ok.status_code == 200


async def test_logout_revokes_the_token(client, alice):
    response = await client.post("/api/v1/auth/logout", headers=alice.headers)
    assert response.status_code == 204
    after = await client.get("/api/v1/auth/me", headers=alice.headers)
    assert after.status_code == 401
    assert "signed out" in after.json()["detail"]


async def test_missing_expired_and_forged_tokens_are_401(client, alice):
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    now = int(time.time())
    expired = jwt.encode(
        {"sub": alice.id, "iat": now - 100, "exp": now - 10, "jti": "x"}, TEST_SECRET, "HS256"
    )
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    forged = jwt.encode(
        {"sub": alice.id, "iat": now, "exp": now + 60, "jti": "y"}, "another-secret" * 4, "HS256"
    )
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    basic = await client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == "Bearer"


async def test_update_profile(client, alice):
    response = await client.patch(
        "/api/v1/auth/me", json={"name": "Alice B", "timezone": "Asia/Tokyo"}, headers=alice.headers
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Tokyo"
    task = await client.post("/api/v1/tasks", json={"title": "t"}, headers=alice.headers)
    assert task.json()["timezone"] == "Asia/Tokyo"
