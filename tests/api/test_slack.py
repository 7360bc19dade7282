"""The ``/plan`` Slack slash command (issue 14): signature, parsing, compact reply, 3 s rule."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from laws_catalog.hardware import all_devices
from planner.api.app import create_app
from planner.chatops.command_text import parse_command_text
from planner.config import Settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documentation example secret


def _signed(body: str, *, secret: str = SECRET, age: float = 0.0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _form(text: str, **extra: str) -> str:
    return urlencode({"command": "/plan", "text": text, "user_id": "U1", **extra})


@pytest.fixture(scope="module")
def slack() -> Iterator[TestClient]:
    settings = Settings(redis_url=None, slack_signing_secret=SECRET, public_url="https://p.x")
    with TestClient(create_app(settings)) as client:
        yield client


def _command(client: TestClient, text: str, **extra: str) -> Any:
    body = _form(text, **extra)
    return client.post("/v1/slack/command", content=body, headers=_signed(body))


def test_absent_without_a_signing_secret(client: TestClient) -> None:
    body = _form("1e24")
    assert client.post("/v1/slack/command", content=body, headers=_signed(body)).status_code == 404


def test_signature_is_verified(slack: TestClient) -> None:
    body = _form("1e24")
    assert slack.post("/v1/slack/command", content=body).status_code == 401
    wrong = _signed(body, secret="not-the-secret")
    response = slack.post("/v1/slack/command", content=body, headers=wrong)
    assert response.status_code == 401
    assert response.json()["field"] == "X-Slack-Signature"
    stale = slack.post("/v1/slack/command", content=body, headers=_signed(body, age=301))
    assert stale.status_code == 401
    assert stale.json()["field"] == "X-Slack-Request-Timestamp"
    tampered = slack.post("/v1/slack/command", content=_form("1e26"), headers=_signed(body))
    assert tampered.status_code == 401


def test_plan_1e24_matches_the_plan_endpoint(slack: TestClient) -> None:
    started = time.perf_counter()
    reply = _command(slack, "1e24")
    assert time.perf_counter() - started < 3.0  # Slack gives up after 3 s
    assert reply.status_code == 200
    body = reply.json()
    assert body["response_type"] == "in_channel"
    plan = slack.post("/v1/plan", json={"budget": {"flops": 1e24}}).json()["plan"]
    text = body["text"]
    assert f"{plan['params'] / 1e9:.3g}B" in text
    assert f"{plan['loss']:.4g}" in text
    for part in ("peak LR", "batch", "binding:"):
        assert part in text
    assert "<https://p.x/v1/plan?flops=1e%2B24|full JSON>" in text
    assert body["blocks"][0]["text"]["type"] == "mrkdwn"


def test_gpus_for_days_and_dollars_with_a_cap(slack: TestClient) -> None:
    gpus = _command(slack, "512 h100 for 21 days at 40% mfu").json()["text"]
    same = slack.post(
        "/v1/plan",
        json={"budget": {"gpu": "h100", "gpu_count": 512, "hours": 504, "mfu": 0.4}},
    ).json()
    assert f"{same['budget']['flops']:.3g} FLOPs" in gpus
    dollars = _command(slack, "$2M on h100 at $2.5/h mfu 0.4 max 70B").json()["text"]
    assert "`constraints.max_params`" in dollars or "`budget.dollars`" in dollars
    assert "cost* $2M" in dollars


def test_target_help_and_nonsense(slack: TestClient) -> None:
    target = _command(slack, "target loss 2.1").json()["text"]
    assert target.startswith("*Least budget for loss 2.1")
    for text in ("help", "", "make it big please"):
        reply = _command(slack, text).json()
        assert reply["response_type"] == "ephemeral"
        assert "Usage" in reply["text"]
    assert "could not read `make it big`" in _command(slack, "make it big").json()["text"]


def test_an_infeasible_request_is_explained_privately(slack: TestClient) -> None:
    reply = _command(slack, "target loss 0.5").json()
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(":x:")


@pytest.mark.parametrize(
    ("text", "budget", "extra"),
    [
        ("1e24", {"flops": 1e24}, {}),
        ("3e23 flops", {"flops": 3e23}, {}),
        (
            "512 h100 for 21 days at 40% mfu",
            {"gpu_count": 512, "gpu": "h100", "hours": 504.0, "mfu": 0.4},
            {},
        ),
        (
            "$2M on h100 at $2.5/h mfu 0.4 max 70B",
            {"dollars": 2e6, "gpu": "h100", "price_per_gpu_hour": 2.5, "mfu": 0.4},
            {"constraints": {"max_params": 7e10}},
        ),
        (
            "64 x a100 for 2 weeks mfu 45%",
            {"gpu_count": 64, "gpu": "a100", "hours": 336.0, "mfu": 0.45},
            {},
        ),
        ("1e24 law hoffmann2022@tex", {"flops": 1e24}, {"laws": {"loss": "hoffmann2022@tex"}}),
    ],
)
def test_parsing(text: str, budget: dict[str, Any], extra: dict[str, Any]) -> None:
    names = [n for d in all_devices().values() for n in (d.id, *d.aliases)]
    parsed = parse_command_text(text, names)
    assert parsed.understood, parsed
    assert parsed.body == {"budget": budget, **extra}


class _Capture(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: Any = self.server
        server.received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_plan_is_acknowledged_then_posted_to_the_response_url() -> None:
    """Slower than the reply window: an immediate acknowledgement, the plan follows by POST."""
    catcher: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    catcher.received = []
    thread = threading.Thread(target=catcher.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{catcher.server_address[1]}/hook"
    settings = Settings(
        redis_url=None,
        slack_signing_secret=SECRET,
        slack_reply_seconds=0,
        slack_response_url_prefixes=("http://127.0.0.1:",),
    )
    try:
        with TestClient(create_app(settings)) as client:
            ack = _command(client, "3e22", response_url=url).json()
            assert ack["response_type"] == "ephemeral"
            assert "follows" in ack["text"]
            deadline = time.monotonic() + 60
            while not catcher.received and time.monotonic() < deadline:
                time.sleep(0.05)
            # a response_url outside the allowed prefixes is never called
            refused = _command(client, "4e22", response_url="http://10.0.0.1/x").json()
            assert refused["text"].startswith(":x:")
    finally:
        catcher.shutdown()
        catcher.server_close()
    assert len(catcher.received) == 1
    assert catcher.received[0]["response_type"] == "in_channel"
    assert "*Plan for 3e+22 FLOPs*" in catcher.received[0]["text"]
