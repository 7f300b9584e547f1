"""Tags: per-user unique names, colours, task counts, removal from tasks."""

from __future__ import annotations

import uuid

from backend.testing.fixtures import signup


async def test_tag_crud(client, alice):
    created = await client.post(
        "/api/v1/tags", json={"name": "Work", "color": "#112233"}, headers=alice.headers
    )
    assert created.status_code == 201
    tag = created.json()
    assert tag["name"] == "Work" and tag["color"] == "#112233"
    duplicate = await client.post("/api/v1/tags", json={"name": "work"}, headers=alice.headers)
    assert duplicate.status_code == 409
    renamed = await client.patch(
        f"/api/v1/tags/{tag['id']}", json={"name": "Job"}, headers=alice.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Job"
    bad_colour = await client.patch(
        f"/api/v1/tags/{tag['id']}", json={"color": "blue"}, headers=alice.headers
    )
    assert bad_colour.status_code == 422 and bad_colour.json()["errors"][0]["field"] == "color"


async def test_rename_onto_an_existing_name_is_409(client, alice):
    await client.post("/api/v1/tags", json={"name": "one"}, headers=alice.headers)
    two = (await client.post("/api/v1/tags", json={"name": "two"}, headers=alice.headers)).json()
    clash = await client.patch(
        f"/api/v1/tags/{two['id']}", json={"name": "ONE"}, headers=alice.headers
    )
    assert clash.status_code == 409


async def test_task_count_and_delete_removes_the_tag_from_tasks(client, alice):
    task = (
        await client.post(
            "/api/v1/tasks", json={"title": "t", "tags": ["errand", "x"]}, headers=alice.headers
        )
    ).json()
    await client.post(
        "/api/v1/tasks", json={"title": "u", "tags": ["errand"]}, headers=alice.headers
    )
    tags = {t["name"]: t for t in (await client.get("/api/v1/tags", headers=alice.headers)).json()}
    assert tags["errand"]["task_count"] == 2 and tags["x"]["task_count"] == 1
    deleted = await client.delete(f"/api/v1/tags/{tags['errand']['id']}", headers=alice.headers)
    assert deleted.status_code == 204
    fetched = (await client.get(f"/api/v1/tasks/{task['id']}", headers=alice.headers)).json()
    assert fetched["tags"] == ["x"]


async def test_concurrent_inline_creation_of_one_tag_makes_one_tag(client, alice):
    import asyncio

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/tasks", json={"title": f"t{i}", "tags": ["Shared"]}, headers=alice.headers
            )
            for i in range(8)
        )
    )
    assert all(r.status_code == 201 for r in responses)
    names = [t["name"] for t in (await client.get("/api/v1/tags", headers=alice.headers)).json()]
    assert names.count("Shared") == 1


async def test_tags_come_a_page_at_a_time_with_the_next_in_the_link_header(client, db):
    user = await signup(client)
    names = [f"tag-{i:03d}" for i in range(150)] + ["Å", "ä"]
    await db.execute(
        "INSERT INTO tags (id, user_id, name, color) "
        "SELECT gen_random_uuid(), $1, name, '#112233' FROM unnest($2::text[]) AS name",
        uuid.UUID(user.id),
        names,
    )
    first = await client.get("/api/v1/tags", headers=user.headers)
    assert first.status_code == 200 and len(first.json()) == 100
    seen, url = [t["name"] for t in first.json()], first.headers.get("link")
    while url:
        assert url.endswith('>; rel="next"')
        page = await client.get(url[1 : url.index(">")], headers=user.headers)
        assert page.status_code == 200
        seen += [t["name"] for t in page.json()]
        url = page.headers.get("link")
    assert sorted(seen) == sorted(names) and len(seen) == len(set(seen))
    small = await client.get("/api/v1/tags", params={"limit": 200}, headers=user.headers)
    assert len(small.json()) == 152 and "link" not in small.headers
    bad = await client.get("/api/v1/tags", params={"cursor": "nonsense"}, headers=user.headers)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("cursor:")
