"""How much a warning matters: one table from warning code to severity.

``critical``: the number is not to be trusted as given (worse than a uniform guess, far beyond
any fitted range). ``warning``: read before acting on the plan. ``info``: context, counted by
the CLI but not printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

__all__ = [
    "DEFAULT_SEVERITY",
    "SEVERITY_BY_CODE",
    "Severity",
    "at_least",
    "extrapolation_severity",
    "gravest",
    "severity_of",
]

Severity = Literal["info", "warning", "critical"]

_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}

#: the severity a warning code carries unless its producer states one (``implausible``
#: bounds and ``outside_fitted_range`` state theirs: see :func:`extrapolation_severity`)
SEVERITY_BY_CODE: dict[str, Severity] = {
    "implausible": "critical",
    "compute_saturated": "warning",
    "flops_accounting_gap": "warning",
    "allocation_overridden": "warning",
    "convention_mismatch": "warning",
    "solver_inaccurate": "warning",
    "outside_fitted_range": "warning",
    "law_caveat": "info",
    "learning_rate_capped": "info",
}
DEFAULT_SEVERITY: Severity = "warning"
"""Severity of a code missing from the table (new codes are read until classified)."""

#: extrapolation factor (value / fitted bound, or bound / value) up to which an out-of-range
#: input is ``info`` (power laws are routinely used a few-fold past their fits), then
#: ``warning``; beyond the second bound ``critical`` (three orders of magnitude past the data)
EXTRAPOLATION_STEPS = (10.0, 1000.0)


def severity_of(code: str) -> Severity:
    return SEVERITY_BY_CODE.get(code, DEFAULT_SEVERITY)


def extrapolation_severity(factor: float) -> Severity:
    info_up_to, warning_up_to = EXTRAPOLATION_STEPS
    if factor <= info_up_to:
        return "info"
    return "warning" if factor <= warning_up_to else "critical"


def at_least(severity: str, minimum: str) -> bool:
    """Whether ``severity`` is ``minimum`` or more serious."""
    return _RANK.get(severity, _RANK[DEFAULT_SEVERITY]) >= _RANK[minimum]


def gravest(severities: Iterable[Severity]) -> Severity:
    """The most serious of ``severities`` (at least one)."""
    return max(severities, key=lambda severity: _RANK[severity])
