"""Plan and sweep latency beside their floors, measured in the same run.

Floors: a bare cvxpy DGP+DPP re-solve of ``min E + A N^-a + B D^-b s.t. 6 N D <= C`` (only C
changes between solves, so cvxpy re-uses its canonicalisation) and the closed-form Chinchilla
allocation. Every figure is a median over distinct budgets (log-uniform 1e18-1e27 unless said,
unique to the run) with min and max, and its ratio to the bare re-solve. Used by
``scripts/benchmark.py``; ``--quick`` takes fewer samples.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import cvxpy as cp

from laws_catalog import CATALOG
from laws_catalog.loss import is_loss_law, posynomial
from planner import PlanRequest, make_plan
from planner.optimize.closed_form import separable_pair_allocation
from planner.planning.sweep.run import sweep_json, sweep_summary_json, sweep_table
from planner.schemas.requests import SweepRequest

__all__ = ["bench_plans"]

Figure = dict[str, Any]


def _figure(samples: Sequence[float], floor: float | None = None, **extra: object) -> Figure:
    median = statistics.median(samples)
    out: Figure = {
        "n": len(samples),
        "median_ms": round(median * 1e3, 4),
        "min_ms": round(min(samples) * 1e3, 4),
        "max_ms": round(max(samples) * 1e3, 4),
    }
    if floor is not None:
        out["ratio_to_bare_resolve"] = round(median / floor, 3)
    out.update(extra)
    return out


def _each(fn: Callable[[Any], object], inputs: Sequence[Any]) -> list[float]:
    out = []
    for value in inputs:
        started = time.perf_counter()
        fn(value)
        out.append(time.perf_counter() - started)
    return out


def _budgets(rng: random.Random, count: int, low: float = 18.0, high: float = 27.0) -> list[float]:
    return [10 ** rng.uniform(low, high) for _ in range(count)]


def _bare_resolve() -> Callable[[float], object]:
    """The floor: the default law's program in cvxpy, compiled once, only C a parameter."""
    law = CATALOG.get("loss", "besiroglu2024")
    assert is_loss_law(law)
    posy = posynomial(law)
    (t_n, t_d) = posy.terms
    n = cp.Variable(pos=True)
    d = cp.Variable(pos=True)
    flops = cp.Parameter(pos=True)
    objective = posy.offset + t_n.coefficient * n**t_n.n_exponent
    objective += t_d.coefficient * d**t_d.d_exponent
    problem = cp.Problem(cp.Minimize(objective), [6.0 * n * d <= flops])
    assert problem.is_dgp(dpp=True)

    def solve(budget: float) -> object:
        flops.value = budget
        problem.solve(gp=True, solver=cp.CLARABEL)
        return n.value

    solve(1e21)
    return solve


def _sweep_figure(seconds: float, rows: int, floor: float) -> Figure:
    return {
        "seconds": round(seconds, 3),
        "ms_per_row": round(seconds / rows * 1e3, 4),
        "ratio_per_row_to_bare_resolve": round(seconds / rows / floor, 3),
    }


_SWEEP_KINDS: dict[str, Callable[[SweepRequest, int], object]] = {
    "csv": lambda request, rows: sweep_table(request, max_points=rows),
    "summary": lambda request, rows: sweep_summary_json(request, max_points=rows),
    "json": lambda request, rows: sweep_json(request, max_points=rows),
}
"""A sweep's answer in each form: CSV, the summary JSON (the CSV's table) and full JSON."""


def _ten_thousand_rows(rng: random.Random, floor: float, closed_form: float) -> dict[str, Figure]:
    """Issue 13's figure: a 10,000-budget sweep (1e15-1e28; CSV, summary JSON and full JSON)
    against its goal of 2 s, per row beside the bare re-solve and the closed-form allocation
    of the same run."""
    out: dict[str, Figure] = {}
    for kind, answer in _SWEEP_KINDS.items():
        budgets = [c * (1 + 1e-9 * rng.random()) for c in _budgets(rng, 10_000, 15.0, 28.0)]
        request = SweepRequest.model_validate({"budgets": [{"flops": c} for c in budgets]})
        started = time.perf_counter()
        answer(request, 10_000)
        seconds = time.perf_counter() - started
        out[f"sweep_10000_rows_{kind}"] = _sweep_figure(seconds, 10_000, floor) | {
            "goal_seconds": 2.0,
            "ratio_per_row_to_closed_form": round(seconds / 10_000 / closed_form, 3),
        }
    return out


def _plan(body: dict[str, Any]) -> object:
    return make_plan(PlanRequest.model_validate(body))


def bench_plans(quick: bool = False) -> dict[str, Figure]:
    rng = random.Random(time.time_ns())
    count = 40 if quick else 200
    few = 8 if quick else 30
    budgets = _budgets(rng, count)
    bare = _bare_resolve()
    floor_samples = _each(bare, budgets)
    floor = statistics.median(floor_samples)
    law = CATALOG.get("loss", "besiroglu2024")
    assert is_loss_law(law)
    (t_n, t_d) = posynomial(law).terms
    pair = (t_n.coefficient, -t_n.n_exponent, t_d.coefficient, -t_d.d_exponent)
    closed = _each(lambda c: separable_pair_allocation(pair, c / 6.0), budgets)
    _plan({"budget": {"flops": 1e21}})  # imports, caches
    out: dict[str, Figure] = {
        "floor_bare_cvxpy_resolve": _figure(floor_samples, floor),
        "floor_closed_form_allocation": _figure(closed, floor),
        "plan_default": _figure(_each(lambda c: _plan({"budget": {"flops": c}}), budgets), floor),
    }
    at_21 = _each(lambda c: _plan({"budget": {"flops": c}}), _budgets(rng, few, 21, 21.01))
    at_27 = _each(lambda c: _plan({"budget": {"flops": c}}), _budgets(rng, few, 27, 27.01))
    out["plan_at_1e21"] = _figure(at_21, floor)
    out["plan_at_1e27"] = _figure(
        at_27,
        floor,
        ratio_to_1e21_plan=round(statistics.median(at_27) / statistics.median(at_21), 3),
    )
    out["plan_max_params_binding"] = _figure(
        _each(
            lambda c: _plan({"budget": {"flops": c}, "constraints": {"max_params": 2e9}}),
            _budgets(rng, count // 2, 22, 24),
        ),
        floor,
    )
    out["plan_unique_tokens"] = _figure(
        _each(
            lambda c: _plan({"budget": {"flops": c}, "data": {"unique_tokens": 3e10}}),
            _budgets(rng, few * 2, 20, 24),
        ),
        floor,
    )
    out["plan_precision_training_auto"] = _figure(
        _each(
            lambda h: _plan(
                {
                    "budget": {"gpu": "h100", "gpu_hours": h, "mfu": 0.4},
                    "precision": {"training": "auto"},
                }
            ),
            _budgets(rng, few * 2, 3, 7),
        ),
        floor,
    )
    out["plan_latency_limit_streams_auto"] = _figure(
        _each(
            lambda c: _plan(
                {
                    "budget": {"flops": c},
                    "inference": {
                        "device": "h100",
                        "max_decode_latency_ms": 8.0,
                        "parallel_streams": "auto",
                    },
                }
            ),
            _budgets(rng, few, 22, 25),
        ),
        floor,
    )
    one_source: float | None = None
    for k in (1, 4, 16):
        sources = [
            {"name": f"s{i}", "unique_tokens": 1e10 * (1 + i), "quality": 1.0 + 0.1 * i}
            for i in range(k)
        ]

        def with_sources(flops: float, sources: list[dict[str, Any]] = sources) -> object:
            return _plan({"budget": {"flops": flops}, "data": {"sources": sources}})

        samples = _each(with_sources, _budgets(rng, max(few // 2, 3), 21, 23))
        median = statistics.median(samples)
        one_source = one_source or median
        out[f"plan_{k}_data_sources"] = _figure(
            samples, floor, ratio_to_k_times_one_source=round(median / (k * one_source), 3)
        )
    for rows in (100, 1000) if quick else (1000, 10_000):
        # each sweep gets budgets of its own (no memo answers); the JSON body holds every
        # full plan (~15 kB a row, 150 MB at 10,000 rows)
        for name, common in (
            ("", {}),
            ("_max_params_binding", {"constraints": {"max_params": 2e9}}),
        ):
            for kind in ("csv", "json"):
                request = SweepRequest.model_validate(
                    {"budgets": [{"flops": c} for c in _budgets(rng, rows)], **common}
                )
                started = time.perf_counter()
                _SWEEP_KINDS[kind](request, rows)
                seconds = time.perf_counter() - started
                out[f"sweep_{rows}_budgets{name}_{kind}"] = _sweep_figure(seconds, rows, floor)
    out.update(_ten_thousand_rows(rng, floor, statistics.median(closed)))
    return out
