"""Largest parameter count that meets a latency or memory limit under the roofline model.

For a fixed device, number format, stream count, batch and context the limits become one
monomial bound ``N <= N_max`` for the planner's geometric program:

* with a fixed shape (a :class:`ServedModel` template: layers, KV heads, head size kept,
  parameters varied) every term of the roofline is affine in N with a positive slope, so
  ``N_max`` is in closed form (the tightest of the compute, memory and capacity branches);
* with a shape rule (a callable ``N -> ServedModel``, e.g. from a shape module) the KV and
  attention terms grow with N through the shape; ``N_max`` is found by bracketing root
  search (scipy ``brentq`` on log N). The rule must make latency/memory non-decreasing in N.

>>> from laws_catalog.inference import Accelerators, ServedModel, ServingPrecision
>>> gpu = Accelerators(peak_flops=989.5e12, memory_bandwidth=3.35e12, memory_bytes=80e9)
>>> template = ServedModel(params=7e9, n_layer=32, n_kv_heads=8, d_head=128, d_model=4096)
>>> n = max_params_for_memory(80e9, template, ServingPrecision(2, 2), batch=8,
...                           context_tokens=4096)
>>> round(n / 1e9, 2)  # (80e9 - 8 x 4096 x 131,072 B of KV cache) / 2 bytes per weight
37.85
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy.optimize import brentq

from . import roofline
from ._serving import Accelerators, Efficiency, ServedModel, ServingPrecision

__all__ = [
    "NoFeasibleModel",
    "ShapeRule",
    "max_params_for_decode_latency",
    "max_params_for_memory",
    "max_params_for_time_to_first_token",
]

ShapeRule = Callable[[float], ServedModel]
"""Maps a parameter count to the served model's shape (params field equal to the argument)."""

_BOUNDS = (1e6, 1e14)


class NoFeasibleModel(ValueError):
    """No parameter count in range meets the limit (e.g. the KV cache alone exceeds memory)."""


def _affine_bound(
    metric: Callable[[ServedModel], float], template: ServedModel, limit: float
) -> float:
    """Largest N with ``metric(template.with_params(N)) <= limit`` for a metric affine in N."""
    n0 = template.params
    n1 = 2.0 * n0
    f0, f1 = metric(template), metric(template.with_params(n1))
    slope = (f1 - f0) / (n1 - n0)
    if slope <= 0:
        raise ValueError("the metric does not grow with the parameter count")
    return n0 + (limit - f0) / slope


def _smallest_params(template: ServedModel) -> float:
    return template.stream_shared_params + template.prefix_kv_params


def _template_bound(
    metrics: list[Callable[[ServedModel], float]], template: ServedModel, limit: float
) -> float:
    n_max = min(_affine_bound(metric, template, limit) for metric in metrics)
    if n_max <= _smallest_params(template):
        raise NoFeasibleModel(
            f"no model of this shape meets the limit {limit:.4g} (bound {n_max:.4g} parameters)"
        )
    return n_max


def _rule_bound(
    metric: Callable[[ServedModel], float],
    rule: ShapeRule,
    limit: float,
    bounds: tuple[float, float],
) -> float:
    lo, hi = bounds

    def excess(log_n: float) -> float:
        return metric(rule(math.exp(log_n))) - limit

    if excess(math.log(lo)) > 0:
        raise NoFeasibleModel(f"even {lo:.3g} parameters exceed the limit {limit:.4g}")
    if excess(math.log(hi)) <= 0:
        return hi
    root = brentq(excess, math.log(lo), math.log(hi), xtol=1e-12, rtol=1e-12)
    return float(math.exp(root))


def _solve(
    metrics: list[Callable[[ServedModel], float]],
    shape: ServedModel | ShapeRule,
    limit: float,
    bounds: tuple[float, float],
) -> float:
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive finite number, got {limit!r}")
    if isinstance(shape, ServedModel):
        return _template_bound(metrics, shape, limit)
    return min(_rule_bound(metric, shape, limit, bounds) for metric in metrics)


def max_params_for_decode_latency(
    latency_s: float,
    shape: ServedModel | ShapeRule,
    precision: ServingPrecision,
    hw: Accelerators,
    batch: int,
    context_tokens: float,
    efficiency: Efficiency | None = None,
    params_bounds: tuple[float, float] = _BOUNDS,
) -> float:
    """Largest N whose decode step at ``context_tokens`` takes at most ``latency_s`` seconds.

    Pass the *longest* context the deployment must serve (prompt + output): decode time grows
    with context. With a template ``shape`` the bound is exact in closed form; with a rule it
    is a root search (capped at ``params_bounds[1]``).
    """
    eff = efficiency or roofline.efficiency()

    def compute(s: ServedModel) -> float:
        step = roofline.decode_step(s, precision, hw, batch, context_tokens, eff)
        return step.compute_seconds + step.comm_seconds

    def memory(s: ServedModel) -> float:
        step = roofline.decode_step(s, precision, hw, batch, context_tokens, eff)
        return step.memory_seconds + step.comm_seconds

    return _solve([compute, memory], shape, latency_s, params_bounds)


def max_params_for_time_to_first_token(
    ttft_s: float,
    shape: ServedModel | ShapeRule,
    precision: ServingPrecision,
    hw: Accelerators,
    prompt_tokens: int,
    batch: int = 1,
    efficiency: Efficiency | None = None,
    params_bounds: tuple[float, float] = _BOUNDS,
) -> float:
    """Largest N whose prefill of ``prompt_tokens`` takes at most ``ttft_s`` seconds."""
    eff = efficiency or roofline.efficiency()

    def compute(s: ServedModel) -> float:
        step = roofline.prefill(s, precision, hw, batch, prompt_tokens, eff)
        return step.compute_seconds + step.comm_seconds

    def memory(s: ServedModel) -> float:
        step = roofline.prefill(s, precision, hw, batch, prompt_tokens, eff)
        return step.memory_seconds + step.comm_seconds

    return _solve([compute, memory], shape, ttft_s, params_bounds)


def max_params_for_memory(
    memory_bytes: float,
    shape: ServedModel | ShapeRule,
    precision: ServingPrecision,
    batch: int,
    context_tokens: float,
    prompt_tokens: int = 0,
    params_bounds: tuple[float, float] = _BOUNDS,
) -> float:
    """Largest N whose weights + KV cache (+ prefill logits) fit in ``memory_bytes``.

    ``memory_bytes`` is the whole replica's budget, e.g. ``hw.total_memory_bytes`` or a
    fraction of it left after framework reserves.
    """

    def total(s: ServedModel) -> float:
        return roofline.serving_memory(s, precision, batch, context_tokens, prompt_tokens).total

    return _solve([total], shape, memory_bytes, params_bounds)
