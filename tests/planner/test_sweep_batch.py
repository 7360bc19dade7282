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
from planner.errors import InvalidRequest, PlannerError
from planner.planning.laws.selection import select_laws
from planner.planning.plan.account_checks import advise_vocabulary
from planner.planning.plan.model_account import account_model
from planner.planning.sweep.accounts import accounts_together
from planner.planning.sweep.batch import batch_records
from planner.planning.sweep.csv_table import sweep_records
from planner.planning.sweep.vocabulary import ParametricVocabulary
from planner.schemas.requests import Architecture, LawChoice, SweepRequest
from planner.schemas.responses import SweepResponse


def _same(got: object, want: object, where: str) -> None:
    if isinstance(want, float) and isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-9, abs=0.0), where
    else:
        assert got == want, where


@pytest.mark.parametrize(
    ("laws", "tolerance", "share", "limits"),
    [
        ({}, None, 0.9, {}),
        ({}, 0.0, 0.9, {}),
        ({}, 0.05, 0.0, {}),  # most rows need the saturation search: make_plan runs it
        ({"loss": "hoffmann2022"}, None, 0.9, {}),
        ({"loss": "muennighoff2023"}, None, 0.9, {}),
        # N without embeddings: the budget counts the vocabulary's FLOPs, settled row by row
        ({"loss": "kaplan2020"}, None, 0.8, {}),
        ({"loss": "kaplan2020"}, 0.0, 0.8, {}),
        # the published allocation: its closed form, the loss law at that point
        ({"allocation": "hoffmann2022"}, None, 0.5, {}),
        ({"allocation": "deepseek2024"}, None, 0.5, {}),
        ({"allocation": "kaplan2020"}, 0.0, 0.8, {}),
        ({"allocation": "deepseek2024", "loss": "kaplan2020"}, None, 0.5, {}),
        # limits bind on part of the range; rows they saturate go to make_plan
        ({}, None, 0.5, {"max_params": 2e9}),
        ({}, 0.0, 0.7, {"max_params": 2e9}),
        ({}, None, 0.5, {"min_tokens_per_param": 40.0, "max_tokens": 3e12}),
        ({}, None, 0.5, {"min_params": 1e9, "max_tokens_per_param": 60.0}),
        ({"loss": "hoffmann2022"}, None, 0.2, {"stay_in_fitted_range": True}),
    ],
)
def test_batch_records_equal_single_plans(
    laws: dict[str, str], tolerance: float | None, share: float, limits: dict[str, Any]
) -> None:
    rng = np.random.default_rng(len(laws) * 10 + int(100 * (tolerance or 0)) + len(limits))
    budgets = (10 ** rng.uniform(14.5, 28.5, 120)).tolist()
    extra: dict[str, Any] = {} if tolerance is None else {"loss_tolerance": tolerance}
    common: dict[str, Any] = {"laws": laws} if laws else {}
    if limits:
        common["constraints"] = limits
    _rows_are_single_plans(budgets, common, extra, share)


def _rows_are_single_plans(
    budgets: list[float], common: dict[str, Any], extra: dict[str, Any], share: float
) -> list[dict[str, object] | None]:
    """Every batch record equals its single plan's; at least ``share`` of the rows batched."""
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
    return records


@pytest.mark.parametrize(
    ("laws", "min_severity"),
    [
        ({}, "warning"),
        ({}, "critical"),
        ({"loss": "kaplan2020"}, "warning"),
        ({"allocation": "deepseek2024"}, "warning"),
        ({"allocation": "kaplan2020"}, "critical"),
    ],
)
def test_warnings_filtered_by_severity_are_the_single_plans(
    laws: dict[str, str], min_severity: str
) -> None:
    """``min_severity`` keeps the warning codes a single plan keeps: an extrapolation by how
    far it goes, a caveat, an implausible number by the bound it breaks. The same budgets
    without the filter show codes the filter drops, so the filter is what is tested."""
    budgets = np.geomspace(1e14, 1e29, 90).tolist()
    common: dict[str, Any] = {"laws": laws, "min_severity": min_severity}
    filtered = _rows_are_single_plans(budgets, common, {}, 0.8)
    everything = batch_records(
        SweepRequest.model_validate({"budgets": [{"flops": c} for c in budgets], "laws": laws})
    )
    assert everything is not None
    dropped = [
        i
        for i, (kept, every) in enumerate(zip(filtered, everything, strict=True))
        if kept is not None and every is not None and kept["warnings"] != every["warnings"]
    ]
    assert dropped


def test_other_questions_are_not_batched() -> None:
    for body in (
        {"budgets": [{"flops": 1e21}], "constraints": {"max_learning_rate": 1e-4}},
        {
            "budgets": [{"flops": 1e21}],
            "laws": {"loss": "kaplan2020"},
            "constraints": {"max_params": 1e9},
        },
        {
            "budgets": [{"flops": 1e21}],
            "laws": {"allocation": "hoffmann2022"},
            "constraints": {"max_params": 1e9},
        },
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
    assert records[1] is not None  # GPU time converts to FLOPs as a single plan converts it


_HARDWARE_BUDGETS: list[dict[str, Any]] = [
    {"gpu": "h100", "gpu_hours": 1e5, "mfu": 0.4},
    {"gpu": "h100", "gpu_hours": 3e3, "mfu": 0.35, "price_per_gpu_hour": 2.5},
    {"gpu": "h100", "dollars": 2e6, "price_per_gpu_hour": 2.5, "mfu": 0.4},
    {"gpu": "a100", "gpu_count": 512, "hours": 720, "mfu": 0.45},
    {"gpu": "h100", "gpu_hours": 1e4, "mfu": 0.4, "number_format": "fp8"},
    {"flops": 3e22, "gpu": "h100", "mfu": 0.4, "price_per_gpu_hour": 2.0},
    {"gpu": "h100", "gpu_hours": 1e-9, "mfu": 0.4},  # buys too little: make_plan says so
    {"gpu": "no_such_gpu", "gpu_hours": 1e4, "mfu": 0.4},  # unknown: make_plan says so
]


def test_hardware_budgets_are_the_single_plans_records() -> None:
    """Budgets in GPU-hours, GPU count x hours and dollars (and FLOPs priced on a GPU) are
    planned together with the FLOPs rows; their records, budget columns included, are the
    single plans' records, and a budget the conversion refuses is left to make_plan."""
    scale = np.geomspace(0.01, 100.0, 7).tolist()
    budgets: list[dict[str, Any]] = []
    for base in _HARDWARE_BUDGETS:
        for factor in scale:
            amount = next(k for k in ("flops", "gpu_hours", "dollars", "hours") if k in base)
            budgets.append(base | {amount: base[amount] * factor})
    request = SweepRequest.model_validate({"budgets": budgets})
    records = batch_records(request)
    assert records is not None
    answered = 0
    for index, (budget, record) in enumerate(zip(budgets, records, strict=True)):
        try:
            single = make_plan(PlanRequest.model_validate({"budget": budget}))
        except PlannerError:
            assert record is None, budgets[index]
            continue
        if record is None:
            continue
        answered += 1
        response = SweepResponse(rows=[single], catalog_version=CATALOG.version)
        want = sweep_records(response)[0] | {"index": index}
        assert list(record) == list(want)
        for column, value in want.items():
            _same(record[column], value, f"budgets[{index}].{column}")
    assert answered >= 0.8 * (len(budgets) - 2 * len(scale))


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


def test_accounts_gathered_across_rows_are_the_single_accounts() -> None:
    """The model account asks its shape and vocabulary questions through one generator
    (:func:`account_steps`); a plan answers them one by one (:func:`account_model`), the batch
    path answers many rows' questions together, with a vectorised vocabulary root and whole
    advice built only where a row settled. Both must give the same account, field by field
    and bit for bit (the warnings and the vocabulary advice included), over parameter counts
    from below the shape rule's range to far above it, each at several budgets."""
    rng = np.random.default_rng(13)
    n_law = (10 ** rng.uniform(6.0, 14.5, 400)).tolist()
    flops = [n * 6.0 * 10 ** rng.uniform(0.0, 3.0) for n in n_law]
    vocab_law = select_laws(LawChoice()).vocabulary
    gathered = accounts_together(
        range(len(n_law)),
        n_law,
        flops,
        params_quantity="n_params_total",
        architecture=Architecture(),
        vocab_law=vocab_law,
    )
    single_errors = 0
    for i, (n, c) in enumerate(zip(n_law, flops, strict=True)):
        try:
            single = account_model(n, "n_params_total", c, Architecture(), vocab_law)
        except InvalidRequest:
            single_errors += 1
            assert gathered[i] is None, i
            continue
        assert gathered[i] == single, (i, n, c)
    assert single_errors < len(n_law) // 4  # the rows are mostly accounts, not errors


def test_gathered_vocabulary_is_the_law_s_own_advice() -> None:
    """The vectorised Approach-3 root gives each row the scalar law's advice exactly."""
    rng = np.random.default_rng(7)
    n_nv = (10 ** rng.uniform(7.0, 13.0, 2000)).tolist()
    d_model = [float(d) for d in rng.integers(256, 20_000, 2000)]
    flops = [6.0 * n * 10 ** rng.uniform(0.5, 3.5) for n in n_nv]
    vocab_law = select_laws(LawChoice()).vocabulary
    prepared = ParametricVocabulary.of(vocab_law)
    assert prepared is not None
    sizes = prepared.vocab_params(n_nv, flops, d_model)
    for n, c, d, vocab_params in zip(n_nv, flops, d_model, sizes, strict=True):
        want = advise_vocabulary(vocab_law, n, c, d)
        assert vocab_params is not None
        assert prepared.advice(n, c, d, vocab_params) == want
        assert vocab_params / d == want.vocab_size
