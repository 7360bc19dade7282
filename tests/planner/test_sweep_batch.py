"""The batch path's CSV records are the single plans' records (issue 13), row by row.

The sweep identity tests go through the endpoints; here the records written by
:func:`planner.planning.sweep.batch.batch_records` are held directly to ``make_plan`` of each
budget over wide random budgets, several loss laws and loss tolerances, and the test checks
that the batch path answered (nearly) every row itself, so it is this path being tested.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG
from planner import PlanRequest, make_plan
from planner.api.app import create_app
from planner.config import Settings
from planner.errors import PlannerError
from planner.planning.sweep.batch import batch_records
from planner.planning.sweep.csv_table import sweep_records
from planner.schemas.requests import SweepRequest
from planner.schemas.responses import SweepResponse


def _same(got: object, want: object, where: str) -> None:
    if isinstance(want, float) and isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-9, abs=0.0), where
    else:
        assert got == want, where


@pytest.mark.parametrize(
    ("laws", "tolerance", "share"),
    [
        ({}, None, 0.9),
        ({}, 0.0, 0.9),
        ({}, 0.05, 0.0),  # most rows need the saturation search: make_plan runs it
        ({"loss": "hoffmann2022"}, None, 0.9),
        ({"loss": "muennighoff2023"}, None, 0.9),
    ],
)
def test_batch_records_equal_single_plans(
    laws: dict[str, str], tolerance: float | None, share: float
) -> None:
    rng = np.random.default_rng(len(laws) * 10 + int(100 * (tolerance or 0)))
    budgets = (10 ** rng.uniform(14.5, 28.5, 120)).tolist()
    extra: dict[str, Any] = {} if tolerance is None else {"loss_tolerance": tolerance}
    common: dict[str, Any] = {"laws": laws} if laws else {}
    request = SweepRequest.model_validate(
        {"budgets": [{"flops": c, **extra} for c in budgets], **common}
    )
    records = batch_records(request)
    assert records is not None
    answered = 0
    for index, (flops, record) in enumerate(zip(budgets, records, strict=True)):
        if record is None:
            continue
        answered += 1
        try:
            single = make_plan(
                PlanRequest.model_validate({"budget": {"flops": flops, **extra}, **common})
            )
        except PlannerError as exc:  # pragma: no cover - a batch row must be a plan
            raise AssertionError(f"budgets[{index}]: batch answered, make_plan raised") from exc
        response = SweepResponse(rows=[single], catalog_version=CATALOG.version)
        want = sweep_records(response)[0] | {"index": index}
        assert list(record) == list(want)
        for column, value in want.items():
            _same(record[column], value, f"budgets[{index}].{column}")
    assert answered >= share * len(budgets)


def test_other_questions_are_not_batched() -> None:
    for body in (
        {"budgets": [{"flops": 1e21}], "constraints": {"max_params": 1e9}},
        {"budgets": [{"flops": 1e21}], "laws": {"loss": "kaplan2020"}},
        {"budgets": [{"flops": 1e21}], "laws": {"allocation": "hoffmann2022"}},
        {"budgets": [{"flops": 1e21}], "min_severity": "warning"},
        {"budgets": [{"flops": 1e21}], "uncertainty": True},
        {"targets": [{"loss": 2.5}]},
    ):
        assert batch_records(SweepRequest.model_validate(body)) is None, body
    mixed = SweepRequest.model_validate(
        {"budgets": [{"flops": 1e21}, {"gpu": "h100", "gpu_hours": 1e5, "mfu": 0.4}]}
    )
    records = batch_records(mixed)
    assert records is not None
    assert records[0] is not None
    assert records[1] is None  # hardware budgets are planned one by one


def test_the_deadline_stops_a_batched_sweep() -> None:
    """The batch path checks the request's deadline between its steps and within its loops:
    a 10,000-row CSV sweep given 50 ms answers 503 DeadlineExceeded, well before it could end."""
    settings = Settings(redis_url=None, request_deadline_seconds=0.05)
    budgets = [float(c) for c in np.logspace(15, 28, 10_000) * (1 + 3e-7)]
    with TestClient(create_app(settings)) as client:
        started = time.perf_counter()
        response = client.post(
            "/v1/sweep?format=csv", json={"budgets": [{"flops": c} for c in budgets]}
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 503, response.text[:300]
    assert response.json()["error"] == "DeadlineExceeded"
    assert "sweep" in response.json()["detail"]
    assert elapsed < 5.0, elapsed
