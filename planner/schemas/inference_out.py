"""Response sections about serving the planned model (see :mod:`.inference` for requests)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictAnswer

__all__ = [
    "EfficiencyOut",
    "InferenceOut",
    "LifetimeOut",
    "LimitOut",
    "MemoryOut",
    "RetrievalOut",
    "StreamOption",
    "StreamsOut",
    "TrainingOptimalComparison",
]


class EfficiencyOut(StrictAnswer):
    mfu_prefill: float
    mfu_decode: float
    mbu: float
    source: str = Field(description="constant set of the serving-cost law, or 'request'")


class MemoryOut(StrictAnswer):
    """Accelerator memory of one replica [bytes]."""

    weights: float
    kv_cache: float
    activations: float = Field(description="logits of the prefill (largest transient)")
    total: float
    per_device: float
    device_capacity: float | None = None
    fits: bool | None = None


class LimitOut(StrictAnswer):
    """One serving limit of the request: its value for the plan, and whether it binds."""

    field: str
    limit: float
    value: float = Field(description="the planned model's value, in the field's unit")
    max_params: float = Field(description="largest N (loss law's convention) meeting the limit")
    binding: bool


class StreamOption(StrictAnswer):
    """One stream count the planner weighed."""

    streams: int
    feasible: bool
    params: float | None = None
    tokens: float | None = None
    loss: float | None = None
    flops: float | None = None
    reason: str | None = Field(default=None, description="why the option has no plan")


class StreamsOut(StrictAnswer):
    """Parallel streams (ParScale): how many, and what they cost and buy."""

    streams: int
    law: str
    multiplier: float = Field(description="1 + k ln P: effective parameters per parameter")
    effective_params: float = Field(description="N (1 + k ln P): single-stream equivalent")
    extra_params: float = Field(description="prefix K/V and aggregator weights [count]")
    training_flops_multiplier: float = Field(description="training FLOPs relative to P = 1")
    options: list[StreamOption]
    reason: str


class TrainingOptimalComparison(StrictAnswer):
    """The training-compute-optimal model of the same loss, for contrast (Sardana et al.)."""

    params: float
    tokens: float
    params_ratio: float = Field(description="plan params / training-optimal params")
    tokens_ratio: float
    cost_ratio: float = Field(description="plan lifetime cost / training-optimal lifetime cost")


class LifetimeOut(StrictAnswer):
    """Training plus inference over the model's life (Sardana et al. 2024 accounting)."""

    cost: Literal["flops", "dollars"]
    prompt_tokens: float
    output_tokens: float
    training_flops: float
    inference_flops: float = Field(description="2 N per served token (x P streams)")
    total_flops: float
    training_dollars: float | None = None
    inference_dollars: float | None = None
    total_dollars: float | None = None
    versus_training_optimal: TrainingOptimalComparison | None = None


class InferenceOut(StrictAnswer):
    """Serving the planned model on the request's device (roofline cost model)."""

    device: str | None = None
    device_name: str | None = None
    device_count: int
    serving_format: str
    compute_format: str | None = Field(
        default=None, description="format whose peak the matmuls run at"
    )
    kv_cache_format: str
    batch_size: int
    prompt_tokens: int = Field(description="prompt length, retrieved chunks included")
    output_tokens: int
    served_params: float = Field(description="weights held: embeddings and stream extras included")
    kv_cache_bytes_per_token: float
    efficiency: EfficiencyOut | None = None
    time_to_first_token_s: float | None = None
    decode_s_per_token: float | None = Field(default=None, description="mean over the output")
    worst_decode_s_per_token: float | None = Field(
        default=None, description="last step (longest context)"
    )
    request_s: float | None = None
    decode_tokens_per_second: float | None = Field(
        default=None, description="batch / mean decode step"
    )
    bound: Literal["compute", "memory"] | None = None
    memory: MemoryOut
    limits: list[LimitOut]
    binding_limit: str | None = None
    parallel_streams: StreamsOut | None = None
    lifetime: LifetimeOut | None = None


class RetrievalOut(StrictAnswer):
    """Retrieval datastore accounting (MassiveDS); no quality law is applied."""

    datastore_tokens: float
    retriever_params: float
    build_flops: float = Field(description="2 x retriever params x datastore tokens")
    build_share_of_training: float = Field(description="build FLOPs / training FLOPs")
    counted_in_budget: bool
    passages: float
    flat_index_bytes: float = Field(description="fp16 embeddings, exact (flat) index")
    search_flops_per_query: float
    retrieved_prompt_tokens: float
    quality_effect: str
