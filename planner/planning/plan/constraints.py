"""Collect the limits of one question: the user's constraints and, on request, every law's
fitted range, as posynomial constraints. Coinciding limits keep all their labels so the
response can name each request field that binds."""

from __future__ import annotations

from collections.abc import Iterable

from laws_catalog import AnyLaw, PowerTerm

from ...optimize.program import Constraint, bound, compute_budget, compute_floor
from ...schemas.requests import Constraints

__all__ = ["NO_BUDGET_FLOPS", "collect_bounds", "named_limits"]

NO_BUDGET_FLOPS = 1e300
"""The budget of a target question, which has none: finite (the data-constrained frontier
needs a ``c_max``) and far above any compute a plan can reach."""

_USER_FIELDS = {
    "max_params": "n_max",
    "min_params": "n_min",
    "max_tokens": "d_max",
    "min_tokens": "d_min",
    "max_tokens_per_param": "r_max",
    "min_tokens_per_param": "r_min",
}
_RANGE_PREFIX = {"n_tokens": "d", "tokens_per_param": "r", "flops": "c"}


def _merge(found: dict[str, tuple[float, list[str]]], key: str, value: float, label: str) -> None:
    current = found.get(key)
    if current is None:
        found[key] = (value, [label])
        return
    if abs(value / current[0] - 1) < 1e-12:
        current[1].append(label)
        return
    tighter = value < current[0] if key.endswith("_max") else value > current[0]
    if tighter:
        found[key] = (value, [label])


def named_limits(
    constraints: Constraints,
    *,
    params_quantity: str,
    laws: Iterable[AnyLaw] = (),
    budget: tuple[float, str] | None = None,
) -> dict[str, tuple[float, list[str]]]:
    """The user's limits (and fitted ranges on request) by limit name -> (value, labels).

    Names are those of :func:`planner.optimize.program.named_limit`; a budget becomes
    ``c_max`` merged with any fitted FLOPs range (the tighter wins).
    """
    found = _collect(constraints, params_quantity, laws)
    if budget is not None:
        _merge(found, "c_max", budget[0], budget[1])
    return found


def _collect(
    constraints: Constraints, params_quantity: str, laws: Iterable[AnyLaw]
) -> dict[str, tuple[float, list[str]]]:
    found: dict[str, tuple[float, list[str]]] = {}
    for field, key in _USER_FIELDS.items():
        value = getattr(constraints, field)
        if value is not None:
            _merge(found, key, value, f"constraints.{field}")
    if constraints.stay_in_fitted_range:
        for law in laws:
            for quantity, interval in law.validity.items():
                prefix = "n" if quantity == params_quantity else _RANGE_PREFIX.get(quantity)
                if prefix is None:
                    continue
                label = f"fitted_range:{law.key}.{quantity}"
                _merge(found, f"{prefix}_min", interval.lower, label)
                _merge(found, f"{prefix}_max", interval.upper, label)
    return found


def collect_bounds(
    constraints: Constraints,
    *,
    params_quantity: str,
    compute_terms: tuple[PowerTerm, ...],
    laws: Iterable[AnyLaw] = (),
) -> list[Constraint]:
    """The user's limits, plus each law's fitted range when ``stay_in_fitted_range``.

    A range on a parameter count in another convention than ``params_quantity`` cannot be
    imposed and is left to the warnings. A FLOPs range bounds ``compute_terms``.
    """
    found = _collect(constraints, params_quantity, laws)
    out = []
    for key, (value, labels) in found.items():
        if key == "c_max":
            out.append(compute_budget(compute_terms, value, tuple(labels), key="c_range_max"))
        elif key == "c_min":
            out.append(compute_floor(compute_terms[:1], value, tuple(labels)))
        else:
            out.append(bound(key, value, tuple(labels)))
    return out
