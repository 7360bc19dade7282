"""Submit a job over HTTP and poll it until it ends, recording what the poller saw."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient


def submit(client: TestClient, kind: str, request: dict[str, Any]) -> str:
    response = client.post("/v1/jobs", json={"kind": kind, "request": request})
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert location == response.json()["location"] == f"/v1/jobs/{response.json()['id']}"
    return location


def poll(
    client: TestClient, location: str, *, timeout: float = 60, interval: float = 0.005
) -> tuple[dict[str, Any], list[tuple[str, int, int]]]:
    """The final status body, and every (status, done, total) seen on the way."""
    seen: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(location).json()
        progress = body["progress"]
        state = (body["status"], progress["done"], progress["total"])
        if not seen or seen[-1] != state:
            seen.append(state)
        if body["status"] in ("finished", "failed", "expired"):
            return body, seen
        time.sleep(interval)
    raise AssertionError(f"job at {location} did not end within {timeout}s: {seen[-3:]}")


def sweep_request(budgets: int, start: float = 1e19) -> dict[str, Any]:
    return {"budgets": [{"flops": start * 1.1**i} for i in range(budgets)]}


def assert_progress_advanced(seen: list[tuple[str, int, int]], total: int) -> None:
    """Rows done never go back, end at the total, and were reported part way."""
    dones = [done for _, done, _ in seen]
    assert dones == sorted(dones), seen
    assert seen[-1] == ("finished", total, total), seen
    assert all(t == total for _, _, t in seen), seen
    assert any(0 < done < total for done in dones), f"no progress between 0 and {total}: {seen}"
