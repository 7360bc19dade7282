"""README.md stays true: its example runs and gives its numbers; its tables list the catalogue
and the settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG
from planner.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _example() -> tuple[dict[str, Any], dict[str, Any]]:
    request = re.search(r"<<'JSON'\n(.*?)\nJSON", README, re.S)
    response = re.search(r"The response .*?```json\n(.*?)\n```", README, re.S)
    assert request is not None
    assert response is not None
    return json.loads(request.group(1)), json.loads(response.group(1))


def _matches(shown: Any, actual: Any, path: str = "") -> None:
    """Every value README shows (except '...' placeholders) equals the service's."""
    if shown == "..." or (isinstance(shown, str) and shown.startswith("... ")):
        return
    if isinstance(shown, dict):
        for key, value in shown.items():
            if key != "...":
                assert key in actual, f"{path}.{key} missing from the response"
                _matches(value, actual[key], f"{path}.{key}")
    elif isinstance(shown, list):
        # the first "..." item stands for any number of items: those before it are the first
        # items, those after it the last ones
        gap = next(
            (i for i, item in enumerate(shown) if isinstance(item, str) and "..." in item), None
        )
        head = shown if gap is None else shown[:gap]
        tail = [] if gap is None else shown[gap + 1 :]
        assert len(actual) >= len(head) + len(tail), path
        for i, item in enumerate(head):
            _matches(item, actual[i], f"{path}[{i}]")
        for i, item in enumerate(tail, len(actual) - len(tail)):
            _matches(item, actual[i], f"{path}[{i}]")
    elif isinstance(shown, float):
        assert actual == pytest.approx(shown, rel=1e-9), path
    else:
        assert shown == actual, path


def test_readme_example_request_gives_the_readme_response(client: TestClient) -> None:
    request, shown = _example()
    response = client.post("/v1/plan", json=request)
    assert response.status_code == 200
    _matches(shown, response.json())


def test_readme_summary_sweep_gives_the_readme_summary(client: TestClient) -> None:
    request = re.search(r"<<'SUMMARY'\n(.*?)\nSUMMARY", README, re.S)
    shown = re.search(r"The summary \(abridged.*?```json\n(.*?)\n```", README, re.S)
    assert request is not None
    assert shown is not None
    response = client.post("/v1/sweep", json=json.loads(request.group(1)))
    assert response.status_code == 200
    _matches(json.loads(shown.group(1)), response.json())


def test_readme_catalogue_table_lists_every_law() -> None:
    for law in CATALOG.all_laws():
        assert f"`{law.family}/{law.id}`" in README, f"{law.key} missing from README"
        for name in law.constant_set_names():
            assert name in README, f"{law.key}@{name} missing from README"


def test_readme_settings_table_lists_every_setting() -> None:
    for name in Settings.model_fields:
        assert f"PLANNER_{name.upper()}" in README, f"setting {name} undocumented"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in README
    assert "make test" in ci


def test_readme_serving_example_gives_the_readme_response(client: TestClient) -> None:
    request = re.search(r"<<'SERVING'\n(.*?)\nSERVING", README, re.S)
    shown = re.search(r"The serving part of the response .*?```json\n(.*?)\n```", README, re.S)
    assert request is not None
    assert shown is not None
    response = client.post("/v1/plan", json=json.loads(request.group(1)))
    assert response.status_code == 200
    _matches(json.loads(shown.group(1)), response.json())
