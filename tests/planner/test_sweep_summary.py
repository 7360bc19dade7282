"""The summary sweep (``detail: "summary"``): the CSV's table as typed JSON, from the same
records as the CSV and as cheap to make."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from laws_catalog import CATALOG
from planner.planning.plan.pipeline import make_plan
from planner.planning.sweep import run
from planner.planning.sweep.batch import batch_records
from planner.planning.sweep.csv_table import CSV_COLUMNS, sweep_csv, sweep_records
from planner.planning.sweep.run import sweep, sweep_summary_json, sweep_table
from planner.schemas.requests import PlanRequest, SweepRequest
from planner.schemas.responses import PlanResponse, SweepSummaryResponse
from tests.planner.summary_cells import assert_summary_is_csv

_FLOPS = [float(c) for c in np.geomspace(1.3e12, 9e31, 24)]
_GPU = {"gpu": "h100", "mfu": 0.4}
CASES: dict[str, dict[str, Any]] = {
    # FLOPs rows planned together, and rows the batch leaves to make_plan: a budget in GPU
    # hours, one too small to train on (an error row), one with a loss tolerance
    "batched_with_fallbacks": {
        "budgets": [{"flops": c} for c in _FLOPS]
        + [{"gpu_hours": 1e5, **_GPU}, {"gpu_hours": 1e-9, **_GPU}]
        + [{"flops": 1e21, "loss_tolerance": 0.05}]
    },
    # limits send every row through make_plan: plain, capped, saturated and failed rows
    "per_row_limits": {
        "budgets": [{"flops": c} for c in _FLOPS[:16]],
        "constraints": {"max_params": 1e8, "max_tokens": 1e10},
    },
    "uncertainty": {
        "budgets": [{"flops": 1e20}, {"flops": 1e22}, {"gpu_hours": 1e-9, **_GPU}],
        "uncertainty": True,
    },
    "targets": {"targets": [{"loss": 2.3}, {"loss": 1.0}, {"downstream_error": 0.45}]},
    "serving": {
        "budgets": [{"flops": 1e21}, {"flops": 1e23}],
        "inference": {"device": "h100", "max_decode_latency_ms": 20},
    },
}


def _request(body: dict[str, Any]) -> SweepRequest:
    return SweepRequest.model_validate({**body, "detail": "summary"})


@pytest.mark.parametrize("case", sorted(CASES))
def test_summary_cells_are_the_csv_cells(case: str) -> None:
    request = _request(CASES[case])
    summary = sweep_summary_json(request, max_points=100)
    body = assert_summary_is_csv(summary, sweep_table(request, max_points=100))
    assert body["catalog_version"] == CATALOG.version
    assert SweepSummaryResponse.model_validate_json(summary).columns == body["columns"]
    if case in ("batched_with_fallbacks", "per_row_limits", "uncertainty", "targets"):
        errors = [row for row in body["rows"] if row[body["columns"].index("error")]]
        assert errors, "the case has an error row"
    if case == "uncertainty":
        assert "params_low" in body["columns"]
    else:
        assert tuple(body["columns"]) == CSV_COLUMNS


def test_an_error_row_carries_the_csv_error_and_detail() -> None:
    request = _request(CASES["batched_with_fallbacks"])
    body = json.loads(sweep_summary_json(request, max_points=100))
    columns = body["columns"]
    failed = body["rows"][len(_FLOPS) + 1]
    cells = dict(zip(columns, failed, strict=True))
    assert cells["index"] == len(_FLOPS) + 1
    assert cells["error"] == "InvalidRequest"
    assert "below the smallest training budget" in cells["error_detail"]
    assert cells["catalog_version"] == CATALOG.version
    blank = set(columns) - {"index", "error", "error_detail", "catalog_version"}
    assert all(cells[column] is None for column in blank)


def test_the_records_are_the_full_sweeps_records() -> None:
    """The summary of a sweep is the table of its full answer (``sweep_records`` of the
    SweepResponse, as the client's ``to_dataframe`` reads it), cell by cell."""
    request = _request(CASES["uncertainty"])
    body = json.loads(sweep_summary_json(request, max_points=100))
    full = sweep(request, max_points=100)
    records = sweep_records(full)
    assert [list(record) for record in records] == [body["columns"]] * len(records)
    for record, row in zip(records, body["rows"], strict=True):
        assert [None if value == "" else value for value in record.values()] == row
    assert sweep_csv(full) == sweep_table(request, max_points=100)


def test_summary_plans_only_the_rows_the_batch_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows planned together never become a PlanResponse: make_plan runs once per row the
    batch path leaves (here the budget in GPU hours, the too-small one and the tolerance)."""
    request = _request(CASES["batched_with_fallbacks"])
    records = batch_records(request)
    assert records is not None
    left = sum(record is None for record in records)
    assert 3 <= left <= 8, left
    planned: list[PlanRequest] = []
    real = run.make_plan

    def counting(plan: PlanRequest, devices: Any = None) -> PlanResponse:
        planned.append(plan)
        return real(plan, devices)

    monkeypatch.setattr(run, "make_plan", counting)
    sweep_summary_json(request, max_points=100)
    assert len(planned) == left
    planned.clear()
    sweep_table(request, max_points=100)
    assert len(planned) == left


def test_the_csv_ignores_detail() -> None:
    body = CASES["batched_with_fallbacks"]
    full = SweepRequest.model_validate(body)
    assert full.detail == "full"
    assert sweep_table(_request(body), max_points=100) == sweep_table(full, max_points=100)


def test_too_many_rows_fail_the_summary_as_they_fail_the_csv() -> None:
    from planner.errors import InvalidRequest

    request = _request({"budgets": [{"flops": 1e21}] * 3})
    with pytest.raises(InvalidRequest) as raised:
        sweep_summary_json(request, max_points=2)
    assert raised.value.field == "budgets"


@pytest.mark.parametrize(
    "laws",
    [{}, {"loss": "kaplan2020"}, {"allocation": "deepseek2024"}, {"loss": "gadre2024"}],
)
def test_summary_units_are_the_plans_units(laws: dict[str, str]) -> None:
    """A column that is a plan's field carries that plan's unit (the loss's data set, the
    parameter count the law counts, how the FLOPs are accounted), the same for every row."""
    request = _request({"budgets": [{"flops": 1e21}, {"flops": 1e23}], "laws": laws})
    body = json.loads(sweep_summary_json(request, max_points=10))
    plan = make_plan(PlanRequest.model_validate({"budget": {"flops": 1e21}, "laws": laws}))
    shared = set(plan.units) & set(body["columns"])
    assert {"params", "tokens", "flops", "loss", "learning_rate"} <= shared
    for column in shared:
        assert body["units"][column] == plan.units[column], column
    assert body["units"]["target_loss"] == plan.units["loss"]
