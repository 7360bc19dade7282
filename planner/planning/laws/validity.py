"""One warning per law whose fitted range the answer leaves (never clipped silently).

Every quantity outside the range is named in ``out_of_range``; the warning's severity follows
the largest extrapolation factor (:func:`planner.schemas.severity.extrapolation_severity`).
A law's standing caveats are not warnings: they travel in its provenance entry
(:func:`planner.planning.laws.provenance.law_use`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from laws_catalog import AnyLaw

from ...schemas.responses import AnswerWarning, OutOfRange
from ...schemas.severity import extrapolation_severity

__all__ = ["extrapolation_warning", "fit_warnings", "range_warnings"]

FIT_CAVEAT = "fit: "
"""Caveats a law fitted to the user's runs carries about its own fit (weakly identified, few
sizes): unlike a paper's standing caveats, they are warnings on every answer that uses it."""


def range_warnings(law: AnyLaw, values: Mapping[str, float]) -> list[AnswerWarning]:
    """At most one warning: every quantity of ``values`` outside ``law``'s fitted range."""
    found = [
        OutOfRange(
            quantity=item.quantity,
            value=item.value,
            fitted_range=(item.interval.lower, item.interval.upper),
            factor=item.factor,
            source=item.interval.source,
        )
        for item in law.out_of_range(values)
    ]
    warning = extrapolation_warning(law.key, found)
    return [] if warning is None else [warning]


def _describe(item: OutOfRange) -> str:
    lo, hi = item.fitted_range
    side = "above" if item.value > hi else "below"
    return f"{item.quantity} = {item.value:.4g} ({side} [{lo:.4g}, {hi:.4g}], x{item.factor:.3g})"


def extrapolation_warning(law: str | None, items: Iterable[OutOfRange]) -> AnswerWarning | None:
    """The single extrapolation warning of ``law`` naming every item (worst first)."""
    unique: dict[str, OutOfRange] = {}
    for item in items:
        kept = unique.get(item.quantity)
        if kept is None or item.factor > kept.factor:
            unique[item.quantity] = item
    if not unique:
        return None
    ordered = sorted(unique.values(), key=lambda item: -item.factor)
    worst = ordered[0]
    return AnswerWarning(
        code="outside_fitted_range",
        message=f"{law or 'the law'} is extrapolated: "
        + "; ".join(_describe(item) for item in ordered)
        + f". Largest extrapolation x{worst.factor:.3g} ({worst.quantity})",
        law=law,
        quantity=worst.quantity,
        value=worst.value,
        fitted_range=worst.fitted_range,
        severity=extrapolation_severity(worst.factor),
        factor=worst.factor,
        out_of_range=ordered,
    )


def fit_warnings(law: AnyLaw) -> list[AnswerWarning]:
    """The fit-quality caveats of a law fitted to the user's runs, as warnings."""
    return [
        AnswerWarning(code="law_caveat", message=caveat, law=law.key, severity="warning")
        for caveat in law.caveats
        if caveat.startswith(FIT_CAVEAT)
    ]
