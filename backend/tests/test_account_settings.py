"""Account settings: change the password, sign out everywhere, delete the account."""

from __future__ import annotations

import uuid

import jwt
import orjson

from backend.platform import auth
from backend.testing.fixtures import signup


async def _login(client, account, password=None) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": account.email, "password": password or account.password},
    )
    client.cookies.clear()
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _personal_token(client, account) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/tokens", json={"name": "cli"}, headers=account.headers
    )
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def _me(client, headers) -> int:
    return (await client.get("/api/v1/auth/me", headers=headers)).status_code


async def test_changing_the_password_signs_out_the_other_sessions_and_keeps_this_one(client, alice):
    laptop = await _login(client, alice)
    phone = await _login(client, alice)
    response = await client.post(
        "/api/v1/auth/password",
        json={"current_password": alice.password, "new_password": "a brand new secret"},
        headers=laptop,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"sessions": 2, "tokens": 0}  # the phone and the sign-up
    assert await _me(client, laptop) == 200
    assert await _me(client, phone) == 401
    assert await _me(client, alice.headers) == 401
    old = await client.post(
        "/api/v1/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert old.status_code == 401
    await _login(client, alice, "a brand new secret")


async def test_a_wrong_current_password_changes_nothing_and_signs_no_one_out(client, alice):
    phone = await _login(client, alice)
    response = await client.post(
        "/api/v1/auth/password",
        json={"current_password": "not it at all", "new_password": "a brand new secret"},
        headers=alice.headers,
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "current password is wrong" in response.json()["detail"]
    assert await _me(client, phone) == 200 and await _me(client, alice.headers) == 200
    await _login(client, alice)
    short = await client.post(
        "/api/v1/auth/password",
        json={"current_password": alice.password, "new_password": "short"},
        headers=alice.headers,
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "new_password"


async def test_sign_out_everywhere_revokes_every_session_and_personal_token(
    client, alice, bob, redis
):
    phone = await _login(client, alice)
    tablet = await _login(client, alice)
    assert (await client.post("/api/v1/auth/logout", headers=tablet)).status_code == 204
    token = await _personal_token(client, alice)
    bobs_token = await _personal_token(client, bob)
    assert await _me(client, token) == 200
    response = await client.delete("/api/v1/auth/sessions", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"sessions": 2, "tokens": 1}
    for headers in (alice.headers, phone, token):
        assert await _me(client, headers) == 401
    # Live streams ask `revoked_among` about the sign-ins they carry.
    jtis = [
        jwt.decode(h["Authorization"][7:], options={"verify_signature": False})["jti"]
        for h in (alice.headers, phone)
    ]
    assert await auth.revoked_among(jtis, redis) == set(jtis)
    assert await _me(client, bob.headers) == 200 and await _me(client, bobs_token) == 200
    await _login(client, alice)


async def test_a_personal_token_cannot_change_the_password_sign_out_everywhere_or_delete(
    client, alice
):
    token = await _personal_token(client, alice)
    calls = [
        client.post(
            "/api/v1/auth/password",
            json={"current_password": alice.password, "new_password": "a brand new secret"},
            headers=token,
        ),
        client.delete("/api/v1/auth/sessions", headers=token),
        client.post("/api/v1/auth/me/delete", json={"password": alice.password}, headers=token),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 403, response.text
    assert await _me(client, alice.headers) == 200 and await _me(client, token) == 200


async def _fill_account(client, account) -> list[dict]:
    h = account.headers
    tasks = []
    for body in (
        {
            "title": "Pay rent",
            "tags": ["home"],
            "due_at": "2030-01-01T09:00:00Z",
            "reminders": [{"offset_minutes": 30}],
            "recurrence": {"rrule": "monthly"},
        },
        {"title": "Read", "tags": ["fun"]},
        {"title": "Old", "tags": ["home"]},
    ):
        response = await client.post("/api/v1/tasks", json=body, headers=h)
        assert response.status_code == 201
        tasks.append(response.json())
    assert (await client.delete(f"/api/v1/tasks/{tasks[2]['id']}", headers=h)).status_code == 204
    assert (await client.post("/api/v1/calendar/feed", headers=h)).status_code == 201
    await _personal_token(client, account)
    return tasks


async def _owned_rows(db, user_id: str) -> dict[str, int]:
    uid = uuid.UUID(user_id)
    tables = (
        "users",
        "tasks",
        "tags",
        "personal_access_tokens",
        "chat_conversations",
        "calendar_feeds",
    )
    counts = {}
    for table in tables:
        column = "id" if table == "users" else "user_id"
        counts[table] = await db.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = $1", uid)
    return counts


async def test_deleting_the_account_removes_everything_in_it_and_tells_the_services(
    client, alice, bob, db
):
    tasks = await _fill_account(client, alice)
    await _fill_account(client, bob)
    await db.execute(
        "INSERT INTO chat_conversations (id, user_id, title) VALUES ($1, $2, 'hi')",
        uuid.uuid4(),
        uuid.UUID(alice.id),
    )
    wrong = await client.post(
        "/api/v1/auth/me/delete", json={"password": "not my password"}, headers=alice.headers
    )
    assert wrong.status_code == 403
    assert (await _owned_rows(db, alice.id))["tasks"] == 3

    response = await client.post(
        "/api/v1/auth/me/delete", json={"password": alice.password}, headers=alice.headers
    )
    assert response.status_code == 204, response.text
    assert set((await _owned_rows(db, alice.id)).values()) == {0}
    assert (await _owned_rows(db, bob.id)) == {
        "users": 1,
        "tasks": 3,
        "tags": 2,
        "personal_access_tokens": 1,
        "chat_conversations": 0,
        "calendar_feeds": 1,
    }
    assert await _me(client, alice.headers) == 401
    # One task.purged event per task (the trashed one too), newer than its last version.
    rows = await db.fetch(
        "SELECT event FROM outbox WHERE event_type = 'com.taskflow.task.purged' "
        "AND event->'data'->>'user_id' = $1",
        alice.id,
    )
    purged = {e["data"]["task"]["id"]: e["data"] for e in (orjson.loads(r["event"]) for r in rows)}
    assert set(purged) == {t["id"] for t in tasks}
    assert purged[tasks[0]["id"]]["version"] == tasks[0]["version"] + 1
    again = await signup(client, email=alice.email)
    assert again.id != alice.id


async def test_repeated_wrong_passwords_are_limited_even_when_signed_in(client, alice):
    body = {"current_password": "guess", "new_password": "a brand new secret"}
    for _ in range(5):
        response = await client.post("/api/v1/auth/password", json=body, headers=alice.headers)
        assert response.status_code == 403
    body["current_password"] = alice.password  # even the right one waits now
    limited = await client.post("/api/v1/auth/password", json=body, headers=alice.headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    deleting = await client.post(
        "/api/v1/auth/me/delete", json={"password": alice.password}, headers=alice.headers
    )
    assert deleting.status_code == 429
    assert await _me(client, alice.headers) == 200
