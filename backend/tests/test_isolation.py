"""Another user's tasks and tags answer 404 to every verb, exactly like missing ones."""

from __future__ import annotations

import uuid

TASK_VERBS = [
    ("GET", "", None),
    ("PATCH", "", {"title": "hijacked"}),
    ("PUT", "", {"title": "hijacked"}),
    ("DELETE", "", None),
    ("POST", "/complete", None),
    ("POST", "/reopen", None),
    ("POST", "/restore", None),
]


async def test_a_second_user_gets_404_for_every_verb_on_the_first_users_task(
    client, alice, bob, db
):
    task = (
        await client.post(
            "/api/v1/tasks", json={"title": "Alice's", "tags": ["private"]}, headers=alice.headers
        )
    ).json()
    deleted = (
        await client.post("/api/v1/tasks", json={"title": "Alice's trash"}, headers=alice.headers)
    ).json()
    await client.delete(f"/api/v1/tasks/{deleted['id']}", headers=alice.headers)
    for target in (task, deleted):
        for method, suffix, body in TASK_VERBS:
            url = f"/api/v1/tasks/{target['id']}{suffix}"
            theirs = await client.request(method, url, json=body, headers=bob.headers)
            missing = await client.request(
                method, f"/api/v1/tasks/{uuid.uuid4()}{suffix}", json=body, headers=bob.headers
            )
            assert theirs.status_code == 404, (method, url, theirs.text)
            assert theirs.json()["detail"] == missing.json()["detail"]
    listed = await client.get("/api/v1/tasks", params={"limit": 200}, headers=bob.headers)
    trash = await client.get("/api/v1/tasks", params={"deleted": "true"}, headers=bob.headers)
    assert listed.json()["items"] == [] and trash.json()["items"] == []
    row = await db.fetchrow(
        "SELECT title, version, status FROM tasks WHERE id = $1", uuid.UUID(task["id"])
    )
    assert (row["title"], row["version"], row["status"]) == ("Alice's", 1, "pending")


async def test_a_second_user_gets_404_on_the_first_users_tags(client, alice, bob):
    tag = (await client.post("/api/v1/tags", json={"name": "mine"}, headers=alice.headers)).json()
    for method, body in (("PATCH", {"name": "stolen"}), ("DELETE", None)):
        response = await client.request(
            method, f"/api/v1/tags/{tag['id']}", json=body, headers=bob.headers
        )
        assert response.status_code == 404
    assert (await client.get("/api/v1/tags", headers=bob.headers)).json() == []
    # Bob using the same tag name gets his own tag, not Alice's.
    task = (
        await client.post(
            "/api/v1/tasks", json={"title": "b", "tags": ["mine"]}, headers=bob.headers
        )
    ).json()
    assert task["tags"] == ["mine"]
    alice_tags = (await client.get("/api/v1/tags", headers=alice.headers)).json()
    assert alice_tags[0]["task_count"] == 0
