"""Shared fixtures: an app per cache kind, a real Redis server, the shared measured data."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from laws_catalog.data.measured import find_shared_data
from planner.api.app import create_app
from planner.config import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parents[1]


def _missing(reason: str) -> None:
    """Skip outside CI; in CI a missing dependency of a test is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a test that needs it may not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The workspace's ``shared/data`` (measured runs we may read but not copy)."""
    found = find_shared_data(REPO)
    if found is None:
        _missing("shared measured data not found (set PLANNER_SHARED_DATA)")
    assert found is not None
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server process this test session owns (so tests may pause or kill it)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _ping(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: PLANNER_TEST_REDIS_URL / PLANNER_REDIS_URL if set, else our own server."""
    configured = os.environ.get("PLANNER_TEST_REDIS_URL") or os.environ.get("PLANNER_REDIS_URL")
    if configured:
        yield configured
        return
    if shutil.which("redis-server") is None:
        _missing("no Redis: set PLANNER_TEST_REDIS_URL or install redis-server")
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis server the test may pause, fill with garbage or kill."""
    if shutil.which("redis-server") is None:
        _missing("redis-server binary not found")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The app with its in-process cache (no Redis configured)."""
    with TestClient(create_app(Settings(redis_url=None))) as test_client:
        yield test_client


@pytest.fixture
def unique() -> float:
    """A budget no other test uses, so cache hits cannot leak between tests."""
    return 1e21 * (1 + (uuid.uuid4().int % 10**9) / 10**10)


@pytest.fixture(scope="session")
def epoch_runs(shared_data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chinchilla's runs as digitised by Epoch; D = C/(6N); the 5 highest losses dropped."""
    with (shared_data / "epoch_chinchilla" / "svg_extracted_data.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.argsort(loss)[:-5]
    return n[keep], c[keep] / (6 * n[keep]), loss[keep]
