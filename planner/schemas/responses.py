"""Response bodies. Every number in a plan is traced through ``provenance`` and ``units``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from laws_catalog import Evidence, Reference

from .base import StrictAnswer
from .inference_out import InferenceOut, RetrievalOut
from .requests import BudgetKind
from .severity import DEFAULT_SEVERITY, Severity, severity_of
from .uncertainty import UncertaintyOut

__all__ = [
    "BudgetOut",
    "ErrorBody",
    "HyperparamRow",
    "LawRole",
    "LawUse",
    "MarginEffect",
    "MarginalValue",
    "OutOfRange",
    "PlanBody",
    "PlanObjective",
    "PrecisionOut",
    "PlanResponse",
    "PredictResponse",
    "ShapeOut",
    "SourceOut",
    "SweepResponse",
    "SweepRowError",
    "SweepSummaryResponse",
    "AnswerWarning",
]


LawRole = Literal[
    "loss",
    "allocation",
    "downstream_error",
    "hyperparams",
    "critical_batch",
    "vocabulary",
    "repetition",
    "training_precision",
    "serving_precision",
    "inference_cost",
    "parallel_streams",
    "lifetime_cost",
    "retrieval",
    "loss_curve",
    "data_mixture",
    "data_quality",
]
"""What a law did in an answer (``provenance[].role``)."""
MarginEffect = Literal["loss", "flops", "lifetime_flops"]
"""The quantity a marginal value's relaxation moves."""
PlanObjective = Literal["min_loss", "min_flops"]
"""A plan minimises the loss (a budget) or the compute (a target)."""


class LawUse(StrictAnswer):
    """One law used in the answer, and which fields it produced."""

    role: LawRole
    law: str
    family: str
    constant_set: str = Field(description="named set, or 'fitted_to_request' for a fit")
    evidence: Evidence
    constants: dict[str, float]
    reference: Reference
    equations: list[str]
    produces: list[str]
    method: str
    caveats: list[str] = Field(default_factory=list)


class OutOfRange(StrictAnswer):
    """One quantity outside a law's fitted range."""

    quantity: str
    value: float
    fitted_range: tuple[float, float]
    factor: float = Field(description="value / upper bound, or lower bound / value")
    source: str = Field(description="where the fitted range comes from")


class AnswerWarning(StrictAnswer):
    """Something the user must know to trust the number (never silently fixed)."""

    code: Literal[
        "outside_fitted_range",
        "convention_mismatch",
        "allocation_overridden",
        "compute_saturated",
        "flops_accounting_gap",
        "solver_inaccurate",
        "law_caveat",
        "implausible",
        "learning_rate_capped",
    ]
    message: str
    law: str | None = None
    quantity: str | None = None
    value: float | None = None
    fitted_range: tuple[float, float] | None = None
    severity: Severity = Field(
        default=DEFAULT_SEVERITY,
        description="info, warning or critical; from the code unless the producer grades it "
        "(extrapolation by its factor, plausibility by its bound)",
    )
    factor: float | None = Field(
        default=None,
        description="outside_fitted_range: the largest extrapolation factor (value / fitted "
        "upper bound, or fitted lower bound / value) over out_of_range",
    )
    out_of_range: list[OutOfRange] | None = Field(
        default=None, description="outside_fitted_range: every quantity outside the law's fit"
    )
    bound: float | None = Field(
        default=None, description="implausible: the plausibility bound the value breaks"
    )
    basis: str | None = Field(
        default=None, description="implausible: why that bound, and its published source"
    )
    remedy: str | None = Field(
        default=None, description="what in the request steers around it, when anything does"
    )

    @model_validator(mode="before")
    @classmethod
    def _graded(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("severity") is None:
            return {**data, "severity": severity_of(str(data.get("code", "")))}
        return data


class MarginalValue(StrictAnswer):
    """How the objective moves when one binding resource is relaxed."""

    resource: str = Field(description="request field, e.g. budget.flops or constraints.max_params")
    relaxation: str = Field(description="e.g. '+10%' (upper limits) or '-10%' (lower limits)")
    effect_on: MarginEffect = Field(
        description="lifetime_flops: training plus inference, in the budget's training-FLOP units"
    )
    delta: float | None = Field(
        description="change of effect_on after re-solving with the relaxation (null when the "
        "relaxed question has no answer, e.g. a target below the law's floor)"
    )
    elasticity: float | None = Field(
        default=None,
        description="d ln(effect_on) / d ln(resource) at the optimum, from the dual value",
    )
    extra_flops: float | None = Field(
        default=None, description="compute the relaxation costs (e.g. one more epoch)"
    )


class ShapeOut(StrictAnswer):
    """A transformer shape realising the planned non-embedding parameters."""

    n_layer: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_head: int
    d_ff: int
    gated_mlp: bool
    params_non_embedding: int = Field(description="exact count of this shape (see counting)")
    requested_params_non_embedding: float
    relative_deviation: float
    aspect_ratio: float
    rule: str
    counting: str


class HyperparamRow(StrictAnswer):
    """One hyperparameter law's answer for the plan (all laws are listed side by side)."""

    law: str
    constant_set: str
    learning_rate: float | None
    batch_size_tokens: float | None
    batch_size_sequences: float | None
    critical_batch_size_tokens: float | None
    schedule: str
    notes: list[str]


class SourceOut(StrictAnswer):
    """One data source in the plan."""

    name: str
    unique_tokens: float
    quality: float
    quality_from: str = Field(
        default="request", description="'request', or the source's loss law that set it"
    )
    tokens: float
    share: float = Field(description="share of all training tokens")
    epochs: float
    effective_tokens: float = Field(description="quality x repetition-discounted tokens")


class FormatOption(StrictAnswer):
    """One training format the planner weighed (every candidate is listed)."""

    format: str
    total_bits: int
    flops: float = Field(description="FLOPs the budget buys in this format")
    params: float
    tokens: float
    loss: float
    penalty: float


class TrainingPrecisionOut(StrictAnswer):
    format: str
    title: str
    total_bits: int
    exponent_bits: int
    mantissa_bits: int
    block_size: int | None
    law: str
    loss_without_penalty: float
    penalty: float = Field(description="loss added by training in this format [nats/token]")
    flops: float
    throughput_vs_bf16: float = Field(description="FLOPs per unit of budget relative to BF16")
    throughput_source: str
    options: list[FormatOption]


class ServingOption(StrictAnswer):
    format: str
    bits_per_param: float
    weight_bytes: float
    loss_increase: float
    fits: bool | None = None


class ServingPrecisionOut(StrictAnswer):
    format: str
    bits_per_param: float
    params_stored: float
    weight_bytes: float
    loss_increase: float = Field(description="post-training quantisation loss increase")
    loss_after_quantisation: float
    law: str
    memory_limit_bytes: float | None = None
    options: list[ServingOption]


class PrecisionOut(StrictAnswer):
    training: TrainingPrecisionOut | None = None
    serving: ServingPrecisionOut | None = None


class PlanBody(StrictAnswer):
    params: float = Field(description="parameters, in the convention named by params_definition")
    params_definition: str
    tokens: float
    tokens_per_param: float
    flops: float
    flops_accounted: float | None = Field(
        default=None,
        description="allocation laws: the plan's FLOPs by the planner's accounting (6 (N + V d) D "
        "for non-embedding N), when the law's own (N, D) is kept and counts differently",
    )
    flops_accounting_gap: float | None = Field(
        default=None, description="flops_accounted / flops - 1 (see warning flops_accounting_gap)"
    )
    loss: float = Field(description="predicted loss [nats/token] on the loss law's eval data")
    downstream_error: float | None = None
    params_non_embedding: float | None = Field(
        default=None, description="N_nv: all parameters but the embedding and output head"
    )
    params_embedding: float | None = Field(default=None, description="V d (tied) or 2 V d (untied)")
    params_total: float | None = None
    embeddings_tied: bool | None = None
    vocab_size: int | None = None
    model_flops_per_token: float | None = Field(
        default=None, description="DeepSeek's M of the shape [FLOPs/token]"
    )
    learning_rate: float | None = Field(default=None, description="peak learning rate")
    lr_schedule: str | None = None
    batch_size_tokens: float | None = None
    batch_size_sequences: int | None = Field(
        default=None, description="batch in sequences of context_length, rounded"
    )
    critical_batch_size_tokens: float | None = None
    steps: int | None = Field(default=None, description="optimizer steps at that batch")
    context_length: int | None = None
    shape: ShapeOut | None = None
    unique_tokens: float | None = Field(default=None, description="unique data available")
    epochs: float | None = Field(default=None, description="tokens / unique_tokens")
    effective_tokens: float | None = Field(
        default=None, description="D': fresh-token equivalent of the repeated data"
    )
    effective_params: float | None = Field(
        default=None, description="N': parameters beyond what the data supports count less"
    )
    loss_without_repetition: float | None = Field(
        default=None, description="the same (N, D) if every token were fresh"
    )
    data_mix: list[SourceOut] | None = None


class BudgetOut(StrictAnswer):
    """The budget as understood, with the conversion that produced the FLOPs."""

    flops: float
    given_as: Literal[BudgetKind, "target"]
    conversion: str
    gpu: str | None = None
    gpu_name: str | None = None
    number_format: str | None = None
    peak_flops_per_gpu: float | None = None
    peak_source: str | None = None
    mfu: float | None = None
    gpu_hours: float | None = None
    price_per_gpu_hour: float | None = None
    dollars: float | None = None
    flops_spent: float | None = Field(
        default=None,
        description="budget FLOPs the plan spends (training, lifetime inference, datastore)",
    )
    flops_unspent: float | None = Field(
        default=None,
        description="budget FLOPs the plan leaves unspent: hard limits stop it, or they would "
        "lower the loss by less than loss_tolerance (warning compute_saturated)",
    )
    loss_tolerance: float | None = Field(
        default=None,
        description="relative loss within which the plan takes the least compute instead of "
        "the whole budget (budget.loss_tolerance)",
    )
    loss_with_full_budget: float | None = Field(
        default=None,
        description="best loss spending the whole budget, when the plan spends less",
    )


class PlanResponse(StrictAnswer):
    objective: PlanObjective
    plan: PlanBody
    budget: BudgetOut
    target: dict[str, float] | None = None
    units: dict[str, str]
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    binding_constraints: list[str]
    marginal_values: list[MarginalValue]
    hyperparams_by_law: list[HyperparamRow] = Field(default_factory=list)
    precision: PrecisionOut | None = None
    inference: InferenceOut | None = None
    retrieval: RetrievalOut | None = None
    method: Literal["geometric_program", "closed_form_allocation"]
    solver_status: str
    catalog_version: str
    uncertainty: UncertaintyOut | None = Field(
        default=None, description="intervals, when the request asked for uncertainty"
    )


class PredictedStreams(StrictAnswer):
    """ParScale at the requested P: the multiplier applied, and the law's own prediction."""

    streams: int
    law: str
    multiplier: float
    effective_params: float
    loss_without_streams: float = Field(description="the loss law at P = 1")
    parscale_loss: float = Field(
        description="the ParScale law itself, E + (A / (N (1 + k ln P)))^alpha, with N taken "
        "as non-embedding parameters (its fit: 42B tokens, whatever the request's tokens)"
    )


class PredictResponse(StrictAnswer):
    loss: float
    downstream_error: float | None = None
    params: float
    params_definition: str
    tokens: float
    tokens_per_param: float
    flops: float
    parallel_streams: PredictedStreams | None = None
    units: dict[str, str]
    provenance: list[LawUse]
    warnings: list[AnswerWarning]
    catalog_version: str


class SweepRowError(StrictAnswer):
    """A sweep row that could not be planned; the other rows are still answered."""

    index: int
    error: str
    detail: str
    field: str | None = None
    allowed: Any = None
    conflicting: list[str] | None = None


class SweepResponse(StrictAnswer):
    rows: list[PlanResponse | SweepRowError]
    catalog_version: str


class SweepSummaryResponse(StrictAnswer):
    """A sweep as the CSV's table (``detail: "summary"``): one list of cells per row, in the
    order of ``columns``; numbers are JSON numbers (counts are integers), text is a string and
    a blank cell is null. A row that failed carries ``error`` and ``error_detail``. In pandas:
    ``pd.DataFrame(body["rows"], columns=body["columns"])``."""

    columns: list[str] = Field(
        description="the CSV's columns (with *_low/*_high/uncertainty_* when intervals were asked)"
    )
    rows: list[list[int | float | str | None]] = Field(description="one list of cells per row")
    units: dict[str, str] = Field(
        description="the unit of each numeric column (a plan's own `units` for its fields; the "
        "laws behind every row are its loss_law and allocation_law cells)"
    )
    catalog_version: str


class ErrorBody(StrictAnswer):
    """Shape of every 4xx/5xx body."""

    error: str
    detail: str
    field: str | None = None
    allowed: Any = None
    conflicting: list[str] | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="every validation problem, when there are several"
    )
