"""The public surface of both packages is explicit and importable."""

from __future__ import annotations

import importlib

import pytest


def _isort_style(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then everything else, each alphabetical."""
    if name.isupper():
        return 0, name
    if name[:1].isupper():
        return 1, name
    return 2, name


@pytest.mark.parametrize("module_name", ["planner", "laws_catalog"])
def test_all_names_are_exported_and_sorted(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = module.__all__
    assert len(names) == len(set(names))
    assert names == sorted(names, key=_isort_style), f"{module_name}.__all__ is not sorted"
    for name in names:
        assert hasattr(module, name), f"{module_name}.{name} missing"


def test_library_use_without_http() -> None:
    from planner import PlanRequest, make_plan

    answer = make_plan(PlanRequest.model_validate({"budget": {"flops": 1e22}}))
    assert answer.plan.loss > 0
