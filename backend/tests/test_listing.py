"""Listing: filters, search, sorts, and cursor pagination that never repeats or skips."""

from __future__ import annotations

import asyncio

from backend.testing.fixtures import signup


async def titles(client, account, **params):
    response = await client.get("/api/v1/tasks", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()["items"]]


async def seed(client, account, rows):
    for row in rows:
        response = await client.post("/api/v1/tasks", json=row, headers=account.headers)
        assert response.status_code == 201, response.text


async def test_filters(client):
    user = await signup(client)
    await seed(
        client,
        user,
        [
            {
                "title": "low soon",
                "priority": "low",
                "due_at": "2026-12-01T10:00:00Z",
                "tags": ["work"],
            },
            {
                "title": "urgent later",
                "priority": "urgent",
                "due_at": "2026-12-20T10:00:00Z",
                "tags": ["work", "home"],
            },
            {"title": "no due", "priority": "high", "tags": ["home"]},
        ],
    )
    assert set(await titles(client, user, priority=["low", "urgent"])) == {
        "low soon",
        "urgent later",
    }
    assert set(await titles(client, user, tag="home")) == {"urgent later", "no due"}
    assert await titles(client, user, tag=["home", "WORK"]) == ["urgent later"]
    assert await titles(client, user, due_before="2026-12-10T00:00:00Z") == ["low soon"]
    assert await titles(client, user, due_after="2026-12-10T00:00:00Z") == ["urgent later"]
    page = await client.get("/api/v1/tasks", params={"status": "pending"}, headers=user.headers)
    task_id = page.json()["items"][0]["id"]
    await client.post(f"/api/v1/tasks/{task_id}/complete", headers=user.headers)
    assert len(await titles(client, user, status="completed")) == 1
    assert len(await titles(client, user, status="pending")) == 2


async def test_sorts(client):
    user = await signup(client)
    await seed(
        client,
        user,
        [
            {"title": "b", "priority": "low", "due_at": "2026-12-02T10:00:00Z"},
            {"title": "C", "priority": "urgent"},
            {"title": "a", "priority": "medium", "due_at": "2026-12-01T10:00:00Z"},
        ],
    )
    assert await titles(client, user) == ["a", "C", "b"]
    assert await titles(client, user, sort="created_at") == ["b", "C", "a"]
    assert await titles(client, user, sort="due_date") == ["a", "b", "C"]
    assert await titles(client, user, sort="-due_date") == ["b", "a", "C"]
    assert await titles(client, user, sort="-priority") == ["C", "a", "b"]
    assert await titles(client, user, sort="title") == ["a", "b", "C"]
    bad = await client.get("/api/v1/tasks", params={"sort": "colour"}, headers=user.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"


async def test_every_sort_pages_through_all_tasks_one_at_a_time(client):
    user = await signup(client)
    await seed(
        client,
        user,
        [
            {"title": "b", "priority": "low", "due_at": "2026-12-02T10:00:00Z"},
            {"title": "C", "priority": "urgent"},
            {"title": "a", "priority": "low", "due_at": "2026-12-01T10:00:00Z"},
            {"title": "d", "priority": "urgent"},
            {"title": "B", "priority": "medium", "due_at": "2026-12-01T10:00:00Z"},
        ],
    )
    for sort in ("due_date", "-due_date", "priority", "-priority", "title", "-title",
                 "created_at", "-created_at"):  # fmt: skip
        whole = await titles(client, user, sort=sort)
        paged, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/tasks", params=params, headers=user.headers)).json()
            paged += [task["title"] for task in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert sorted(whole) == ["B", "C", "a", "b", "d"]
        assert paged == whole, sort


async def test_search_matches_words_and_prefixes_in_title_and_description(client):
    user = await signup(client)
    await seed(
        client,
        user,
        [
            {"title": "Call the plumber", "description": "about the kitchen sink"},
            {"title": "Kitchen shopping"},
            {"title": "Read a book"},
        ],
    )
    assert set(await titles(client, user, q="kitch")) == {"Call the plumber", "Kitchen shopping"}
    assert await titles(client, user, q="plumb sink") == ["Call the plumber"]
    assert await titles(client, user, q="nothing-like-this") == []
    assert len(await titles(client, user, q="!!!")) == 3


async def test_pages_never_repeat_or_skip_while_tasks_are_created(client):
    user = await signup(client)
    await seed(client, user, [{"title": f"task {i:02d}"} for i in range(30)])
    for sort in ("-created_at", "title", "due_date", "-priority"):
        seen: list[str] = []
        cursor = None
        inserted = 0
        while True:
            params = {"limit": 7, "sort": sort, **({"cursor": cursor} if cursor else {})}
            response = await client.get("/api/v1/tasks", params=params, headers=user.headers)
            page = response.json()
            seen.extend(task["id"] for task in page["items"])
            # Others keep creating tasks while we page.
            await asyncio.gather(
                *(
                    client.post(
                        "/api/v1/tasks",
                        json={"title": f"new {sort} {inserted + i}"},
                        headers=user.headers,
                    )
                    for i in range(3)
                )
            )
            inserted += 3
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), f"{sort}: a task was repeated"
        original = {
            t["id"]
            for t in (
                await client.get(
                    "/api/v1/tasks", params={"limit": 200, "q": "task"}, headers=user.headers
                )
            ).json()["items"]
        }
        assert original <= set(seen), f"{sort}: a task that existed before paging was skipped"


async def test_bad_cursor_and_limit_are_4xx(client, alice):
    response = await client.get(
        "/api/v1/tasks", params={"cursor": "garbage"}, headers=alice.headers
    )
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
    for limit in (0, 201):
        response = await client.get("/api/v1/tasks", params={"limit": limit}, headers=alice.headers)
        assert response.status_code == 422
    await seed(client, alice, [{"title": "x"}, {"title": "y"}])
    page = (await client.get("/api/v1/tasks", params={"limit": 1}, headers=alice.headers)).json()
    other_sort = await client.get(
        "/api/v1/tasks",
        params={"cursor": page["next_cursor"], "sort": "title"},
        headers=alice.headers,
    )
    assert other_sort.status_code == 400


async def test_tasks_without_a_due_date_keep_the_order_they_were_created_in(client):
    """Ties of a sort (no due date, the same priority) come out oldest first (newest first for
    a descending sort), not in the random order of their ids, on one page and across pages."""
    user = await signup(client)
    names = [f"no due {n}" for n in range(8)]
    await seed(client, user, [{"title": "dated", "due_at": "2026-12-01T10:00:00Z"}])
    await seed(client, user, [{"title": name} for name in names])
    assert await titles(client, user, sort="due_date") == ["dated", *names]
    assert await titles(client, user, sort="-due_date") == ["dated", *reversed(names)]
    assert await titles(client, user, sort="priority") == ["dated", *names]
    paged, cursor = [], None
    while True:
        params = {"sort": "due_date", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/tasks", params=params, headers=user.headers)).json()
        paged += [task["title"] for task in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert paged == ["dated", *names]


async def test_a_forged_cursor_is_400_not_500(client, alice):
    import base64
    import json

    def forge(*parts) -> str:
        return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")

    task_id = "00000000-0000-0000-0000-000000000001"
    stamp = {"t": "2026-01-01T00:00:00+00:00"}
    for sort, values in (
        ("priority", ["high", stamp]),
        ("priority", [99999, stamp]),
        ("due_date", [stamp, 5]),
        ("title", [["a"], stamp]),
        ("created_at", [stamp, stamp]),
        ("-due_date", [{"t": "not a time"}, stamp]),
    ):
        response = await client.get(
            "/api/v1/tasks",
            params={"sort": sort, "cursor": forge(sort, values, task_id)},
            headers=alice.headers,
        )
        assert response.status_code == 400, (sort, values, response.text)
