"""A real service on a loopback port for the client's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from planner.api.app import create_app
from planner.config import Settings
from tests.live_server import serve


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    with serve(create_app(Settings(redis_url=None, access_log=False))) as url:
        yield url
