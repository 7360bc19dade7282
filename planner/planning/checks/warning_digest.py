"""The warnings of one answer, made readable: one extrapolation warning per law, no
duplicates, the most serious first, and only those at or above the requested severity."""

from __future__ import annotations

from collections.abc import Iterable

from ...schemas.responses import AnswerWarning, OutOfRange
from ...schemas.severity import Severity, at_least
from ..laws.validity import extrapolation_warning

__all__ = ["digest"]

_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _merge_extrapolations(warnings: list[AnswerWarning]) -> list[AnswerWarning]:
    """Every structured ``outside_fitted_range`` of a law becomes one, where the first was."""
    items: dict[str | None, list[OutOfRange]] = {}
    for warning in warnings:
        if warning.code == "outside_fitted_range" and warning.out_of_range:
            items.setdefault(warning.law, []).extend(warning.out_of_range)
    merged: list[AnswerWarning] = []
    placed: set[str | None] = set()
    for warning in warnings:
        if warning.code != "outside_fitted_range" or not warning.out_of_range:
            merged.append(warning)
        elif warning.law not in placed:
            placed.add(warning.law)
            single = extrapolation_warning(warning.law, items[warning.law])
            assert single is not None
            merged.append(single)
    return merged


def digest(
    warnings: Iterable[AnswerWarning], min_severity: Severity = "info"
) -> list[AnswerWarning]:
    """Merged per law, deduplicated, ordered critical -> info, filtered by ``min_severity``."""
    unique: list[AnswerWarning] = []
    seen: set[str] = set()
    for warning in _merge_extrapolations(list(warnings)):
        key = warning.model_dump_json()
        if key not in seen:
            seen.add(key)
            unique.append(warning)
    kept = [w for w in unique if at_least(w.severity, min_severity)]
    return sorted(kept, key=lambda w: _ORDER[w.severity])
