"""The server entry point answers liveness at once and hands over to the planner once loaded;
warm-up does not hold readiness back."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planner.api.asgi import StartingApp


async def _request(app: Any, path: str) -> tuple[int, dict[str, Any]]:
    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], json.loads(sent[1]["body"])


class _Lifespan:
    """Plays the server's side of the lifespan protocol."""

    def __init__(self, app: StartingApp) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.ensure_future(
            app({"type": "lifespan"}, self.inbox.get, self.outbox.put)
        )

    async def startup(self) -> None:
        await self.inbox.put({"type": "lifespan.startup"})
        assert (await self.outbox.get())["type"] == "lifespan.startup.complete"

    async def shutdown(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        assert (await self.outbox.get())["type"] == "lifespan.shutdown.complete"
        await self.task


def test_liveness_while_loading_then_the_loaded_app_answers() -> None:
    release = threading.Event()
    events: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        body = json.dumps({"from": "inner", "path": scope["path"]}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def load() -> Any:
        release.wait(10)
        return inner

    async def scenario() -> None:
        app = StartingApp(load)
        lifespan = _Lifespan(app)
        await lifespan.startup()  # completes while the app is still loading
        assert await _request(app, "/healthz") == (200, {"status": "ok"})
        assert await _request(app, "/readyz") == (503, {"status": "starting"})
        waiting = asyncio.ensure_future(_request(app, "/v1/plan"))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # a real request waits for the app, it does not fail
        release.set()
        assert await asyncio.wait_for(waiting, 10) == (200, {"from": "inner", "path": "/v1/plan"})
        assert await _request(app, "/readyz") == (200, {"from": "inner", "path": "/readyz"})
        await lifespan.shutdown()
        assert events == ["lifespan.startup", "lifespan.shutdown"]

    asyncio.run(scenario())


def test_a_failed_load_fails_liveness() -> None:
    def load() -> Any:
        raise ImportError("broken install")

    async def scenario() -> None:
        app = StartingApp(load)
        lifespan = _Lifespan(app)
        await lifespan.startup()
        for _ in range(200):
            status, body = await _request(app, "/healthz")
            if status == 503:
                break
            await asyncio.sleep(0.01)
        assert status == 503
        assert "broken install" in body["detail"]
        assert (await _request(app, "/v1/plan"))[0] == 503
        await lifespan.shutdown()

    asyncio.run(scenario())


def test_readyz_reports_warm_up(client: TestClient) -> None:
    deadline = time.monotonic() + 60
    while not client.get("/readyz").json()["warm"]:
        assert time.monotonic() < deadline, "solver threads never finished warming up"
        time.sleep(0.05)
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["jobs"] == "in-process"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        return int(sock.recv(64).split(b" ", 2)[1])


@pytest.mark.slow
def test_served_entry_point_is_live_before_it_is_ready_and_then_plans() -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("REDIS_URL")}
    command = [sys.executable, "-m", "uvicorn", "planner.api.asgi:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        live = None
        while time.monotonic() < deadline:
            try:
                if _get(port, "/healthz") == 200:
                    live = time.monotonic()
                    break
            except OSError:
                time.sleep(0.01)
        assert live is not None, "never live"
        import httpx

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            plan = http.post("/v1/plan", json={"budget": {"flops": 1.7e21}})
            assert plan.status_code == 200
            assert plan.json()["plan"]["flops"] == pytest.approx(1.7e21, rel=1e-6)
            assert http.get("/readyz").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
