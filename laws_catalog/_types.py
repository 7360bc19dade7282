"""The parts of a law record (:class:`laws_catalog.law.Law`) and of its golden vectors.

A law cannot be built without its :class:`Reference`, its validity ranges and at least one
named :class:`ConstantSet`; each constant set carries its source locator and an
:class:`Evidence` tag. These are frozen pydantic models so that the HTTP layer can show
them as they are, and so that a typo in a law module fails at import time, not at request
time.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ConstantSet",
    "Evidence",
    "GoldenVector",
    "Interval",
    "ParameterUncertainty",
    "Reference",
]


class Evidence(StrEnum):
    """How well a number was checked, as recorded with each constant set and golden vector.

    ``verified``: seen in the paper text or the authors' code/data.
    ``verified_secondary``: several independent transcriptions agree; not seen in the paper.
    ``derived``: computed from verified numbers by stated arithmetic (tests our code).
    ``fitted_here``: fitted by this project from published data (method documented).
    ``uncertain``: one weak source, or sources disagree.
    """

    VERIFIED = "verified"
    VERIFIED_SECONDARY = "verified_secondary"
    DERIVED = "derived"
    FITTED_HERE = "fitted_here"
    UNCERTAIN = "uncertain"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reference(_Frozen):
    """A citable source. ``arxiv`` or ``doi`` is required so a reader can find it."""

    authors: str
    title: str
    year: int = Field(ge=1900, le=2100)
    arxiv: str | None = None
    doi: str | None = None
    venue: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _needs_identifier(self) -> Reference:
        if not (self.arxiv or self.doi or self.url):
            raise ValueError(f"reference {self.title!r} needs an arXiv id, DOI or URL")
        return self

    def short(self) -> str:
        """``"Hoffmann et al. 2022, arXiv:2203.15556"``-style one-liner."""
        ident = f"arXiv:{self.arxiv}" if self.arxiv else (self.doi or self.url or "")
        return f"{self.authors} {self.year}, {ident}"


class Interval(_Frozen):
    """Closed range ``[lower, upper]`` of a quantity a law was fitted on.

    ``source`` says where the bound comes from (a paper's setting section, the range of a
    released data file, ...), because fitted ranges are themselves claims that need a locator.
    """

    lower: float = Field(gt=0)
    upper: float = Field(gt=0)
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)):
            raise ValueError("interval bounds must be finite")
        if self.lower > self.upper:
            raise ValueError(f"empty interval [{self.lower}, {self.upper}]")
        return self

    def contains(self, value: float, rel_tol: float = 1e-9) -> bool:
        return self.lower * (1 - rel_tol) <= value <= self.upper * (1 + rel_tol)


class ParameterUncertainty(_Frozen):
    """Published uncertainty of one constant: a standard error and/or an interval."""

    standard_error: float | None = None
    interval: tuple[float, float] | None = None
    interval_kind: str | None = Field(
        default=None, description="e.g. '95% bootstrap percentile, 4000 resamples'"
    )


class ConstantSet(_Frozen):
    """One named set of fitted constants for a law, with where each number came from."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    values: dict[str, float]
    source: str = Field(description="locator in the reference: equation, table, file")
    evidence: Evidence
    rounded: bool = False
    uncertainty: dict[str, ParameterUncertainty] = Field(default_factory=dict)
    note: str = ""

    @model_validator(mode="after")
    def _finite(self) -> ConstantSet:
        bad = [k for k, v in self.values.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"constant set {self.name!r} has non-finite values {bad}")
        unknown = {
            k for k in self.uncertainty if k not in self.values and f"log_{k}" not in self.values
        }
        if unknown:
            raise ValueError(f"uncertainty given for unknown constants {sorted(unknown)}")
        return self


class GoldenVector(_Frozen):
    """A published or derived input -> output pair that the implementation must reproduce.

    ``check`` names the computation (``"loss"``, ``"optimum"``, ``"allocation"``, ...); the law
    kind decides how to run it. ``rtol`` is the tolerance the source's rounding allows and
    ``why_tolerance`` says so in words.
    """

    check: str
    inputs: dict[str, float]
    expected: dict[str, float]
    constant_set: str | None = None
    rtol: float = Field(gt=0)
    why_tolerance: str
    source: str
    evidence: Evidence
