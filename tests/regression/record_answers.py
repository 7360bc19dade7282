"""Record the service's answers to :data:`RECORDED_REQUESTS` into ``answers.json.gz``.

Run from the repository root, once, on a commit whose answers are the reference::

    python -m tests.regression.record_answers

``test_answers_unchanged`` then holds every later commit to the same answers: a refactoring
that changes a number, a warning or a field fails it.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from planner.api.app import create_app
from planner.config import Settings

from .requests import RECORDED_REQUESTS

__all__ = ["ANSWERS_FILE", "answer", "record"]

ANSWERS_FILE = Path(__file__).with_name("answers.json.gz")


def answer(client: TestClient, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Status and body (JSON, or text for CSV) of one request."""
    response = client.request(method, path, json=body or None)
    content_type = response.headers.get("content-type", "")
    payload: Any = response.json() if "json" in content_type else response.text
    return {"status": response.status_code, "body": payload}


def record() -> None:
    with TestClient(create_app(Settings(redis_url=None))) as client:
        answers = [
            {"method": m, "path": p, "request": b, **answer(client, m, p, b)}
            for m, p, b in RECORDED_REQUESTS
        ]
    with gzip.open(ANSWERS_FILE, "wt", encoding="utf-8") as out:
        json.dump(answers, out, sort_keys=True, separators=(",", ":"))


if __name__ == "__main__":
    record()
