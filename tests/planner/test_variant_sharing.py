"""Variants that pose the very same program are solved and laid out once (issue 13).

On one GPU, BF16 and FP16 train at the same dense peak and neither carries a precision
penalty, so ``precision.training: "auto"`` poses the same geometric program twice. Counted
here: solves, shape searches and vocabulary-law calls per plan; and the answers are those of
solving every variant on its own, number for number (bit for bit: the same inputs, the same
computation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import planner.planning.plan.model_account as model_account
import planner.planning.routes.gp as route_budget
from planner import PlanRequest, make_plan

H100_AUTO = [
    {"budget": {"gpu": "h100", "gpu_hours": hours, "mfu": 0.4}, "precision": {"training": "auto"}}
    for hours in (2e3, 1e5, 3e6)
]
FLOPS_AUTO = [{"budget": {"flops": c}, "precision": {"training": "auto"}} for c in (1e21, 1e24)]
DISTINCT = [
    {"budget": {"flops": 1e23}, "precision": {"training": "bf16"}},
    {"budget": {"flops": 1e23}},
]


class Counts:
    def __init__(self) -> None:
        self.solves = 0
        self.shapes = 0
        self.vocabulary = 0


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    found = Counts()
    solve, shape, advise = (
        route_budget._solve_variant,
        model_account.shape_for_non_embedding_params,
        model_account.advise_vocabulary,
    )

    def counted_solve(*args: Any) -> Any:
        found.solves += 1
        return solve(*args)

    def counted_shape(*args: Any, **kwargs: Any) -> Any:
        found.shapes += 1
        return shape(*args, **kwargs)

    def counted_advise(*args: Any) -> Any:
        found.vocabulary += 1
        return advise(*args)

    monkeypatch.setattr(route_budget, "_solve_variant", counted_solve)
    monkeypatch.setattr(model_account, "shape_for_non_embedding_params", counted_shape)
    monkeypatch.setattr(model_account, "advise_vocabulary", counted_advise)
    model_account._searched_shape.cache_clear()  # count every search, not the memo's
    yield found
    model_account._searched_shape.cache_clear()


def _plan(body: dict[str, Any]) -> dict[str, Any]:
    return make_plan(PlanRequest.model_validate(body)).model_dump(mode="json")


def _unshared(monkeypatch: pytest.MonkeyPatch, body: dict[str, Any]) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(route_budget, "_same_program", lambda *_: None)
        return _plan(body)


@pytest.mark.parametrize("body", H100_AUTO + FLOPS_AUTO + DISTINCT)
def test_shared_answers_are_the_unshared_ones(
    monkeypatch: pytest.MonkeyPatch, body: dict[str, Any]
) -> None:
    assert _plan(body) == _unshared(monkeypatch, body)


@pytest.mark.parametrize("body", H100_AUTO + FLOPS_AUTO)
def test_the_same_program_is_solved_once(counts: Counts, body: dict[str, Any]) -> None:
    plan = _plan(body)
    assert plan["precision"]["training"] is not None
    options = plan["precision"]["training"]["options"]
    programs = {(o["flops"], o["penalty"] == 0.0 or o["format"]) for o in options}
    assert {"bf16", "fp16"} <= {o["format"] for o in options}
    assert len(programs) == len(options) - 1  # BF16 and FP16 pose one program
    bf16, fp16 = (next(o for o in options if o["format"] == f) for f in ("bf16", "fp16"))
    assert {k: v for k, v in bf16.items() if k != "format"} == {
        k: v for k, v in fp16.items() if k != "format"
    }
    assert counts.solves == len(programs)  # the saturation probe is skipped here
    # per program laid out: one vocabulary/width fixed point with a few shape searches, and
    # a few vocabulary-law calls (not one per iteration of a loop per variant)
    assert counts.shapes <= 3 * counts.solves
    assert counts.vocabulary <= 5 * counts.solves + 1


def test_serving_limits_solve_every_variant(counts: Counts) -> None:
    """Under serving limits each solve starts from the vocabulary the previous variant
    settled, so equal programs are not assumed to give equal answers."""
    body = {
        "budget": {"flops": 1e23},
        "precision": {"training": "auto"},
        "inference": {"device": "h100", "max_decode_latency_ms": 20.0},
    }
    plan = _plan(body)
    assert counts.solves >= len(plan["precision"]["training"]["options"])
