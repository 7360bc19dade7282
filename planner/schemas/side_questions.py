"""Requests and responses of the side questions: loss curves and vocabulary size."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import StrictRequest
from .requests import LawRef
from .responses import AnswerWarning, LawUse

__all__ = [
    "ContinualRequest",
    "ContinualResponse",
    "ContinualRun",
    "CurveSpec",
    "FitQualityOut",
    "FittedConstant",
    "LossCurveFitOut",
    "LossCurveRequest",
    "LossCurvePrediction",
    "LossCurveResponse",
    "MixtureRequest",
    "MixtureResponse",
    "MixtureRun",
    "ObservedCurve",
    "ScheduleSpec",
    "VocabularyAnswer",
    "VocabularyRequest",
    "VocabularyResponse",
]

MAX_STEPS = 10_000_000
MAX_POINTS = 200_000
MAX_TOTAL_STEPS = 20_000_000
"""Updates over all schedules of one loss-curve request (each schedule is replayed update by
update; this keeps one request to a few seconds of work)."""
Step = Annotated[int, Field(strict=True, ge=0, le=MAX_STEPS)]
Lr = Annotated[float, Field(strict=True, ge=0, le=10, allow_inf_nan=False)]
Loss = Annotated[float, Field(strict=True, gt=0, le=100, allow_inf_nan=False)]


class _Out(BaseModel):
    """Answers: a non-finite number is refused when the answer is built, never sent as null."""

    model_config = ConfigDict(allow_inf_nan=False)


class ScheduleSpec(StrictRequest):
    """A learning-rate schedule by name (one LR per update, from update 0)."""

    kind: Literal["constant", "cosine", "wsd"]
    total_steps: Annotated[int, Field(strict=True, ge=1, le=MAX_STEPS)]
    peak_lr: Annotated[float, Field(strict=True, gt=0, le=10, allow_inf_nan=False)]
    warmup_steps: Annotated[int, Field(strict=True, ge=0, le=MAX_STEPS)] = 0
    final_lr_fraction: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.0
    cooldown_fraction: Annotated[float, Field(strict=True, gt=0, le=1)] = Field(
        default=0.2, description="share of all steps spent decaying (wsd only)"
    )

    @model_validator(mode="after")
    def _warmup_fits(self) -> Self:
        if self.warmup_steps >= self.total_steps:
            raise ValueError("warmup_steps must be below total_steps")
        return self


class CurveSpec(StrictRequest):
    """A schedule, given by name or as the LR of every update."""

    schedule: ScheduleSpec | None = None
    learning_rate: list[Lr] | None = Field(
        default=None, max_length=MAX_POINTS, description="LR of every update from update 0"
    )

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if (self.schedule is None) == (self.learning_rate is None):
            raise ValueError("give exactly one of schedule or learning_rate")
        if self.learning_rate is not None and len(self.learning_rate) < 2:
            raise ValueError("learning_rate needs at least two updates")
        return self

    @property
    def length(self) -> int:
        if self.schedule is not None:
            return self.schedule.total_steps
        assert self.learning_rate is not None
        return len(self.learning_rate)


class ObservedCurve(CurveSpec):
    """A measured curve: its schedule, and the loss after some of its updates."""

    steps: list[Step] = Field(min_length=1, max_length=MAX_POINTS)
    loss: list[Loss] = Field(min_length=1, max_length=MAX_POINTS)

    @model_validator(mode="after")
    def _points_match(self) -> Self:
        if len(self.steps) != len(self.loss):
            raise ValueError("steps and loss must have the same length")
        if any(b <= a for a, b in zip(self.steps, self.steps[1:], strict=False)):
            raise ValueError("steps must be strictly increasing")
        if self.steps[-1] >= self.length:
            raise ValueError(f"steps must lie below the schedule's {self.length} updates")
        return self


class LossCurveRequest(StrictRequest):
    """Fit the LR-annealing law to measured curves and/or predict a schedule's loss curve."""

    law: LawRef = Field(default="tissue2024", description="tissue2024 (fit) or luo2025@SET")
    curves: list[ObservedCurve] = Field(default_factory=list, max_length=20)
    predict: CurveSpec | None = None
    at_steps: list[Step] | None = Field(
        default=None, max_length=10_000, description="where to predict (default: 50 points)"
    )
    decay: Annotated[float, Field(strict=True, gt=0.5, lt=1)] = Field(
        default=0.999, description="momentum decay lambda of the annealing area (tissue2024)"
    )

    @model_validator(mode="after")
    def _something_to_do(self) -> Self:
        if not self.curves and self.predict is None:
            raise ValueError("give curves to fit, a schedule to predict, or both")
        if self.at_steps is not None and self.predict is None:
            raise ValueError("at_steps needs predict")
        schedules = [*self.curves, *([self.predict] if self.predict is not None else [])]
        total = sum(s.length for s in schedules)
        if total > MAX_TOTAL_STEPS:
            raise ValueError(
                f"the schedules have {total} updates in all, at most {MAX_TOTAL_STEPS} allowed "
                "(fit on fewer or shorter curves)"
            )
        return self


class FittedConstant(_Out):
    value: float
    standard_error: float | None = None


class LossCurveFitOut(_Out):
    r_squared: float
    rmse: float
    n_points: int
    step_range: tuple[int, int]


class LossCurvePrediction(_Out):
    steps: list[int]
    loss: list[float]
    standard_error: list[float] | None = None


class LossCurveResponse(_Out):
    law: str
    fit_only: bool
    constants: dict[str, FittedConstant]
    fit: LossCurveFitOut | None
    evaluation_on_curves: LossCurveFitOut | None = Field(
        default=None, description="a pre-fitted law's error on the given curves"
    )
    prediction: LossCurvePrediction | None
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    catalog_version: str


class VocabularyRequest(StrictRequest):
    """Best vocabulary for a model: at a FLOPs budget, or for a fixed token count."""

    params_non_vocabulary: Annotated[
        float, Field(strict=True, gt=1e5, le=1e14, allow_inf_nan=False)
    ] = Field(description="N_nv: all parameters but embedding and output head")
    tokens: Annotated[float, Field(strict=True, gt=0, le=1e16, allow_inf_nan=False)] | None = None
    flops: Annotated[float, Field(strict=True, gt=0, le=1e32, allow_inf_nan=False)] | None = None
    d_model: Annotated[int, Field(strict=True, ge=64, le=1_000_000)] | None = Field(
        default=None, description="model width (default: the authors' width map)"
    )
    law: LawRef = Field(default="tao2024", description="tao2024@parametric|isoflop|derivative")

    @model_validator(mode="after")
    def _tokens_or_flops(self) -> Self:
        if self.tokens is not None and self.flops is not None:
            raise ValueError("give tokens or flops, not both")
        return self


class VocabularyAnswer(_Out):
    approach: str
    vocab_size: float
    vocab_size_rounded: int
    vocab_params: float
    d_model: float
    flops: float
    tokens: float
    characters: float
    method: str
    notes: list[str]


class VocabularyResponse(_Out):
    answer: VocabularyAnswer
    approaches: list[VocabularyAnswer] = Field(description="every approach, side by side")
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    catalog_version: str


Share = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
DomainName = Annotated[str, Field(min_length=1, max_length=64)]


class MixtureRun(StrictRequest):
    """One measured run: its training mixture and its loss on each target domain."""

    mixture: dict[DomainName, Share] = Field(min_length=2, max_length=64)
    losses: dict[DomainName, Loss] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Self:
        total = sum(self.mixture.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mixture shares must sum to 1, got {total:.8g}")
        return self


class MixtureRequest(StrictRequest):
    """Fit the exponential data-mixing law (Ye et al. 2024) and find the best mixture."""

    law: Literal["ye2024"] = "ye2024"
    runs: list[MixtureRun] = Field(min_length=3, max_length=2000)
    target_weights: (
        dict[DomainName, Annotated[float, Field(strict=True, ge=0, le=1e6, allow_inf_nan=False)]]
        | None
    ) = Field(
        default=None,
        max_length=64,
        description="weight of each target domain's loss (default: equal)",
    )
    lower: dict[DomainName, Share] | None = Field(
        default=None, max_length=64, description="min share per domain"
    )
    upper: dict[DomainName, Share] | None = Field(
        default=None, max_length=64, description="max share per domain"
    )
    stay_in_seen_region: bool = Field(
        default=False, description="restrict the mixture to blends of the measured runs"
    )

    @model_validator(mode="after")
    def _same_domains(self) -> Self:
        domains = set(self.runs[0].mixture)
        targets = set(self.runs[0].losses)
        for i, run in enumerate(self.runs):
            if set(run.mixture) != domains:
                raise ValueError(f"runs[{i}].mixture names other domains than runs[0]")
            if set(run.losses) != targets:
                raise ValueError(f"runs[{i}].losses names other targets than runs[0]")
        for name, mapping, allowed in (
            ("target_weights", self.target_weights, targets),
            ("lower", self.lower, domains),
            ("upper", self.upper, domains),
        ):
            unknown = set(mapping or {}) - allowed
            if unknown:
                raise ValueError(f"{name} names unknown domains {sorted(unknown)}")
        return self


class FitQualityOut(_Out):
    r2: float | None = Field(description="None when the observed losses do not vary (undefined)")
    rmse: float
    loo_rmse: float | None
    n_runs: int
    n_constants: int


class MixtureResponse(_Out):
    law: str
    constants: dict[str, float]
    fit_quality: dict[str, FitQualityOut]
    proportions: dict[str, float]
    predicted_losses: dict[str, float]
    objective: float = Field(description="weighted target loss at the optimal mixture")
    inside_seen_range: bool
    inside_seen_hull: bool
    extrapolated: bool
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    catalog_version: str


class ContinualRun(StrictRequest):
    """One continual pre-training run of the D-CPT study design."""

    params: Annotated[float, Field(strict=True, gt=0, le=1e14, allow_inf_nan=False)]
    tokens: Annotated[float, Field(strict=True, gt=0, le=1e16, allow_inf_nan=False)]
    domain_ratio: Share
    domain_loss: Loss
    general_loss: Loss


class ContinualRequest(StrictRequest):
    """Fit the D-CPT law (Que et al. 2024) to domain and general losses; pick the ratio."""

    runs: list[ContinualRun] = Field(min_length=10, max_length=2000)
    params: Annotated[float, Field(strict=True, gt=0, le=1e14, allow_inf_nan=False)]
    tokens: Annotated[float, Field(strict=True, gt=0, le=1e16, allow_inf_nan=False)]
    domain_weight: Share = Field(
        default=0.5, description="weight of the domain loss (rest: general)"
    )
    max_general_loss: Loss | None = Field(
        default=None, description="optional cap on the predicted general loss"
    )


class ContinualResponse(_Out):
    law: str
    constants: dict[str, dict[str, float]] = Field(description="'domain' and 'general' fits")
    fit_quality: dict[str, FitQualityOut]
    domain_ratio: float
    predicted_domain_loss: float
    predicted_general_loss: float
    objective: float
    outside_fitted_region: list[str]
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    catalog_version: str
