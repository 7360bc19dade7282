"""The raw-request shortcut to cached answers: same bytes, same answer, nothing skipped that
matters (validation of new bytes, the CSV/JSON choice, outer middleware, cache expiry)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from planner.api.app import create_app
from planner.config import Settings


def _post(client: TestClient, path: str, raw: bytes, **headers: str) -> tuple[int, str, bytes]:
    response = client.post(
        path, content=raw, headers={"content-type": "application/json", **headers}
    )
    return response.status_code, response.headers.get("x-cache", ""), response.content


def test_repeat_of_the_same_bytes_is_the_same_cached_answer(
    client: TestClient, unique: float
) -> None:
    raw = json.dumps({"budget": {"flops": unique}}).encode()
    first = _post(client, "/v1/plan", raw)
    second = _post(client, "/v1/plan", raw)
    third = client.post("/v1/plan", content=raw, headers={"content-type": "application/json"})
    assert first[:2] == (200, "miss")
    assert second == (200, "hit", first[2])
    assert third.headers["content-type"] == "application/json"
    assert int(third.headers["content-length"]) == len(first[2])
    # other bytes for the same question take the full path and hit the same cache entry
    spaced = json.dumps({"budget": {"flops": unique}}, indent=2).encode()
    assert _post(client, "/v1/plan", spaced) == (200, "hit", first[2])


def test_format_and_accept_choose_their_own_answers(client: TestClient, unique: float) -> None:
    raw = json.dumps({"budgets": [{"flops": unique}, {"flops": unique * 2}]}).encode()
    as_json = [_post(client, "/v1/sweep", raw) for _ in range(2)]
    as_csv = [_post(client, "/v1/sweep", raw, accept="text/csv") for _ in range(2)]
    by_query = [_post(client, "/v1/sweep?format=csv", raw) for _ in range(2)]
    assert [r[1] for r in as_json + as_csv + by_query] == ["miss", "hit", "miss", "hit"] + [
        "hit",
        "hit",
    ]
    assert as_json[1][2].startswith(b"{")
    assert as_csv[1][2] == by_query[1][2] == as_csv[0][2]
    csv_response = client.post(
        "/v1/sweep", content=raw, headers={"accept": "text/csv", "content-type": "application/json"}
    )
    assert csv_response.headers["content-type"].startswith("text/csv")


def test_invalid_bytes_are_validated_every_time(client: TestClient) -> None:
    raw = b'{"budget": {"flops": -5}}'
    for _ in range(3):
        status, cache, body = _post(client, "/v1/plan", raw)
        assert status == 422
        assert cache == ""
        assert json.loads(body)["field"] == "budget.flops"


def test_get_questions_are_shortcut_too(client: TestClient, unique: float) -> None:
    params = {"flops": unique * 3}
    first, second = client.get("/v1/plan", params=params), client.get("/v1/plan", params=params)
    assert first.status_code == 200, first.text
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content


def test_outer_middleware_sees_shortcut_requests(unique: float) -> None:
    seen: list[str] = []

    def counting(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await app(scope, receive, send)

        return wrapped

    app = create_app(Settings(redis_url=None))
    app.add_middleware(counting)  # type: ignore[arg-type]
    with TestClient(app) as client:
        raw = json.dumps({"budget": {"flops": unique}}).encode()
        assert [_post(client, "/v1/plan", raw)[1] for _ in range(3)] == ["miss", "hit", "hit"]
    assert seen == ["/v1/plan"] * 3


def test_nothing_is_served_once_the_cache_lets_go(unique: float) -> None:
    with TestClient(create_app(Settings(redis_url=None, cache_ttl_seconds=0))) as client:
        raw = json.dumps({"budget": {"flops": unique}}).encode()
        assert [_post(client, "/v1/plan", raw)[1] for _ in range(3)] == ["miss"] * 3
