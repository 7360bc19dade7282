"""Request sections about serving the planned model: limits, streams, lifetime, retrieval.

Field constraints here are the allowed ranges users see in 422 errors.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .base import StrictRequest

__all__ = ["InferenceSpec", "RetrievalSpec", "ServingEfficiency", "StreamCount"]

Fraction = Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False)]
Count = Annotated[float, Field(strict=True, gt=0, le=1e20, allow_inf_nan=False)]
Millis = Annotated[float, Field(strict=True, gt=0, le=3.6e6, allow_inf_nan=False)]
Money = Annotated[float, Field(strict=True, gt=0, le=1e6, allow_inf_nan=False)]
Tokens = Annotated[int, Field(strict=True, ge=1, le=16_777_216)]
FormatName = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=24)]
StreamCount = Literal[1, 2, 4, 8]


class ServingEfficiency(StrictRequest):
    """Achievable fractions of peak in the roofline model (defaults: the serving-cost law's
    constant set, ``laws.serving_cost``)."""

    mfu_prefill: Fraction | None = None
    mfu_decode: Fraction | None = None
    mbu: Fraction | None = Field(default=None, description="memory-bandwidth utilisation")


class InferenceSpec(StrictRequest):
    """How the model will be served: the limits it must meet and what serving will cost.

    Limits (each becomes ``N <= N_max`` in the optimiser, for the device, serving format,
    streams, batch and prompt/output lengths given here): ``max_decode_latency_ms`` (the
    slowest decode step, at the longest context), ``max_time_to_first_token_ms`` (prefill of
    the prompt), ``max_memory_bytes_per_device`` (weights + KV cache + prefill logits, over
    ``device_count`` devices), ``min_tokens_per_second`` (decode throughput of one replica at
    ``batch_size``, at the longest context).
    """

    device: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="serving device id or alias (GET /v1/hardware)"
    )
    device_count: Annotated[int, Field(strict=True, ge=1, le=1024)] = Field(
        default=1,
        description="devices per replica (tensor parallel): compute, bandwidth and memory add "
        "up; communication is not modelled",
    )
    serving_format: FormatName | None = Field(
        default=None,
        description="weight format served (default: precision.serving when fixed, else bf16)",
    )
    kv_cache_format: FormatName = Field(default="bf16", description="KV-cache element format")
    batch_size: Annotated[int, Field(strict=True, ge=1, le=65_536)] = Field(
        default=1, description="sequences decoded together by one replica"
    )
    prompt_tokens: Tokens = Field(default=512, description="prompt length per request")
    output_tokens: Tokens = Field(default=256, description="generated tokens per request")
    max_decode_latency_ms: Millis | None = None
    max_time_to_first_token_ms: Millis | None = None
    max_memory_bytes_per_device: Count | None = None
    min_tokens_per_second: Count | None = None
    efficiency: ServingEfficiency = Field(default_factory=ServingEfficiency)
    parallel_streams: StreamCount | Literal["auto"] = Field(
        default=1,
        description="ParScale streams P (1, 2, 4, 8 as trained), or 'auto' to choose among them",
    )
    lifetime_tokens: Count | None = Field(
        default=None,
        description="tokens served over the model's life (prompt and output, split in the "
        "ratio prompt_tokens : output_tokens); the plan then counts their cost",
    )
    lifetime_requests: Count | None = Field(
        default=None, description="requests over the model's life, each prompt + output tokens"
    )
    lifetime_cost: Literal["flops", "dollars"] = Field(
        default="flops",
        description="what training + inference minimises or spends: FLOPs (6ND + 2NT), or "
        "dollars (each phase at its own device, price and MFU)",
    )
    price_per_gpu_hour: Money | None = Field(
        default=None, description="serving device price, for lifetime_cost 'dollars'"
    )
    lifetime_mfu_prefill: Fraction | None = Field(
        default=None, description="prefill utilisation for the dollar cost (default 0.5)"
    )
    lifetime_mfu_decode: Fraction | None = Field(
        default=None, description="decode utilisation for the dollar cost (default 0.01)"
    )

    @property
    def limit_fields(self) -> list[str]:
        names = (
            "max_decode_latency_ms",
            "max_time_to_first_token_ms",
            "max_memory_bytes_per_device",
            "min_tokens_per_second",
        )
        return [name for name in names if getattr(self, name) is not None]

    @property
    def has_lifetime(self) -> bool:
        return self.lifetime_tokens is not None or self.lifetime_requests is not None

    @property
    def lifetime_prompt_output(self) -> tuple[float, float] | None:
        """Lifetime (prompt, output) tokens, or None without a lifetime."""
        per_request = self.prompt_tokens + self.output_tokens
        if self.lifetime_requests is not None:
            total = self.lifetime_requests * per_request
        elif self.lifetime_tokens is not None:
            total = self.lifetime_tokens
        else:
            return None
        share = self.prompt_tokens / per_request
        return total * share, total * (1.0 - share)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.lifetime_tokens is not None and self.lifetime_requests is not None:
            raise ValueError(
                "inference: give at most one of inference.lifetime_tokens and "
                "inference.lifetime_requests"
            )
        timed = [f for f in self.limit_fields if f != "max_memory_bytes_per_device"]
        if timed and self.device is None:
            raise ValueError(f"inference.device is required for inference.{timed[0]}")
        if self.lifetime_cost == "dollars":
            if not self.has_lifetime:
                raise ValueError(
                    "inference.lifetime_cost 'dollars' needs inference.lifetime_tokens or "
                    "inference.lifetime_requests"
                )
            if self.device is None or self.price_per_gpu_hour is None:
                raise ValueError(
                    "inference.lifetime_cost 'dollars' needs inference.device and "
                    "inference.price_per_gpu_hour"
                )
        elif self.price_per_gpu_hour is not None:
            raise ValueError(
                "inference.price_per_gpu_hour is only used with lifetime_cost 'dollars'"
            )
        return self


class RetrievalSpec(StrictRequest):
    """A retrieval datastore beside the model (MassiveDS accounting, no quality law).

    The build cost (one retriever forward pass per datastore token) is taken from the
    training budget; the retrieved chunks lengthen every prompt.
    """

    datastore_tokens: Count
    retriever_params: Count | None = Field(
        default=None, description="default: Contriever-MSMARCO, 177M (MassiveDS)"
    )
    retrieved_chunks: Annotated[int, Field(strict=True, ge=0, le=100)] | None = Field(
        default=None, description="chunks prepended to each prompt (default 3)"
    )
    tokens_per_chunk: Annotated[float, Field(strict=True, gt=0, le=1e5)] | None = Field(
        default=None, description="default 284.2 (256 words in Llama-2 tokens)"
    )
    embedding_dim: Annotated[int, Field(strict=True, ge=1, le=65_536)] | None = None
    count_in_budget: bool = Field(
        default=True, description="take the datastore build FLOPs from the training budget"
    )
