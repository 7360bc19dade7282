"""``POST /v1/fit``: the requester's runs in, a fitted loss law with its uncertainty out."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import StrictRequest
from .fitted_law import FittedLaw

__all__ = [
    "MAX_FIT_POINTS",
    "BootstrapSpec",
    "FitRequest",
    "FitResponse",
    "FitWarning",
    "RunIn",
    "RunResiduals",
    "RunsUsed",
]

MAX_FIT_POINTS = 2000
"""Hard cap on (N, D, L) points per fit: with the bootstrap cap it bounds a fit to seconds."""
MAX_FIT_BOOTSTRAP = 500


class RunIn(StrictRequest):
    """One measured point. Checkpoints of one training run share ``run``."""

    params: Annotated[float, Field(gt=0, le=1e16, allow_inf_nan=False)] = Field(
        description="parameters N, in the convention of params_definition"
    )
    tokens: Annotated[float, Field(gt=0, le=1e18, allow_inf_nan=False)] = Field(
        description="training tokens D seen at this checkpoint"
    )
    loss: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = Field(
        description="held-out loss [nats/token]"
    )
    run: Annotated[str, Field(max_length=120)] | None = Field(
        default=None, description="run name; rows without one are each their own run"
    )


class BootstrapSpec(StrictRequest):
    samples: Annotated[int, Field(ge=0, le=MAX_FIT_BOOTSTRAP)] = Field(
        default=200,
        description=f"bootstrap resamples of the runs (0 to {MAX_FIT_BOOTSTRAP}); 0 = no "
        "standard errors or intervals",
    )
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    level: Annotated[float, Field(gt=0.5, lt=1)] = Field(
        default=0.95, description="coverage of the reported percentile intervals"
    )


class FitRequest(StrictRequest):
    """Runs to fit (JSON; the same fields come as CSV columns and query parameters)."""

    runs: list[RunIn] = Field(
        min_length=1,
        max_length=MAX_FIT_POINTS,
        description=f"measured points, at most {MAX_FIT_POINTS}",
    )
    form: Literal["chinchilla", "gadre2024"] = Field(
        default="chinchilla",
        description="chinchilla: E + A/N^alpha + B/D^beta; gadre2024: tied exponents, "
        "E + a N^-p + b 6^(-p/2) D^-p (Gadre et al. 2024)",
    )
    params_definition: Literal["n_params_total", "n_params_non_embedding"] = "n_params_total"
    loss_name: Annotated[str, Field(max_length=200)] = ""
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec)
    early_fraction: Annotated[float, Field(ge=0, le=0.9)] = Field(
        default=0.1,
        description="drop checkpoints before this fraction of each run's last token count "
        "(Choshen et al. 2024); runs with one point keep it",
    )
    huber_delta: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1e-3, description="Huber threshold on log-loss residuals"
    )
    flops_per_param_token: Annotated[float, Field(gt=0, le=100)] = 6.0


class FitWarning(StrictRequest):
    code: Literal[
        "few_sizes",
        "few_ratios",
        "irreducible_loss_near_zero",
        "exponent_at_bound",
        "not_converged",
        "wide_interval",
        "bootstrap_degenerate",
        "bootstrap_truncated",
        "points_dropped",
    ]
    message: str
    constant: str | None = None


class RunsUsed(StrictRequest):
    points_given: int
    points_used: int
    points_dropped_early: int
    runs: int
    sizes: int
    early_fraction: float
    rule: str


class RunResiduals(StrictRequest):
    run: str
    params: float
    tokens: list[float]
    loss: list[float]
    predicted: list[float]
    relative_error: list[float] = Field(description="predicted / measured - 1")


class FitResponse(StrictRequest):
    law: FittedLaw
    form: str
    equation: str
    constants: dict[str, float]
    standard_errors: dict[str, float] | None = Field(
        description="standard deviation of the bootstrap fits (null without a bootstrap)"
    )
    intervals: dict[str, tuple[float, float]] | None = Field(
        description="bootstrap percentile intervals at bootstrap.level"
    )
    interval_level: float
    bootstrap_samples: int = Field(description="resamples that gave a fit")
    method: str
    huber_delta: float
    huber_delta_why: str
    converged: bool
    objective: float
    used: RunsUsed
    residuals: list[RunResiduals]
    mape_in_sample: float = Field(description="mean |predicted/measured - 1| over fitted points")
    mape_largest_size_held_out: float | None = Field(
        description="refit without the largest N, predict its points: mean |relative error|"
    )
    largest_size_held_out_note: str
    compute_optimal_tokens_per_param: dict[str, float] = Field(
        description="D/N at the compute optimum of the fitted law at a few budgets"
    )
    warnings: list[FitWarning]
