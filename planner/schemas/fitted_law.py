"""The inline, stateless loss law ``POST /v1/fit`` returns and ``laws.loss`` accepts.

Everything a plan needs travels in the object (form, constants, fitted range, bootstrap
samples), so a request that carries it is answered, and cached, like one naming a catalogue law.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .base import StrictRequest

__all__ = ["MAX_BOOTSTRAP_SAMPLES", "FittedForm", "FittedLaw", "FittedRange"]

MAX_BOOTSTRAP_SAMPLES = 1000
_CONSTANTS = {"chinchilla": ("E", "A", "B", "alpha", "beta"), "gadre2024": ("E", "a", "b", "p")}
_EXPONENTS = ("alpha", "beta", "p")

Positive = Annotated[float, Field(gt=0, le=1e40, allow_inf_nan=False)]


FittedForm = Literal["chinchilla", "gadre2024"]
"""The loss-law forms a fit can take (``laws.loss`` inline)."""


class FittedRange(StrictRequest):
    """The runs' range: plans outside it get an ``outside_fitted_range`` warning."""

    params: tuple[Positive, Positive]
    tokens: tuple[Positive, Positive]
    tokens_per_param: tuple[Positive, Positive]
    flops: tuple[Positive, Positive]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for name in ("params", "tokens", "tokens_per_param", "flops"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"fitted_range.{name}: lower bound {low:g} exceeds {high:g}")
        return self


class FittedLaw(StrictRequest):
    """A loss law fitted to the requester's runs (the ``law`` field of a fit answer)."""

    kind: Literal["fitted"] = "fitted"
    form: FittedForm
    constants: dict[str, float] = Field(
        max_length=8,
        description="chinchilla: E, A, B, alpha, beta; gadre2024: E, a, b, p (Gadre et al.'s "
        "code parametrisation, L = E + a N^-p + b 6^(-p/2) D^-p)",
    )
    params_definition: Literal["n_params_total", "n_params_non_embedding"] = "n_params_total"
    loss_name: Annotated[str, Field(max_length=200)] = Field(
        default="", description="what the loss was measured on (free text)"
    )
    flops_per_param_token: Annotated[float, Field(gt=0, le=100)] = 6.0
    fitted_range: FittedRange
    runs: Annotated[int, Field(ge=1, le=100_000)] = Field(description="runs fitted")
    points: Annotated[int, Field(ge=1, le=100_000)] = Field(description="(N, D, L) points fitted")
    runs_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="hash of the fitted points (canonical JSON), names the data in provenance"
    )
    method: Annotated[str, Field(max_length=500)] = ""
    caveats: list[Annotated[str, Field(max_length=400)]] = Field(
        default_factory=list,
        max_length=10,
        description="the fit's weak-identification warnings, repeated in every plan that uses it",
    )
    bootstrap: dict[str, Annotated[list[float], Field(max_length=MAX_BOOTSTRAP_SAMPLES)]] | None = (
        Field(
            default=None,
            max_length=8,
            description="bootstrap resamples of every constant (same length per constant, at "
            f"most {MAX_BOOTSTRAP_SAMPLES}); plans draw their uncertainty from them",
        )
    )

    @model_validator(mode="after")
    def _valid_constants(self) -> Self:
        wanted = _CONSTANTS[self.form]
        if set(self.constants) != set(wanted):
            raise ValueError(
                f"constants of form {self.form} must be exactly {list(wanted)}, "
                f"got {sorted(self.constants)}"
            )
        for name, value in self.constants.items():
            self._check_value(f"constants.{name}", name, value)
        if self.bootstrap is not None:
            if set(self.bootstrap) != set(wanted):
                raise ValueError(f"bootstrap must have exactly the constants {list(wanted)}")
            lengths = {len(v) for v in self.bootstrap.values()}
            if len(lengths) != 1 or 0 in lengths:
                raise ValueError("bootstrap: every constant needs the same, non-zero, count")
            for name, values in self.bootstrap.items():
                for i, value in enumerate(values):
                    self._check_value(f"bootstrap.{name}[{i}]", name, value)
        return self

    @staticmethod
    def _check_value(field: str, name: str, value: float) -> None:
        if not math.isfinite(value):
            raise ValueError(f"{field} must be finite")
        if name in _EXPONENTS:
            if not 0 < value <= 3:
                raise ValueError(f"{field} = {value:g}: exponents must lie in (0, 3]")
        elif name == "E":
            if value < 0:
                raise ValueError(f"{field} = {value:g}: the irreducible loss must be >= 0")
        elif value <= 0:
            raise ValueError(f"{field} = {value:g}: coefficients must be > 0")

    @property
    def law_id(self) -> str:
        return f"fitted_{self.runs_sha256[:12]}"

    def sample_count(self) -> int:
        if self.bootstrap is None:
            return 0
        return len(next(iter(self.bootstrap.values())))
