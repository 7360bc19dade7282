"""Plain inputs and outputs of the inference cost model (no dependence on other modules).

Everything is a frozen dataclass of plain numbers so the planner, the shape module and the
hardware table can build them however they like. Units are SI: seconds, bytes, FLOP/s,
bytes/s; parameter counts are counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from ..hardware import device

__all__ = [
    "Accelerators",
    "Efficiency",
    "MemoryBreakdown",
    "ServedModel",
    "RequestCost",
    "ServingEstimate",
    "ServingPrecision",
    "StepCost",
]


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True, slots=True)
class ServedModel:
    """What the cost model needs to know about a served (decoder-only) transformer.

    ``params`` counts every weight held in accelerator memory and read once per decode step:
    embeddings, LM head and, for a parallel-stream model, its extra parameters. Forward
    matmul FLOPs per token are ``2 * params`` for an ordinary model (a tied embedding table is
    counted once, as the LM head; an untied input table is over-counted by 2*V*d FLOPs,
    which kipply 2022 and llm-analysis also do).

    Parallel streams (``streams`` = P, ParScale): the backbone runs P times per token, while
    ``stream_shared_params`` (embedding/LM head, stream aggregator) run once; each stream
    attends to ``prefix_tokens`` learned key/value pairs per layer. Those prefix K/V are
    parameters (included in ``params``), stored and read once per step, not per sequence.

    The dimensions are usually integers; a smooth shape rule (the planner's monotone surrogate
    for latency limits) may pass fractional ones, which every formula here accepts.
    """

    params: float
    n_layer: float
    n_kv_heads: float
    d_head: float
    d_model: float
    n_heads: int | None = None
    vocab_size: int = 0
    stream_shared_params: float = 0.0
    streams: int = 1
    prefix_tokens: int = 0

    def __post_init__(self) -> None:
        _positive("params", self.params)
        for name in ("n_layer", "n_kv_heads", "d_head", "d_model", "streams"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"{name} must be >= 1")
        if self.n_heads is not None and self.n_heads < self.n_kv_heads:
            raise ValueError("n_heads must be at least n_kv_heads")
        if self.vocab_size < 0 or self.prefix_tokens < 0 or self.stream_shared_params < 0:
            raise ValueError("vocab_size, prefix_tokens and stream_shared_params must be >= 0")
        if self.matmul_params_per_stream <= 0:
            raise ValueError("stream_shared_params plus prefix K/V exceed params")

    @property
    def d_attn(self) -> float:
        """Query width n_heads * d_head (d_model when n_heads is not given)."""
        return self.d_model if self.n_heads is None else self.n_heads * self.d_head

    @property
    def prefix_kv_params(self) -> float:
        """Learned prefix keys and values: P * prefix * 2 * n_layer * n_kv_heads * d_head."""
        return float(
            self.streams * self.prefix_tokens * 2 * self.n_layer * self.n_kv_heads * self.d_head
        )

    @property
    def matmul_params_per_stream(self) -> float:
        """Parameters whose matmuls run once per stream per token."""
        return self.params - self.stream_shared_params - self.prefix_kv_params

    def with_params(self, params: float) -> ServedModel:
        """Same shape with a different parameter count (the KV footprint stays fixed)."""
        return replace(self, params=params)


@dataclass(frozen=True, slots=True)
class ServingPrecision:
    """Bytes per stored weight, per KV-cache element and per activation element.

    The compute format of the matmuls is chosen through :attr:`Accelerators.peak_flops`:
    weight-only quantisation (int4 weights, bf16 compute) lowers bytes, not peak FLOP/s.
    """

    bytes_per_weight: float
    bytes_per_kv: float
    bytes_per_activation: float = 2.0

    def __post_init__(self) -> None:
        _positive("bytes_per_weight", self.bytes_per_weight)
        _positive("bytes_per_kv", self.bytes_per_kv)
        _positive("bytes_per_activation", self.bytes_per_activation)


@dataclass(frozen=True, slots=True)
class Accelerators:
    """One model replica's devices: per-device dense peak and bandwidth, and how many.

    ``interconnect_bandwidth`` [bytes/s per device] and ``message_latency`` [s] enable the
    tensor-parallel communication term of kipply 2022 (4 collectives per layer per step);
    without them communication is not modelled (reported as 0).
    """

    peak_flops: float
    memory_bandwidth: float
    memory_bytes: float | None = None
    count: int = 1
    interconnect_bandwidth: float | None = None
    message_latency: float = 0.0

    def __post_init__(self) -> None:
        _positive("peak_flops", self.peak_flops)
        _positive("memory_bandwidth", self.memory_bandwidth)
        if self.count < 1:
            raise ValueError("count must be >= 1")
        if self.memory_bytes is not None:
            _positive("memory_bytes", self.memory_bytes)
        if self.interconnect_bandwidth is not None:
            _positive("interconnect_bandwidth", self.interconnect_bandwidth)
        if self.message_latency < 0:
            raise ValueError("message_latency must be >= 0")

    @classmethod
    def from_table(
        cls,
        device_name: str,
        number_format: str,
        count: int = 1,
        *,
        interconnect_bandwidth: float | None = None,
        message_latency: float = 0.0,
    ) -> Accelerators:
        """Build from :mod:`laws_catalog.hardware` (dense peak of ``number_format``)."""
        dev = device(device_name)
        return cls(
            peak_flops=dev.peak_flops(number_format),
            memory_bandwidth=dev.memory_bandwidth.value,
            memory_bytes=dev.memory_bytes.value,
            count=count,
            interconnect_bandwidth=interconnect_bandwidth,
            message_latency=message_latency,
        )

    @property
    def total_memory_bytes(self) -> float | None:
        return None if self.memory_bytes is None else self.memory_bytes * self.count


@dataclass(frozen=True, slots=True)
class Efficiency:
    """Achievable fractions of peak: MFU in prefill and in decode, MBU (bandwidth)."""

    mfu_prefill: float
    mfu_decode: float
    mbu: float

    def __post_init__(self) -> None:
        for name in ("mfu_prefill", "mfu_decode", "mbu"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {value}")


@dataclass(frozen=True, slots=True)
class StepCost:
    """One forward step: its time and the work that set it."""

    seconds: float
    flops: float
    bytes_moved: float
    compute_seconds: float
    memory_seconds: float
    comm_seconds: float

    @property
    def bound(self) -> Literal["compute", "memory"]:
        return "compute" if self.compute_seconds >= self.memory_seconds else "memory"


@dataclass(frozen=True, slots=True)
class RequestCost:
    """A batch of requests: prefill, then ``output_tokens`` decode steps."""

    time_to_first_token: float
    decode_seconds: float
    output_tokens: int

    @property
    def decode_seconds_per_token(self) -> float:
        return self.decode_seconds / self.output_tokens if self.output_tokens else 0.0

    @property
    def total_seconds(self) -> float:
        return self.time_to_first_token + self.decode_seconds


@dataclass(frozen=True, slots=True)
class MemoryBreakdown:
    """Accelerator memory of one replica [bytes]."""

    weights: float
    kv_cache: float
    activations: float

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.activations


@dataclass(frozen=True, slots=True)
class ServingEstimate:
    """Everything the planner reports for one served configuration (one replica).

    ``decode_seconds_per_token`` is the mean step over the output; ``worst_decode_seconds``
    the last step (longest context), the one a per-token latency limit must hold for.
    ``fits`` is None when the device memory is unknown.
    """

    time_to_first_token: float
    decode_seconds_per_token: float
    worst_decode_seconds: float
    decode_throughput: float
    memory: MemoryBreakdown
    bound: Literal["compute", "memory"]
    fits: bool | None
