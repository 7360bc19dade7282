"""Every sweep row is the single plan with the same inputs (issue 13: "each row identical, to
1e-9 relative, to the single plan"), and a long sweep costs what its plans cost.

Rows are compared number by number (every float to 1e-9 relative, everything else exactly)
with :func:`make_plan` of the row's own request, over random budgets and limits that make
rows of every kind: unconstrained, capped (``max_params`` / ``max_tokens`` binding),
saturated (``compute_saturated``: the caps leave the loss flat, the plan buys less compute)
and failed (the cap leaves no room for the vocabulary: the row carries the single plan's
422 error, renamed to its index).
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from laws_catalog import CATALOG
from planner import PlanRequest, make_plan
from planner.errors import PlannerError
from planner.planning.sweep.csv_table import sweep_records
from planner.planning.sweep.run import sweep, sweep_json
from planner.schemas.requests import SweepRequest
from planner.schemas.responses import PlanResponse, SweepResponse, SweepRowError
from tests.planner.same_answers import assert_same


def _rows_equal_single_plans(budgets: list[float], common: dict[str, Any]) -> dict[str, int]:
    """Check each row against make_plan; count the kinds of row seen."""
    request = SweepRequest.model_validate({"budgets": [{"flops": c} for c in budgets], **common})
    rows = sweep(request, max_points=len(budgets)).rows
    kinds = {"plain": 0, "capped": 0, "saturated": 0, "error": 0}
    for index, (flops, row) in enumerate(zip(budgets, rows, strict=True)):
        try:
            single = make_plan(PlanRequest.model_validate({"budget": {"flops": flops}, **common}))
        except PlannerError as exc:
            assert isinstance(row, SweepRowError), (flops, row)
            body = exc.to_dict()
            assert row.index == index
            assert row.error == body["error"]
            assert row.detail == body["detail"]
            kinds["error"] += 1
            continue
        assert isinstance(row, PlanResponse), (flops, row)
        assert_same(row.model_dump(), single.model_dump(), f"budgets[{index}]")
        codes = {w.code for w in single.warnings}
        if "compute_saturated" in codes:
            kinds["saturated"] += 1
        elif len(single.binding_constraints) > 1:
            kinds["capped"] += 1
        else:
            kinds["plain"] += 1
    return kinds


def test_rows_of_every_kind_equal_single_plans() -> None:
    """A fixed sweep known to hold plain, capped, saturated and failed rows."""
    budgets = [1e15, 3e17, 1e19, 4e19, 1e21, 2e22, 1e23, 1e25]
    kinds = _rows_equal_single_plans(
        budgets, {"constraints": {"max_params": 1e8, "max_tokens": 1e10}}
    )
    assert min(kinds["plain"], kinds["saturated"], kinds["error"]) >= 1, kinds
    kinds = _rows_equal_single_plans(budgets, {"constraints": {"max_params": 2e9}})
    assert kinds["capped"] >= 1, kinds


def test_streamed_json_is_the_response_model_serialised(client: TestClient) -> None:
    """The endpoint writes rows as they come; the bytes are the SweepResponse's own."""
    body = {
        "budgets": [{"flops": c} for c in (1e15, 1e19, 1e21, 1e23, 1e25)],
        "constraints": {"max_params": 1e8, "max_tokens": 1e10},
    }
    request = SweepRequest.model_validate(body)
    whole = sweep(request, max_points=5)
    assert any(isinstance(row, SweepRowError) for row in whole.rows)
    expected = whole.model_dump_json().encode()
    assert sweep_json(request, max_points=5) == expected
    response = client.post("/v1/sweep", json=body)
    assert response.status_code == 200
    assert response.content == expected


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exponents=st.lists(st.floats(15.0, 27.5), min_size=3, max_size=6),
    max_params=st.one_of(st.none(), st.floats(7.5, 11.0).map(lambda e: 10**e)),
    max_tokens=st.one_of(st.none(), st.floats(9.0, 13.0).map(lambda e: 10**e)),
)
def test_random_sweeps_equal_single_plans(
    exponents: list[float], max_params: float | None, max_tokens: float | None
) -> None:
    constraints = {
        key: value
        for key, value in (("max_params", max_params), ("max_tokens", max_tokens))
        if value is not None
    }
    common = {"constraints": constraints} if constraints else {}
    _rows_equal_single_plans([10**e for e in exponents], common)


@pytest.mark.slow
def test_long_sweep_costs_what_its_plans_cost(client: TestClient) -> None:
    """A 2,000-row sweep through HTTP (JSON and CSV) against the same 2,000 plans made one by
    one in the same run: the sweep adds request parsing, row bookkeeping and serialisation,
    never a per-row cost of its own. Guarded at 1.6x (measured 0.7-1.1x, JSON and CSV) so
    a noisy shared machine does not fail CI; min of two runs each."""
    rows = 2000
    client.post("/v1/sweep", json={"budgets": [{"flops": 1e21}]})
    fresh = iter(range(1, 100))

    def budgets() -> list[float]:  # new budgets each time: no cache or memo answers
        return [float(c) for c in np.logspace(18, 27, rows) * (1 + 1e-7 * next(fresh))]

    def singles() -> float:
        requests = [PlanRequest.model_validate({"budget": {"flops": c}}) for c in budgets()]
        started = time.perf_counter()
        for request in requests:
            make_plan(request)
        return time.perf_counter() - started

    def swept(fmt: str) -> float:
        body = {"budgets": [{"flops": c} for c in budgets()]}
        started = time.perf_counter()
        response = client.post(f"/v1/sweep?format={fmt}", json=body)
        assert response.status_code == 200
        return time.perf_counter() - started

    alone, as_json, as_csv = [], [], []
    for _ in range(2):
        alone.append(singles())
        as_json.append(swept("json"))
        as_csv.append(swept("csv"))
    plans = min(alone)
    assert min(as_json) <= 1.6 * plans, (as_json, alone)
    assert min(as_csv) <= 1.6 * plans, (as_csv, alone)


# --- every way of asking a sweep: POST and GET, JSON and CSV, several loss and allocation laws


def _single_rows(budgets: list[float], common: dict[str, Any]) -> list[PlanResponse | Exception]:
    rows: list[PlanResponse | Exception] = []
    for flops in budgets:
        try:
            request = PlanRequest.model_validate({"budget": {"flops": flops}, **common})
            rows.append(make_plan(request))
        except PlannerError as exc:
            rows.append(exc)
    return rows


def _same_cell(got: str, want: str, where: str) -> None:
    try:
        got_number, want_number = float(got), float(want)
    except ValueError:
        assert got == want, where
        return
    assert got_number == pytest.approx(want_number, rel=1e-9, abs=0.0), where


def _check_csv(text: str, singles: list[PlanResponse | Exception]) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(singles)
    for index, (row, single) in enumerate(zip(rows, singles, strict=True)):
        if isinstance(single, PlannerError):
            assert row["error"] == single.to_dict()["error"], index
            assert row["error_detail"] == single.to_dict()["detail"], index
            continue
        assert isinstance(single, PlanResponse)
        want = sweep_records(SweepResponse(rows=[single], catalog_version=CATALOG.version))[0]
        assert list(row) == list(want), index
        for column, cell in row.items():
            expected = "" if want[column] is None else str(want[column])
            if column == "index":
                expected = str(index)
            _same_cell(cell, expected, f"row {index} {column}")


def _check_json(body: dict[str, Any], singles: list[PlanResponse | Exception]) -> None:
    assert body["catalog_version"] == CATALOG.version
    assert len(body["rows"]) == len(singles)
    for index, (row, single) in enumerate(zip(body["rows"], singles, strict=True)):
        if isinstance(single, PlannerError):
            assert row["index"] == index
            assert row["error"] == single.to_dict()["error"], index
            assert row["detail"] == single.to_dict()["detail"], index
            continue
        assert isinstance(single, PlanResponse)
        assert_same(row, single.model_dump(mode="json"), f"rows[{index}]")


_LAW_CASES = [
    ({}, {}),
    ({"loss": "hoffmann2022"}, {}),
    ({"loss": "kaplan2020"}, {}),
    ({"loss": "muennighoff2023"}, {}),
    ({"allocation": "hoffmann2022"}, {}),
    ({"allocation": "deepseek2024"}, {}),
    ({}, {"max_params": 1e8, "max_tokens": 1e10}),
    ({}, {"max_params": 2e9}),
]


@pytest.mark.parametrize(("laws", "constraints"), _LAW_CASES)
def test_post_and_get_sweeps_equal_single_plans(
    client: TestClient, laws: dict[str, str], constraints: dict[str, float]
) -> None:
    """Budgets 1e15-1e28 (too small, plain, saturated, capped, failed rows), every format and
    method: each row is the single plan of its budget (or its error)."""
    common: dict[str, Any] = {}
    if laws:
        common["laws"] = laws
    if constraints:
        common["constraints"] = constraints
    start, stop, num = 1.3e15, 1.7e28, 14
    budgets = [float(c) for c in np.geomspace(start, stop, num)]
    singles = _single_rows(budgets, common)
    body = {"budgets": [{"flops": c} for c in budgets], **common}
    query = {"start": start, "stop": stop, "num": num, **laws, **constraints}
    for fmt in ("csv", "json"):
        posted = client.post(f"/v1/sweep?format={fmt}", json=body)
        got = client.get("/v1/sweep", params={**query, "format": fmt})
        for response in (posted, got):
            assert response.status_code == 200, response.text[:500]
            if fmt == "csv":
                _check_csv(response.text, singles)
            else:
                _check_json(response.json(), singles)


@pytest.mark.slow
@pytest.mark.parametrize(
    "how",
    ["csv of FLOPs budgets", "summary of FLOPs budgets", "GET csv of GPU-hour budgets"],
)
def test_ten_thousand_row_sweep_answers_in_time(client: TestClient, how: str) -> None:
    """Issue 13: a 10,000-budget sweep answers in under 2 s on a quiet 2-core host (measured
    1.1-1.3 s through HTTP for each of these); guarded at 4 s here so a noisy shared CI machine
    does not fail it (best of two runs), which still fails a sweep planned row by row (about
    8 s)."""
    fresh = iter(range(1, 100))
    times = []
    for _ in range(2):
        scale = 1 + 1e-7 * next(fresh)
        started = time.perf_counter()
        if how.startswith("GET"):
            response = client.get(
                "/v1/sweep",
                params={
                    "start": 10 * scale,
                    "stop": 1e7,
                    "num": 10_000,
                    "quantity": "gpu_hours",
                    "gpu": "h100",
                    "mfu": 0.4,
                    "format": "csv",
                },
            )
        else:
            budgets = [float(c) for c in np.logspace(15, 28, 10_000) * scale]
            body: dict[str, Any] = {"budgets": [{"flops": c} for c in budgets]}
            if how.startswith("summary"):
                body["detail"] = "summary"
            response = client.post(
                "/v1/sweep" if "summary" in how else "/v1/sweep?format=csv", json=body
            )
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:500]
        if how.startswith("summary"):
            assert len(response.json()["rows"]) == 10_000
        else:
            assert response.text.count("\n") == 10_001
    assert min(times) < 4.0, times
