r"""Roofline cost model of LLM serving: latency per token, time to first token, memory, throughput.

A documented model, not a fitted law (Pope et al. 2022; kipply 2022; llm-analysis; LLM-Viewer).
Each forward step takes the longer of its compute time and its memory-traffic time, plus
tensor-parallel communication where modelled:

.. math::

    t = \max\Big(\frac{F}{n\,F_{peak}\,\mathrm{MFU}}, \frac{B_{mem}}{n\,BW\,\mathrm{MBU}}\Big)
        + t_{comm}

Decode step (batch b, each sequence holding S cached tokens, P streams, p prefix tokens):
``F = b [P (2 N_s + 4 L d_attn (S + p)) + 2 N_shared]`` and
``B_mem = bytes_w * N + b P S kv``, with ``kv = 2 L n_kv d_head bytes_kv`` per token.
Prefill of S tokens: ``F = b [S (2 P N_s + 2 N_shared) + 4 P L d_attn (S^2 + S p)]`` and
``B_mem = bytes_w * N + b P S kv`` (the cache is written once).

Attention convention: QK^T and AV each cost 2 d_attn FLOPs per (query, key) pair and layer,
and the prefill's S^2 term is *not* halved for causality (Chinchilla App. F, llm-analysis;
Kaplan 2020 counts QK^T only). Memory traffic counts weights once per step and one read of the
KV cache; activations are assumed to stay on chip. Communication (kipply 2022): 4 collectives
per layer, each ``message_latency + tokens * d_model * bytes_act / interconnect_bandwidth``.

The achievable fractions MFU and MBU come from a named constant set of the catalogue record
``inference/roofline`` (default ``llm_analysis``: 0.7 / 0.7 / 0.9), so every latency the planner
reports is traced to its source like any fitted constant.

>>> shape = ServedModel(params=6.74e9, n_layer=32, n_kv_heads=32, d_head=128, d_model=4096)
>>> gpu = Accelerators(peak_flops=989.5e12, memory_bandwidth=3.35e12)
>>> step = decode_step(shape, ServingPrecision(2, 2), gpu, batch=1, context_tokens=1,
...                    efficiency=efficiency("ideal"))
>>> round(step.seconds * 1e3, 2), step.bound
(4.02, 'memory')
"""

from __future__ import annotations

import numpy as np

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import POPE2022
from ._law import InferenceLaw, InferenceTraits
from ._serving import (
    Accelerators,
    Efficiency,
    MemoryBreakdown,
    RequestCost,
    ServedModel,
    ServingEstimate,
    ServingPrecision,
    StepCost,
)

__all__ = [
    "LAW",
    "compute_bound_batch",
    "decode_flops_per_token",
    "decode_step",
    "decode_step_times",
    "decode_throughput",
    "efficiency",
    "estimate",
    "kv_cache_bytes_per_token",
    "prefill",
    "prefill_flops",
    "request",
    "request_times",
    "ridge_batch",
    "serving_memory",
    "time_to_first_token",
]


def kv_cache_bytes_per_token(
    n_layer: float, n_kv_heads: float, d_head: float, bytes_per_kv: float
) -> float:
    """Key + value cache of one token in one stream [bytes]: 2 * L * n_kv * d_head * bytes."""
    if not bytes_per_kv > 0:
        raise ValueError(f"bytes_per_kv must be positive, got {bytes_per_kv}")
    return 2.0 * n_layer * n_kv_heads * d_head * bytes_per_kv


def _kv_per_token(shape: ServedModel, precision: ServingPrecision) -> float:
    return kv_cache_bytes_per_token(
        shape.n_layer, shape.n_kv_heads, shape.d_head, precision.bytes_per_kv
    )


def efficiency(constant_set: str | None = None) -> Efficiency:
    """MFU/MBU defaults of a named constant set of ``inference/roofline``."""
    values = LAW.constant_set(constant_set).values
    return Efficiency(
        mfu_prefill=values["mfu_prefill"], mfu_decode=values["mfu_decode"], mbu=values["mbu"]
    )


def decode_flops_per_token(shape: ServedModel, context_tokens: float) -> float:
    """Forward FLOPs to decode one token of one sequence holding ``context_tokens`` in cache."""
    keys = context_tokens + shape.prefix_tokens
    per_stream = 2.0 * shape.matmul_params_per_stream + 4.0 * shape.n_layer * shape.d_attn * keys
    return shape.streams * per_stream + 2.0 * shape.stream_shared_params


def prefill_flops(shape: ServedModel, batch: int, prompt_tokens: int) -> float:
    """Forward FLOPs of the prefill of ``batch`` prompts of ``prompt_tokens`` (S^2 unhalved)."""
    s = float(prompt_tokens)
    matmul = s * (2.0 * shape.streams * shape.matmul_params_per_stream)
    matmul += s * 2.0 * shape.stream_shared_params
    attention = (
        4.0 * shape.streams * shape.n_layer * shape.d_attn * (s * s + s * shape.prefix_tokens)
    )
    return batch * (matmul + attention)


def _comm_seconds(shape: ServedModel, hw: Accelerators, tokens: float, bytes_act: float) -> float:
    if hw.count == 1 or hw.interconnect_bandwidth is None:
        return 0.0
    per_collective = hw.message_latency + tokens * shape.d_model * bytes_act / (
        hw.interconnect_bandwidth
    )
    return 4.0 * shape.n_layer * per_collective


def _step(
    flops: float, bytes_moved: float, hw: Accelerators, mfu: float, mbu: float, comm: float
) -> StepCost:
    compute = flops / (hw.count * hw.peak_flops * mfu)
    memory = bytes_moved / (hw.count * hw.memory_bandwidth * mbu)
    return StepCost(
        seconds=max(compute, memory) + comm,
        flops=flops,
        bytes_moved=bytes_moved,
        compute_seconds=compute,
        memory_seconds=memory,
        comm_seconds=comm,
    )


def decode_step(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    batch: int,
    context_tokens: float,
    efficiency: Efficiency | None = None,
) -> StepCost:
    """One decode step: a new token for each of ``batch`` sequences with ``context_tokens`` cached.

    ``context_tokens`` counts the tokens whose K/V are read in this step (the new one included).
    """
    _check_workload(batch, context_tokens)
    eff = efficiency or _default_efficiency()
    flops = batch * decode_flops_per_token(shape, context_tokens)
    kv = batch * shape.streams * context_tokens * _kv_per_token(shape, precision)
    bytes_moved = precision.bytes_per_weight * shape.params + kv
    comm = _comm_seconds(shape, hw, batch * shape.streams, precision.bytes_per_activation)
    return _step(flops, bytes_moved, hw, eff.mfu_decode, eff.mbu, comm)


def prefill(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    batch: int,
    prompt_tokens: int,
    efficiency: Efficiency | None = None,
) -> StepCost:
    """The prefill of ``batch`` prompts of ``prompt_tokens`` tokens in one pass."""
    _check_workload(batch, prompt_tokens)
    eff = efficiency or _default_efficiency()
    flops = prefill_flops(shape, batch, prompt_tokens)
    kv = batch * shape.streams * prompt_tokens * _kv_per_token(shape, precision)
    bytes_moved = precision.bytes_per_weight * shape.params + kv
    tokens = batch * shape.streams * prompt_tokens
    comm = _comm_seconds(shape, hw, tokens, precision.bytes_per_activation)
    return _step(flops, bytes_moved, hw, eff.mfu_prefill, eff.mbu, comm)


def time_to_first_token(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    prompt_tokens: int,
    batch: int = 1,
    efficiency: Efficiency | None = None,
) -> float:
    """Prefill time [s]; the prompt's last position yields the first output token."""
    return prefill(shape, precision, hw, batch, prompt_tokens, efficiency).seconds


def request(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    prompt_tokens: int,
    output_tokens: int,
    batch: int = 1,
    efficiency: Efficiency | None = None,
) -> RequestCost:
    """Prefill, then ``output_tokens`` decode steps; step j reads prompt + j cached tokens.

    This is the FasterTransformer/llm-analysis convention (total = prefill + n_out * decode).
    """
    _check_workload(batch, output_tokens)
    eff = efficiency or _default_efficiency()
    ttft = time_to_first_token(shape, precision, hw, prompt_tokens, batch, eff)
    contexts = prompt_tokens + np.arange(1, output_tokens + 1, dtype=np.float64)
    kv = _kv_per_token(shape, precision)
    keys = contexts + shape.prefix_tokens
    per_stream = 2.0 * shape.matmul_params_per_stream + 4.0 * shape.n_layer * shape.d_attn * keys
    flops = batch * (shape.streams * per_stream + 2.0 * shape.stream_shared_params)
    bytes_moved = precision.bytes_per_weight * shape.params + batch * shape.streams * contexts * kv
    compute = flops / (hw.count * hw.peak_flops * eff.mfu_decode)
    memory = bytes_moved / (hw.count * hw.memory_bandwidth * eff.mbu)
    comm = _comm_seconds(shape, hw, batch * shape.streams, precision.bytes_per_activation)
    decode = float(np.sum(np.maximum(compute, memory) + comm))
    return RequestCost(time_to_first_token=ttft, decode_seconds=decode, output_tokens=output_tokens)


def decode_throughput(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    batch: int,
    context_tokens: float,
    efficiency: Efficiency | None = None,
) -> float:
    """Generated tokens per second of one replica in steady decode [tokens/s]."""
    return batch / decode_step(shape, precision, hw, batch, context_tokens, efficiency).seconds


def serving_memory(
    shape: ServedModel,
    precision: ServingPrecision,
    batch: int,
    context_tokens: float,
    prompt_tokens: int = 0,
) -> MemoryBreakdown:
    """Memory of one replica [bytes] holding ``batch`` sequences of ``context_tokens`` each.

    Activations modelled: the logits of a prefill chunk of ``prompt_tokens``
    (batch * prompt * vocab * bytes_act; zero when ``vocab_size`` is 0), the largest
    single transient of a large-vocabulary model. Framework reserves and fragmentation are
    not modelled.
    """
    weights = precision.bytes_per_weight * shape.params
    kv = batch * shape.streams * context_tokens * _kv_per_token(shape, precision)
    logits = batch * prompt_tokens * shape.vocab_size * precision.bytes_per_activation
    return MemoryBreakdown(weights=weights, kv_cache=kv, activations=float(logits))


def compute_bound_batch(
    precision: ServingPrecision, hw: Accelerators, efficiency: Efficiency | None = None
) -> float:
    """Batch above which decode turns compute-bound, KV and attention ignored (kipply's ridge).

    ``(F_peak * MFU_decode) / (BW * MBU) * bytes_per_weight / 2``; 208 for 16-bit weights on an
    A100 at 312e12 FLOP/s and 1.5e12 B/s.
    """
    eff = efficiency or _default_efficiency()
    ratio = (hw.peak_flops * eff.mfu_decode) / (hw.memory_bandwidth * eff.mbu)
    return ratio * precision.bytes_per_weight / 2.0


def estimate(
    shape: ServedModel,
    precision: ServingPrecision,
    hw: Accelerators,
    prompt_tokens: int,
    output_tokens: int,
    batch: int = 1,
    efficiency: Efficiency | None = None,
) -> ServingEstimate:
    """One call for the planner: TTFT, decode latency, throughput and memory of a replica.

    ``batch`` requests of ``prompt_tokens`` each generate ``output_tokens`` (>= 1).
    """
    if output_tokens < 1:
        raise ValueError("output_tokens must be >= 1")
    eff = efficiency or _default_efficiency()
    cost = request(shape, precision, hw, prompt_tokens, output_tokens, batch, eff)
    last = decode_step(shape, precision, hw, batch, prompt_tokens + output_tokens, eff)
    memory = serving_memory(shape, precision, batch, prompt_tokens + output_tokens, prompt_tokens)
    capacity = hw.total_memory_bytes
    return ServingEstimate(
        time_to_first_token=cost.time_to_first_token,
        decode_seconds_per_token=cost.decode_seconds_per_token,
        worst_decode_seconds=last.seconds,
        decode_throughput=batch / cost.decode_seconds_per_token,
        memory=memory,
        bound=last.bound,
        fits=None if capacity is None else memory.total <= capacity,
    )


def _check_workload(batch: int, tokens: float) -> None:
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    if tokens < 0:
        raise ValueError(f"token counts must be >= 0, got {tokens}")


def _default_efficiency() -> Efficiency:
    return efficiency(None)


# ---------------------------------------------------------------------------------------------
# Catalogue record: efficiency defaults as constant sets, published anchors as golden vectors.

_LLM_ANALYSIS = ConstantSet(
    name="llm_analysis",
    values={"mfu_prefill": 0.7, "mfu_decode": 0.7, "mbu": 0.9},
    source="llm-analysis README: flops efficiency up to 0.7 for inference, HBM memory "
    "efficiency 0.9 as an aggressive target; the FasterTransformer example uses the same 0.7/0.9 "
    "'observed by profiling' in kipply 2022 (best memory-bandwidth fraction ~90% on 1 GPU); "
    "ParScale's cost_analysis.py uses 0.7/0.9",
    evidence=Evidence.VERIFIED,
    note="Optimistic: measured FasterTransformer decode implies MBU ~0.76 (set "
    "fastertransformer_13b), NVIDIA NeMo Llama-2-7B tables ~0.53-0.58 (single copy, not used).",
)

_IDEAL = ConstantSet(
    name="ideal",
    values={"mfu_prefill": 1.0, "mfu_decode": 1.0, "mbu": 1.0},
    source="llm-analysis constant.py defaults (FLOPS_EFFICIENCY = HBM_MEMORY_EFFICIENCY = 1) and "
    "LLM-Viewer's pure roofline: a lower bound on latency",
    evidence=Evidence.VERIFIED,
)

# Derived here from kipply's FasterTransformer 13B measurement (1x A100-40GB, 512-token
# context, batch 1, 10 generated tokens): ideal times of this model divided by the measured
# ones. Ideal prefill 13.364 TFLOP / 312e12 = 42.832 ms vs 63.17 ms measured; ideal mean decode
# step (25.681 GB weights + 0.4239 GB mean KV read) / 1.555e12 = 16.788 ms vs 22.0 ms.
_FT13B = ConstantSet(
    name="fastertransformer_13b",
    values={"mfu_prefill": 0.678046, "mfu_decode": 0.678046, "mbu": 0.763092},
    source="derived: this model's ideal times for kipply 2022's FasterTransformer 13B benchmark "
    "(1x A100-40GB, 512 context, batch 1) divided by the measured 63.17 ms prefill and "
    "22.0 ms/token decode",
    evidence=Evidence.DERIVED,
    note="One measured system (FasterTransformer, 2022); decode MFU is set equal to prefill "
    "MFU because decode is memory-bound there and the measurement does not constrain it.",
)


def _shape(
    params: float,
    n_layer: float,
    n_kv_heads: float,
    d_head: float,
    d_model: float,
    n_heads: float | None,
    vocab_size: float,
    stream_shared_params: float,
    streams: float,
    prefix_tokens: float,
) -> ServedModel:
    return ServedModel(
        params=params,
        n_layer=int(n_layer),
        n_kv_heads=int(n_kv_heads),
        d_head=int(d_head),
        d_model=int(d_model),
        n_heads=None if n_heads is None else int(n_heads),
        vocab_size=int(vocab_size),
        stream_shared_params=stream_shared_params,
        streams=int(streams),
        prefix_tokens=int(prefix_tokens),
    )


def _accelerators(
    peak_flops: float,
    memory_bandwidth: float,
    n_devices: float,
    interconnect_bandwidth: float | None,
    message_latency: float,
) -> Accelerators:
    return Accelerators(
        peak_flops=peak_flops,
        memory_bandwidth=memory_bandwidth,
        count=int(n_devices),
        interconnect_bandwidth=interconnect_bandwidth,
        message_latency=message_latency,
    )


def ridge_batch(
    bytes_per_weight: float,
    peak_flops: float,
    memory_bandwidth: float,
    *,
    mfu_prefill: float,
    mfu_decode: float,
    mbu: float,
) -> dict[str, float]:
    """:func:`compute_bound_batch` of one device [sequences] as ``batch`` (kipply 2022)."""
    hw = Accelerators(peak_flops=peak_flops, memory_bandwidth=memory_bandwidth)
    eff = Efficiency(mfu_prefill, mfu_decode, mbu)
    return {"batch": compute_bound_batch(ServingPrecision(bytes_per_weight, 2.0), hw, eff)}


def decode_step_times(
    params: float,
    n_layer: float,
    n_kv_heads: float,
    d_head: float,
    d_model: float,
    bytes_per_weight: float,
    bytes_per_kv: float,
    peak_flops: float,
    memory_bandwidth: float,
    context_tokens: float,
    batch: float = 1,
    n_devices: float = 1,
    interconnect_bandwidth: float | None = None,
    message_latency: float = 0.0,
    *,
    mfu_prefill: float,
    mfu_decode: float,
    mbu: float,
) -> dict[str, float]:
    """:func:`decode_step` of a plain model [seconds]: total, compute, memory and
    communication times of one step (sizes in parameters, bytes, FLOP/s and B/s)."""
    shape = _shape(params, n_layer, n_kv_heads, d_head, d_model, None, 0, 0.0, 1, 0)
    hw = _accelerators(
        peak_flops, memory_bandwidth, n_devices, interconnect_bandwidth, message_latency
    )
    precision = ServingPrecision(bytes_per_weight, bytes_per_kv)
    eff = Efficiency(mfu_prefill, mfu_decode, mbu)
    step = decode_step(shape, precision, hw, int(batch), context_tokens, eff)
    return {
        "seconds": step.seconds,
        "compute_seconds": step.compute_seconds,
        "memory_seconds": step.memory_seconds,
        "comm_seconds": step.comm_seconds,
    }


def request_times(
    params: float,
    n_layer: float,
    n_kv_heads: float,
    d_head: float,
    d_model: float,
    bytes_per_weight: float,
    bytes_per_kv: float,
    peak_flops: float,
    memory_bandwidth: float,
    prompt_tokens: float,
    output_tokens: float,
    batch: float = 1,
    n_devices: float = 1,
    *,
    mfu_prefill: float,
    mfu_decode: float,
    mbu: float,
) -> dict[str, float]:
    """:func:`request` and :func:`serving_memory` of a plain model on one device group:
    TTFT, decode time per token and total [seconds], memory and KV cache [bytes]."""
    shape = _shape(params, n_layer, n_kv_heads, d_head, d_model, None, 0, 0.0, 1, 0)
    hw = _accelerators(peak_flops, memory_bandwidth, n_devices, None, 0.0)
    precision = ServingPrecision(bytes_per_weight, bytes_per_kv)
    eff = Efficiency(mfu_prefill, mfu_decode, mbu)
    prompt, out, b = int(prompt_tokens), int(output_tokens), int(batch)
    cost = request(shape, precision, hw, prompt, out, b, eff)
    memory = serving_memory(shape, precision, b, prompt + out, prompt)
    return {
        "time_to_first_token": cost.time_to_first_token,
        "decode_seconds_per_token": cost.decode_seconds_per_token,
        "total_seconds": cost.total_seconds,
        "serving_memory_bytes": memory.total,
        "kv_cache_bytes": memory.kv_cache,
    }


LAW = CATALOG.register(
    InferenceLaw(
        id="roofline",
        family="inference",
        kind="cost_model",
        title="Roofline cost model of LLM serving (latency per token, TTFT, memory, throughput)",
        reference=POPE2022,
        equations=(
            "t_step = max(FLOPs / (n F_peak MFU), bytes / (n BW MBU)) + t_comm",
            "decode FLOPs/token = P (2 N_s + 4 L d_attn (S + p)) + 2 N_shared "
            "(QK^T and AV counted, Chinchilla App. F / llm-analysis convention)",
            "prefill FLOPs = S (2 P N_s + 2 N_shared) + 4 P L d_attn (S^2 + S p) (S^2 not halved)",
            "decode bytes/step = bytes_w N + b P S kv; kv = 2 L n_kv d_head bytes_kv "
            "(kipply 2022; llm-analysis get_memory_kv_cache_per_layer)",
            "t_comm = 4 L (latency + tokens d_model bytes_act / interconnect BW) (kipply 2022)",
            "compute-bound batch = F_peak MFU / (BW MBU) * bytes_w / 2 (kipply 2022: 208 on A100)",
        ),
        quantities={
            "N": "n_params_total",
            "P": "parallel_streams",
            "kv": "kv_cache_bytes_per_token",
            "t_dec": "decode_latency_per_token",
            "TTFT": "time_to_first_token",
            "M": "serving_memory_bytes",
            "R": "decode_throughput",
        },
        validity={
            "n_params_total": Interval(
                lower=6.3e8,
                upper=2.6e11,
                source="published anchors this model reproduces: ParScale 0.7B-4.7B "
                "(llm-analysis runs), FasterTransformer 13B, kipply's 260B example",
            ),
            "parallel_streams": Interval(
                lower=1, upper=8, source="ParScale cost analysis (P = 1..8) reproduced"
            ),
        },
        constant_sets=(_LLM_ANALYSIS, _IDEAL, _FT13B),
        default_constant_set="llm_analysis",
        traits=InferenceTraits(),
        functions={
            "decode_step_times": decode_step_times,
            "kv_cache_bytes_per_token": kv_cache_bytes_per_token,
            "request_times": request_times,
            "ridge_batch": ridge_batch,
        },
        golden=golden_vectors(__file__, "roofline"),
        notes=(
            "Not a fitted law: a documented roofline (Pope et al. 2022, arXiv 2211.05102; kipply "
            "2022 'Transformer Inference Arithmetic'; llm-analysis by C. Li; LLM-Viewer, Yuan et "
            "al. 2024, arXiv 2402.16363). It is registered so that its efficiency defaults are "
            "traced (constant set, source, evidence) like any fitted constant.",
            "Whole-step roofline: one max(compute, memory) per step rather than per operator "
            "(llm-analysis, LLM-Viewer); at batch 1 both agree within 2% on the 13B anchor.",
            "Pope et al. 2022 report 76% MFU for large-batch prefill and 29 ms/token decode for "
            "PaLM 540B (int8, 64 TPU v4); not a golden vector because TPU v4 bandwidth is not in "
            "the hardware table and the implied MBU (~0.24) would be circular.",
            "kipply's profile of the 13B run: MLP matmuls 72% of peak, attention projections 54%; "
            "memory-bound elementwise ops ~43% of time at 336M, ~5% projected at 52B.",
            "Inverses (largest N under a latency or memory limit) are in "
            "laws_catalog.inference.limits.",
        ),
        caveats=(
            "Latency and memory come from a roofline with assumed utilisation (MFU/MBU), not "
            "from measurements of your serving stack; real decode often reaches 0.5-0.8 of "
            "peak bandwidth.",
            "Queueing, sampling, network and framework overheads (and KV paging waste) are not "
            "modelled.",
        ),
    )
)
