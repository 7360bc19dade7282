"""Request bodies. Field constraints here are the allowed ranges users see in 422 errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .base import StrictRequest
from .fitted_law import FittedLaw
from .inference import InferenceSpec, RetrievalSpec, StreamCount
from .severity import Severity
from .uncertainty import UncertaintyRequest

__all__ = [
    "DEFAULT_LOSS_LAW",
    "Architecture",
    "Budget",
    "BudgetKind",
    "Constraints",
    "DataSource",
    "DataSpec",
    "LawChoice",
    "PrecisionSpec",
    "PlanRequest",
    "PredictRequest",
    "SweepDetail",
    "SweepRequest",
    "Target",
]

DEFAULT_LOSS_LAW = "besiroglu2024"
MAX_SWEEP_ROWS = 100_000
"""Schema ceiling of a sweep; the service's ``max_sweep_points`` setting is the real limit."""

LawRef = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(@[a-z0-9_]+)?$",
        max_length=80,
        description="ID or ID@CONSTANT_SET, e.g. hoffmann2022@eq10",
    ),
]
LossLawRef = Annotated[
    Annotated[LawRef, Tag("ref")] | Annotated[FittedLaw, Tag("fitted")],
    Discriminator(lambda value: "ref" if isinstance(value, str) else "fitted"),
]
"""A catalogue reference, or the inline law a ``POST /v1/fit`` answer returned."""
Flops = Annotated[float, Field(strict=True, gt=0, le=1e32, allow_inf_nan=False)]
MIN_TRAINING_FLOPS = 1e12
"""Smallest training budget planned: 1e12 FLOPs trains a 1e5-parameter model on about 2e6
tokens (6 N D); below it the planned model is smaller than its own embeddings."""
TrainingFlops = Annotated[
    float, Field(strict=True, ge=MIN_TRAINING_FLOPS, le=1e32, allow_inf_nan=False)
]
Count = Annotated[float, Field(strict=True, gt=0, le=1e20, allow_inf_nan=False)]
Money = Annotated[float, Field(strict=True, gt=0, le=1e13, allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False)]
Hours = Annotated[float, Field(strict=True, gt=0, le=1e6, allow_inf_nan=False)]
Ratio = Annotated[float, Field(strict=True, gt=0, le=1e7, allow_inf_nan=False)]
Units = Annotated[float, Field(strict=True, ge=1, le=1e20, allow_inf_nan=False)]
"""A count of parameters or tokens in a limit: below one is no model (or no data) at all."""
LimitRatio = Annotated[float, Field(strict=True, ge=1e-6, le=1e7, allow_inf_nan=False)]
"""Tokens per parameter in a limit: far below any trained model's, far above any."""
SweepDetail = Literal["full", "summary"]
"""How much of each row a JSON sweep answer carries (the CSV is always the summary)."""
MinSeverity = Annotated[
    Severity,
    Field(
        description="leave out warnings less serious than this (info < warning < critical); "
        "default info: every warning"
    ),
]


def _uncertainty_flag(value: Any) -> Any:
    """``true`` asks for the default intervals, ``false`` for none."""
    if value is True:
        return UncertaintyRequest()
    if value is False:
        return None
    return value


BudgetKind = Literal["flops", "gpu_hours", "gpu_count_hours", "dollars"]
"""How a budget's amount was given (``budget.amount_kind()``)."""


class LawChoice(StrictRequest):
    """Which law answers which part of the question (``ID`` or ``ID@CONSTANT_SET``)."""

    loss: LossLawRef | None = Field(
        default=None,
        description=f"loss law L(N, D) used to optimise or evaluate; default {DEFAULT_LOSS_LAW}, "
        "or the allocation paper's own loss law when it has one; or the `law` object a "
        "POST /v1/fit answer returned",
    )
    allocation: LawRef | None = Field(
        default=None,
        description="closed-form allocation N_opt(C) to use instead of optimising the loss law",
    )
    hyperparams: LawRef = Field(
        default="steplaw2025", description="peak learning rate and batch size law"
    )
    repetition: LawRef = Field(
        default="muennighoff2023",
        description="repetition law applied when data.unique_tokens or data.sources is given",
    )
    training_precision: LawRef = Field(
        default="sun2025", description="loss penalty of training in a low-precision format"
    )
    serving_precision: LawRef = Field(
        default="ouyang2024", description="loss increase of post-training quantisation"
    )
    vocabulary: LawRef = Field(
        default="tao2024",
        description="vocabulary-size law; the constant set picks the approach "
        "(tao2024@parametric, @isoflop, @derivative)",
    )
    parallel_streams: LawRef = Field(
        default="parscale2025",
        description="parallel-stream law (parscale2025@stack_v2_python or @pile)",
    )
    serving_cost: LawRef = Field(
        default="roofline",
        description="serving cost model; the constant set gives the default MFU/MBU "
        "(roofline@llm_analysis, @fastertransformer_13b, @ideal)",
    )
    lifetime: LawRef = Field(
        default="sardana2024", description="lifetime training + inference cost accounting"
    )
    retrieval: LawRef = Field(
        default="massiveds2024", description="retrieval-datastore compute accounting"
    )


class Budget(StrictRequest):
    """Training compute, given as FLOPs, GPU time or dollars (exactly one amount).

    GPU time and dollars are turned into FLOPs with the device's dense peak for
    ``number_format`` times ``mfu``. With a target instead of an amount, the hardware fields
    only serve to price the answer.
    """

    flops: TrainingFlops | None = None
    gpu_hours: Count | None = None
    gpu_count: Annotated[int, Field(strict=True, ge=1, le=10_000_000)] | None = None
    hours: Hours | None = None
    dollars: Money | None = None
    gpu: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="device id or alias, see GET /v1/hardware"
    )
    mfu: Fraction | None = Field(
        default=None, description="model FLOPs utilisation, 0 < mfu <= 1 (typically 0.3-0.5)"
    )
    price_per_gpu_hour: Money | None = None
    number_format: Annotated[str, Field(pattern=r"^[a-z0-9]+$", max_length=8)] = Field(
        default="bf16", description="format whose dense peak the MFU applies to"
    )
    loss_tolerance: Annotated[float, Field(strict=True, ge=0, le=0.1)] = Field(
        default=1e-3,
        description="relative loss: when half the budget already reaches within this of the "
        "best loss the whole budget buys, the plan spends the least compute that does and "
        "reports the rest unspent (0: always spend the whole budget)",
    )

    def amount_kind(self) -> BudgetKind | None:
        """Which way the amount was given, or None when only hardware is described."""
        kinds = self._amount_kinds()
        return kinds[0] if kinds else None

    def _amount_kinds(self) -> list[BudgetKind]:
        kinds: list[BudgetKind] = []
        if self.flops is not None:
            kinds.append("flops")
        if self.gpu_hours is not None:
            kinds.append("gpu_hours")
        if self.gpu_count is not None or self.hours is not None:
            kinds.append("gpu_count_hours")
        if self.dollars is not None:
            kinds.append("dollars")
        return kinds

    @model_validator(mode="after")
    def _one_amount(self) -> Self:
        kinds = self._amount_kinds()
        if len(kinds) > 1:
            raise ValueError(
                f"budget: give exactly one amount, got {kinds} "
                "(allowed: flops | gpu_hours | gpu_count+hours | dollars)"
            )
        if "gpu_count_hours" in kinds and (self.gpu_count is None or self.hours is None):
            raise ValueError("budget.gpu_count and budget.hours must be given together")
        needs_gpu = bool(kinds) and kinds[0] != "flops"
        if needs_gpu and self.gpu is None:
            raise ValueError(f"budget.gpu is required for a budget in {kinds[0]}")
        if needs_gpu and self.mfu is None:
            raise ValueError(
                f"budget.mfu is required for a budget in {kinds[0]} (allowed: 0 < mfu <= 1)"
            )
        if kinds == ["dollars"] and self.price_per_gpu_hour is None:
            raise ValueError("budget.price_per_gpu_hour is required for a budget in dollars")
        if self.price_per_gpu_hour is not None and self.gpu is None:
            raise ValueError("budget.price_per_gpu_hour needs budget.gpu and budget.mfu")
        if self.gpu is not None and self.mfu is None and kinds in ([], ["flops"]):
            raise ValueError("budget.gpu needs budget.mfu to convert FLOPs to GPU time")
        return self


class Target(StrictRequest):
    """Inverse question: the smallest budget that reaches this loss or downstream error."""

    loss: Annotated[float, Field(strict=True, gt=0, le=100, allow_inf_nan=False)] | None = None
    downstream_error: (
        Annotated[float, Field(strict=True, gt=0, lt=1, allow_inf_nan=False)] | None
    ) = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.loss is None) == (self.downstream_error is None):
            raise ValueError("target: give exactly one of target.loss or target.downstream_error")
        return self


class DataSource(StrictRequest):
    """One source of training data: its unique tokens and how much one fresh token is worth."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
    unique_tokens: Count
    quality: Annotated[float, Field(strict=True, gt=0, le=100, allow_inf_nan=False)] = Field(
        default=1.0,
        description="fresh tokens of the loss law's own data that one token of this source is "
        "worth (your judgement; 1 = as good)",
    )
    loss_law: LawRef | None = Field(
        default=None,
        description="instead of a quality: this source's own loss law (ID@SET of the form "
        "E + A/N^a + B/D^b); its data term sets the quality at the source's planned tokens",
    )

    @model_validator(mode="after")
    def _quality_or_law(self) -> Self:
        if self.loss_law is not None and "quality" in self.model_fields_set:
            raise ValueError(f"data.sources[{self.name}]: give quality or loss_law, not both")
        return self


class DataSpec(StrictRequest):
    """How much unique data there is: one pool, or several named sources."""

    unique_tokens: Count | None = None
    sources: list[DataSource] | None = Field(default=None, min_length=1, max_length=50)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.unique_tokens is None) == (self.sources is None):
            raise ValueError("data: give exactly one of data.unique_tokens or data.sources")
        if self.sources is not None:
            names = [s.name for s in self.sources]
            if len(set(names)) != len(names):
                raise ValueError(f"data.sources: names must be unique, got {names}")
        return self


FormatName = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=24)]


class PrecisionSpec(StrictRequest):
    """Number formats: fix them, or let the planner choose (``"auto"``)."""

    training: FormatName | None = Field(
        default=None,
        description="training format (bf16, fp8_e4m3, mxfp8, nvfp4, ...) or 'auto': the best "
        "of the formats the budget's GPU runs natively",
    )
    serving: FormatName | None = Field(
        default=None, description="serving (post-training quantisation) format, or 'auto'"
    )
    serving_memory_bytes: Count | None = Field(
        default=None, description="weight-memory limit for choosing the serving format"
    )
    serving_loss_tolerance: Annotated[float, Field(strict=True, ge=0, le=1)] = Field(
        default=0.0,
        description="with 'auto': among formats within this loss of the best, take the smallest",
    )

    @model_validator(mode="after")
    def _auto_needs_limit(self) -> Self:
        if self.serving == "auto" and self.serving_memory_bytes is None:
            raise ValueError(
                "precision.serving 'auto' needs precision.serving_memory_bytes to choose by"
            )
        return self


class Architecture(StrictRequest):
    """How the planned parameters are laid out (the shape rule and vocabulary accounting)."""

    gated_mlp: bool = Field(default=False, description="SwiGLU-style MLP (d_ff = 8/3 d_model)")
    grouped_query: bool = Field(default=False, description="n_kv_heads = n_heads / 8")
    tied_embeddings: bool = Field(
        default=True, description="input embedding and output head share one V x d matrix"
    )
    vocab_size: Annotated[int, Field(strict=True, ge=256, le=4_000_000)] | None = Field(
        default=None, description="a fixed vocabulary instead of the vocabulary law's choice"
    )
    tensor_parallel: Annotated[int, Field(strict=True, ge=1, le=128)] = Field(
        default=1,
        description="GPUs one layer is split over: n_heads, n_kv_heads and d_ff become "
        "multiples of it (the exact parameter count of that shape is reported)",
    )


class Constraints(StrictRequest):
    """Hard limits on the plan. Parameters are in the chosen law's convention."""

    max_params: Units | None = None
    min_params: Units | None = None
    max_tokens: Units | None = None
    min_tokens: Units | None = None
    max_tokens_per_param: LimitRatio | None = None
    min_tokens_per_param: LimitRatio | None = None
    max_learning_rate: (
        Annotated[float, Field(strict=True, ge=1e-9, le=1, allow_inf_nan=False)] | None
    ) = Field(
        default=None,
        description="cap on the peak learning rate: the plan uses the smaller of the law's "
        "LR and this cap, and says so in a learning_rate_capped warning",
    )
    stay_in_fitted_range: bool = Field(
        default=False,
        description="add each law's fitted range as a constraint instead of only warning",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for low, high in (
            ("min_params", "max_params"),
            ("min_tokens", "max_tokens"),
            ("min_tokens_per_param", "max_tokens_per_param"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"constraints.{low} ({lo:g}) exceeds constraints.{high} ({hi:g})")
        return self


class PlanRequest(StrictRequest):
    """What should I train? Either a budget (minimise loss) or a target (minimise compute)."""

    budget: Budget | None = None
    target: Target | None = None
    laws: LawChoice = Field(default_factory=LawChoice)
    constraints: Constraints = Field(default_factory=Constraints)
    context_length: Annotated[int, Field(strict=True, ge=16, le=16_777_216)] = Field(
        default=2048, description="training sequence length [tokens]"
    )
    architecture: Architecture = Field(default_factory=Architecture)
    data: DataSpec | None = Field(
        default=None, description="unique data available; the plan then repeats data as needed"
    )
    precision: PrecisionSpec | None = None
    devices: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=20,
        description="your own accelerators (same fields as GET /v1/hardware entries); they "
        "override built-in ids and aliases",
    )
    inference: InferenceSpec | None = Field(
        default=None,
        description="serving limits, parallel streams and lifetime inference cost",
    )
    retrieval: RetrievalSpec | None = Field(
        default=None, description="a retrieval datastore (compute and memory accounting)"
    )
    min_severity: MinSeverity = "info"
    uncertainty: UncertaintyRequest | None = Field(
        default=None,
        description="intervals on the plan by re-planning over samples of the loss law's "
        "constants; true for level 0.9 and 200 samples",
    )

    @field_validator("uncertainty", mode="before")
    @classmethod
    def _uncertainty_flag(cls, value: Any) -> Any:
        return _uncertainty_flag(value)

    @model_validator(mode="after")
    def _budget_or_target(self) -> Self:
        has_amount = self.budget is not None and self.budget.amount_kind() is not None
        if has_amount == (self.target is not None):
            raise ValueError(
                "give either a budget amount (budget.flops, budget.gpu_hours, "
                "budget.gpu_count+hours or budget.dollars) or a target, not both or neither"
            )
        if self.target is not None and self.laws.allocation is not None:
            raise ValueError("laws.allocation cannot answer a target; use a loss law")
        if self.data is not None and self.laws.allocation is not None:
            raise ValueError("laws.allocation ignores unique-data limits; omit it with data")
        self._dollar_lifetime_priced()
        return self

    def _dollar_lifetime_priced(self) -> None:
        if self.inference is None or self.inference.lifetime_cost != "dollars":
            return
        budget = self.budget
        if budget is None or budget.gpu is None or budget.price_per_gpu_hour is None:
            raise ValueError(
                "inference.lifetime_cost 'dollars' prices training with budget.gpu, budget.mfu "
                "and budget.price_per_gpu_hour: give them (with a target they only price)"
            )


class PredictRequest(StrictRequest):
    """Loss (and downstream error) of a given model size and token count."""

    params: Annotated[float, Field(strict=True, ge=1, le=1e20, allow_inf_nan=False)]
    tokens: Annotated[float, Field(strict=True, ge=1, le=1e20, allow_inf_nan=False)]
    laws: LawChoice = Field(default_factory=LawChoice)
    parallel_streams: StreamCount | None = Field(
        default=None,
        description="ParScale streams P: the loss law's parameter term at N (1 + k ln P) "
        "(laws.parallel_streams), and that law's own loss at its 42B training tokens",
    )
    min_severity: MinSeverity = "info"

    @model_validator(mode="after")
    def _no_allocation(self) -> Self:
        if self.laws.allocation is not None:
            raise ValueError("laws.allocation has no meaning for a prediction")
        return self


class SweepRequest(StrictRequest):
    """Many budgets (or targets) at once, answered as JSON rows or CSV."""

    budgets: list[Budget] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SWEEP_ROWS,
        description="at most the service's max_sweep_points (PLANNER_MAX_SWEEP_POINTS) rows",
    )
    targets: list[Target] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SWEEP_ROWS,
        description="at most the service's max_sweep_points (PLANNER_MAX_SWEEP_POINTS) rows",
    )
    laws: LawChoice = Field(default_factory=LawChoice)
    constraints: Constraints = Field(default_factory=Constraints)
    inference: InferenceSpec | None = Field(
        default=None, description="the same serving section for every row"
    )
    min_severity: MinSeverity = "info"
    uncertainty: UncertaintyRequest | None = Field(
        default=None, description="intervals on every row (CSV: *_low and *_high columns)"
    )
    detail: SweepDetail = Field(
        default="full",
        description="the JSON answer: `full`, one whole plan per row (SweepResponse); or "
        "`summary`, the CSV's columns and cells as a typed table (SweepSummaryResponse: "
        "`columns`, `rows` as lists of numbers, strings and null for blank cells), about as "
        "fast as the CSV and a fraction of the size. The CSV answer ignores it (it is the "
        "summary already)",
    )

    @field_validator("uncertainty", mode="before")
    @classmethod
    def _uncertainty_flag(cls, value: Any) -> Any:
        return _uncertainty_flag(value)

    @model_validator(mode="after")
    def _one_list(self) -> Self:
        if (self.budgets is None) == (self.targets is None):
            raise ValueError("give exactly one of budgets or targets")
        for i, budget in enumerate(self.budgets or []):
            if budget.amount_kind() is None:
                raise ValueError(f"budgets[{i}] has no amount (flops, gpu_hours, ... )")
        return self

    def plan_requests(self, indices: Sequence[int] | None = None) -> list[PlanRequest]:
        """One plan request per row (only the rows at ``indices`` when given)."""
        common: dict[str, Any] = {
            "laws": self.laws,
            "constraints": self.constraints,
            "inference": self.inference,
            "min_severity": self.min_severity,
        }
        if self.uncertainty is not None:
            common["uncertainty"] = self.uncertainty
        key = "budget" if self.budgets is not None else "target"
        items: list[Any] = list(self.budgets or self.targets or [])
        if indices is not None:
            items = [items[i] for i in indices]
        return [PlanRequest.model_validate({key: item, **common}) for item in items]
