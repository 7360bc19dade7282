"""Who may ask, how often: optional API keys (401 with a challenge) and a per-client rate
limit shared across workers through Redis (429 with Retry-After), local when Redis is gone.
Before this, one client sent 34k requests in 30 s and nobody needed a key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from planner.api.app import create_app
from planner.config import Settings

from ..conftest import RedisServer

CHEAP = "/v1/laws/hoffmann2022"


def _app(**settings: object) -> TestClient:
    settings.setdefault("redis_url", None)
    return TestClient(create_app(Settings(**settings)))  # type: ignore[arg-type]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_both_are_off_by_default(client: TestClient) -> None:
    for _ in range(30):
        assert client.get(CHEAP).status_code == 200


@pytest.fixture
def keyed() -> Iterator[TestClient]:
    with _app(api_keys=SecretStr("alpha-key, beta-key")) as app_client:
        yield app_client


def test_without_a_key_401_names_the_header_and_challenges(keyed: TestClient) -> None:
    response = keyed.get(CHEAP)
    assert response.status_code == 401
    assert response.json() == {
        "error": "Unauthorized",
        "detail": "this service needs 'Authorization: Bearer <API key>'",
        "field": "Authorization",
    }
    assert response.headers["www-authenticate"].startswith("Bearer realm=")
    assert "x-request-id" in response.headers
    assert keyed.get(CHEAP, headers={"Authorization": "Basic YWxwaGEta2V5"}).status_code == 401


def test_a_wrong_key_is_an_invalid_token(keyed: TestClient) -> None:
    response = keyed.post("/v1/plan", json={"budget": {"flops": 1e21}}, headers=_bearer("gamma"))
    assert response.status_code == 401
    assert response.json()["detail"] == "the API key is not valid"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_valid_key_passes(keyed: TestClient) -> None:
    assert keyed.get(CHEAP, headers=_bearer("alpha-key")).status_code == 200
    assert keyed.get(CHEAP, headers=_bearer("beta-key")).status_code == 200


def test_health_readiness_and_metrics_are_public_by_default(keyed: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert keyed.get(path).status_code == 200, path
    assert keyed.get("/openapi.json").status_code == 200  # the docs page reads it
    assert keyed.get("/v1/laws").status_code == 401


def test_public_paths_are_a_setting(tmp_path: Path) -> None:
    with _app(api_keys=SecretStr("k"), public_paths="/healthz") as strict:
        assert strict.get("/healthz").status_code == 200
        assert strict.get("/metrics").status_code == 401
        assert strict.get("/metrics", headers=_bearer("k")).status_code == 200


def test_keys_from_a_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# team keys\nfile-key-1\n\nfile-key-2  # the bot\n")
    with _app(api_keys_file=str(keys)) as from_file:
        assert from_file.get(CHEAP).status_code == 401
        assert from_file.get(CHEAP, headers=_bearer("file-key-1")).status_code == 200
        assert from_file.get(CHEAP, headers=_bearer("file-key-2")).status_code == 200
        assert from_file.get(CHEAP, headers=_bearer("# team keys")).status_code == 401


def test_an_unreadable_keys_file_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        create_app(Settings(redis_url=None, api_keys_file=str(tmp_path / "missing")))


def _statuses(app_client: TestClient, count: int, **kwargs: object) -> list[int]:
    return [app_client.get(CHEAP, **kwargs).status_code for _ in range(count)]  # type: ignore[arg-type]


def test_rate_limit_429_with_retry_after() -> None:
    with _app(rate_limit_per_minute=60, rate_limit_burst=3) as limited:
        assert _statuses(limited, 3) == [200] * 3
        refused = limited.get(CHEAP)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        body = refused.json()
        assert body["error"] == "RateLimited"
        assert body["retry_after_seconds"] == 1
        assert "60 requests per minute" in body["detail"]
        assert limited.get("/healthz").status_code == 200  # probes are never limited
        time.sleep(1.05)  # one interval (60/min) later, one more request is allowed
        assert _statuses(limited, 2) == [200, 429]


def test_each_key_has_its_own_budget_and_bad_keys_cost_none() -> None:
    with _app(api_keys=SecretStr("a,b"), rate_limit_per_minute=60, rate_limit_burst=2) as both:
        assert _statuses(both, 5, headers=_bearer("wrong")) == [401] * 5
        assert _statuses(both, 3, headers=_bearer("a")) == [200, 200, 429]
        assert _statuses(both, 3, headers=_bearer("b")) == [200, 200, 429]


@pytest.mark.redis
def test_the_limit_is_shared_by_workers_through_redis(own_redis: RedisServer) -> None:
    """Two app instances (two workers) on one Redis share one budget per client."""
    settings = {"redis_url": own_redis.url, "rate_limit_per_minute": 60, "rate_limit_burst": 4}
    with _app(**settings) as worker1, _app(**settings) as worker2:
        assert _statuses(worker1, 2) + _statuses(worker2, 2) == [200] * 4
        assert worker1.get(CHEAP).status_code == 429
        assert worker2.get(CHEAP).status_code == 429


@pytest.mark.redis
def test_a_down_redis_falls_back_to_a_local_limit(own_redis: RedisServer) -> None:
    with _app(redis_url=own_redis.url, rate_limit_per_minute=60, rate_limit_burst=3) as limited:
        assert _statuses(limited, 1) == [200]
        own_redis.stop()
        started = time.perf_counter()
        assert _statuses(limited, 4) == [200, 200, 200, 429]  # never a 5xx; limited locally
        assert time.perf_counter() - started < 2.0


def test_the_page_loads_and_slack_is_signed_not_keyed_when_keys_are_on() -> None:
    """With API keys on, the page and its assets still load (its questions need the key) and
    the Slack command answers on its signature alone."""
    import hashlib
    import hmac
    import time
    from urllib.parse import urlencode

    from planner.api.app import create_app
    from planner.config import Settings

    secret = "s3cret"
    settings = Settings(redis_url=None, api_keys="k1", slack_signing_secret=secret)
    with TestClient(create_app(settings)) as keyed:
        assert keyed.get("/").status_code == 200
        assert keyed.get("/static/page/app.js").status_code == 200
        assert keyed.get("/docs").status_code == 200
        assert keyed.post("/v1/plan", json={"budget": {"flops": 1e21}}).status_code == 401
        headers = {"Authorization": "Bearer k1"}
        assert (
            keyed.post("/v1/plan", json={"budget": {"flops": 1e21}}, headers=headers).status_code
            == 200
        )
        body = urlencode({"command": "/plan", "text": "help"})
        stamp = str(int(time.time()))
        digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        signed = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        assert keyed.post("/v1/slack/command", content=body, headers=signed).status_code == 200
        unsigned = keyed.post("/v1/slack/command", content=body)
        assert unsigned.status_code == 401
