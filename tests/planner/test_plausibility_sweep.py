"""Property (issue 9): over budgets 1e15-1e28, every loss law and every route, no answer
breaks a plausibility bound without an ``implausible`` warning naming that quantity, and no
``implausible`` warning is raised for a quantity within its bound.

The bounds are restated here (not read from the planner) so the check is independent: loss
above ln V (V the plan's vocabulary, or 262,144 without one), vocabulary above 262,144, peak
LR above 0.01, fewer tokens than parameters.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from laws_catalog import CATALOG, AllocationLaw
from laws_catalog.loss import is_loss_law
from planner.errors import PlannerError
from planner.planning.plan.pipeline import make_plan
from planner.schemas.requests import PlanRequest
from planner.schemas.responses import PlanResponse

BUDGETS = [10.0**e for e in range(15, 29)]
LOSS_LAWS = sorted(law.id for law in CATALOG.all_laws() if is_loss_law(law))
ALLOCATIONS = sorted(law.id for law in CATALOG.all_laws() if isinstance(law, AllocationLaw))
ROUTES = ("budget", "max_params", "unique_tokens", "allocation", "serving_limit", "target")
#: routes a law cannot answer at all (a 422 naming why): Kaplan's L(N, D) is not of the
#: E + A/N^a + B/D^b form the repetition law discounts
UNAVAILABLE = {"kaplan2020": {"unique_tokens"}}


def breaches(answer: PlanResponse) -> set[str]:
    plan = answer.plan
    found = set()
    vocab = plan.vocab_size
    ln_v = math.log(vocab if vocab is not None else 262_144)
    if plan.loss > ln_v:
        found.add("loss")
    if vocab is not None and vocab > 262_144:
        found.add("vocab_size")
    if plan.learning_rate is not None and plan.learning_rate > 1e-2:
        found.add("learning_rate")
    if plan.tokens_per_param < 1:
        found.add("tokens_per_param")
    return found


def _body(route: str, law: str, flops: float, index: int, plain_loss: float) -> dict[str, Any]:
    body: dict[str, Any] = {"budget": {"flops": flops}, "laws": {"loss": law}}
    if route == "max_params":
        body["constraints"] = {"max_params": 1e8}
    elif route == "unique_tokens":
        body["data"] = {"unique_tokens": 1e6 * (flops / 1e15) ** 0.5}
    elif route == "allocation":
        body["laws"]["allocation"] = ALLOCATIONS[index % len(ALLOCATIONS)]
    elif route == "serving_limit":
        body["inference"] = {"device": "h100", "max_decode_latency_ms": 20}
    elif route == "target":
        body = {"target": {"loss": plain_loss}, "laws": {"loss": law}}
    return body


def _answer(body: dict[str, Any]) -> PlanResponse | None:
    """The plan, or None for a 4xx (a question this route cannot answer); 5xx propagate."""
    try:
        return make_plan(PlanRequest.model_validate(body))
    except PlannerError as exc:
        if exc.status_code >= 500:
            raise
        return None


@pytest.mark.slow
@pytest.mark.parametrize("law", LOSS_LAWS)
def test_no_bound_is_broken_without_its_warning(law: str) -> None:
    answered: Counter[str] = Counter()
    seen: set[str] = set()
    for index, flops in enumerate(BUDGETS):
        plain = _answer(_body("budget", law, flops, index, 0))
        if plain is None:
            continue
        for route in ROUTES:
            body = _body(route, law, flops, index, plain.plan.loss)
            answer = plain if route == "budget" else _answer(body)
            if answer is None:
                continue
            answered[route] += 1
            broken = breaches(answer)
            warned = {w.quantity for w in answer.warnings if w.code == "implausible"}
            assert broken == warned, (body, broken, warned)
            seen |= broken
            for warning in answer.warnings:
                if warning.code == "implausible":
                    assert warning.bound is not None
                    assert warning.basis
                    assert warning.severity in ("warning", "critical")
    # every route answered somewhere on the grid (a route failing everywhere tests nothing)
    assert set(answered) == set(ROUTES) - UNAVAILABLE.get(law, set()), answered
    # the grid reaches the bounds: every law's grid breaks at least these somewhere
    assert {"vocab_size", "learning_rate", "tokens_per_param"} <= seen, seen
