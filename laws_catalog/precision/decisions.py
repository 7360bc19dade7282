"""Precision as a decision: which formats a device trains in, what a format costs in loss, and
which serving format fits a memory limit.

Every answer names the law and constant set it used, the law's caveats, the inputs keyed by
glossary quantity (for fitted-range checks) and warnings where a number format had to be mapped
onto what the law was fitted on.

* :func:`training_formats` - formats a device runs natively, with the dense peak figure.
* :func:`training_penalty` - loss added by training in a format, by Sun et al. 2025 (floats:
  exponent, mantissa and block size) or Kumar et al. 2024 (bit width).
* :func:`serving_estimate` - post-training-quantisation loss increase and weight memory.
* :func:`best_serving_format` - the lowest-loss serving format whose weights fit a limit.

>>> [p.format.name for p in training_formats("h100")]
['fp8_e4m3', 'fp8_e5m2', 'bf16', 'fp16', 'tf32', 'fp32']
>>> round(training_penalty("nvfp4", 1e9, 1e12).value, 4)
0.0661
>>> choice = best_serving_format(10e9, 7e9, 2e12)  # 10 GB for a 7B model's weights
>>> choice.best.format.name, choice.best.weight_bytes / 1e9
('fp8_e4m3', 7.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from .._registry import CATALOG
from ..hardware import Device, Figure, device
from ._law import PrecisionLaw, out_of_range_messages
from .formats import FORMATS, NumberFormat, number_format

__all__ = [
    "DEFAULT_SERVING_LAW",
    "DEFAULT_TRAINING_LAW",
    "SERVING_LAWS",
    "TRAINING_LAWS",
    "FormatPeak",
    "PrecisionEstimate",
    "ServingChoice",
    "ServingEstimate",
    "best_serving_format",
    "serving_estimate",
    "supports",
    "training_formats",
    "training_penalty",
]

TRAINING_LAWS = ("sun2025", "kumar2024")
SERVING_LAWS = ("ouyang2024", "kumar2024")
DEFAULT_TRAINING_LAW = "sun2025"
DEFAULT_SERVING_LAW = "ouyang2024"
LOSS_INCREASE = "loss_increase_nats_per_token"


@dataclass(frozen=True, slots=True)
class FormatPeak:
    """A format a device runs natively and its dense peak (FLOP/s or OP/s, with source)."""

    format: NumberFormat
    peak: Figure

    @property
    def flops(self) -> float:
        return self.peak.value


@dataclass(frozen=True, slots=True)
class PrecisionEstimate:
    """A loss increase [nats/token] predicted by one law for one format."""

    value: float
    format: str
    law: str
    constant_set: str
    evaluation: str
    inputs: dict[str, float]
    caveats: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    quantity: str = LOSS_INCREASE


@dataclass(frozen=True, slots=True)
class ServingEstimate:
    """Serving a model in one format: loss increase from PTQ and the weights' memory."""

    format: NumberFormat
    loss_increase: PrecisionEstimate
    bits_per_param: float
    params_stored: float
    weight_bytes: float
    law_loss: float
    law_loss_evaluation: str
    loss: float | None = None


@dataclass(frozen=True, slots=True)
class ServingChoice:
    """The outcome of :func:`best_serving_format`; ``best`` is None when nothing fits."""

    best: ServingEstimate | None
    memory_limit_bytes: float
    loss_tolerance: float
    feasible: tuple[ServingEstimate, ...]
    too_large: tuple[ServingEstimate, ...] = field(default=())


def supports(dev: Device, fmt: str | NumberFormat) -> bool:
    """True if ``dev`` runs ``fmt`` natively: a dense peak for its row and, for block-scaled
    formats, the device lists the format among its block-scaled ones."""
    f = number_format(fmt)
    if f.hardware_key not in dev.dense_peak:
        return False
    return not f.block_scaled or f.name in dev.block_scaled_formats


def training_formats(
    dev: str | Device,
    *,
    extra: Mapping[str, Device] | None = None,
    include_integer: bool = False,
) -> list[FormatPeak]:
    """Formats ``dev`` trains in natively, fastest first (dense peak, then fewer bits).

    ``extra`` are user devices (:func:`laws_catalog.hardware.load_devices`). Integer formats
    are left out unless ``include_integer``: training in them is a research setting.
    """
    found = dev if isinstance(dev, Device) else device(dev, extra)
    rows = [
        FormatPeak(format=f, peak=found.dense_peak[f.hardware_key])
        for f in FORMATS.values()
        if supports(found, f) and (include_integer or f.kind == "float")
    ]
    return sorted(rows, key=lambda r: (-r.flops, r.format.total_bits, r.format.name))


def _law(name: str, allowed: tuple[str, ...]) -> PrecisionLaw:
    if name not in allowed:
        raise ValueError(f"law {name!r} does not answer this; allowed: {list(allowed)}")
    return cast(PrecisionLaw, CATALOG.get("precision", name))


def _check_sizes(n_params: float, n_tokens: float) -> None:
    for label, value in (("n_params", n_params), ("n_tokens", n_tokens)):
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{label} must be positive and finite, got {value}")


def _reference_estimate(
    f: NumberFormat, law: PrecisionLaw, cset: str, inputs: dict[str, float]
) -> PrecisionEstimate:
    return PrecisionEstimate(
        value=0.0,
        format=f.name,
        law=law.key,
        constant_set=cset,
        evaluation=law.traits.evaluation,
        inputs=inputs,
        caveats=law.caveats,
        warnings=(f"{f.name} is {f.total_bits}-bit: the law's unquantised (BF16) baseline",),
    )


def training_penalty(
    fmt: str | NumberFormat,
    n_params: float,
    n_tokens: float,
    *,
    law: str = DEFAULT_TRAINING_LAW,
    constant_set: str | None = None,
    log2_block: float | None = None,
) -> PrecisionEstimate:
    """Loss added by training in ``fmt`` instead of BF16 [nats/token].

    ``n_params`` is the law's N (non-embedding), ``n_tokens`` training tokens. With Sun et al.
    (default) the format's E, M and block size enter; an unblocked format (per-tensor FP8,
    INT8) is modelled as channel-wise scaled unless ``log2_block`` says otherwise. With Kumar et
    al. weights, activations and KV cache are all trained at the format's bit width.
    """
    _check_sizes(n_params, n_tokens)
    f = number_format(fmt)
    chosen = _law(law, TRAINING_LAWS)
    cset = chosen.constant_set(constant_set).name
    if chosen.kind == "float_training":
        return _sun_penalty(chosen, cset, f, n_params, n_tokens, log2_block)
    return _kumar_penalty(chosen, cset, f, n_params, n_tokens)


def _sun_penalty(
    law: PrecisionLaw,
    cset: str,
    f: NumberFormat,
    n: float,
    d: float,
    log2_block: float | None,
) -> PrecisionEstimate:
    inputs = {"n_params_non_embedding": n, "n_tokens": d}
    if f.is_reference:
        return _reference_estimate(f, law, cset, inputs)
    warnings: list[str] = []
    if log2_block is None:
        log2_block = f.log2_block
    if log2_block is None:
        log2_block = law.constant_set(cset).values["log2_B_channel"]
        warnings.append(
            f"{f.name} has no block scale: modelled as channel-wise scaled (log2 B = "
            f"{log2_block}); per-tensor scaling is worse and its constants are unpublished"
        )
    elif f.block_scaled:
        warnings.append(
            f"{f.name}'s {f.scale_format} block scales are modelled as exact high-precision "
            f"scales per {f.block_size} elements"
        )
    if f.kind == "int":
        warnings.append(f"{f.name} is treated as E0M{f.mantissa_bits} (Sun et al.'s INT mapping)")
    e, m = f.exponent_bits, f.mantissa_bits
    inputs |= {
        "exponent_bits": float(e),
        "mantissa_bits": float(m),
        "block_size": 2.0**log2_block,
        "training_bits": float(f.total_bits),
    }
    assert law.traits.fitted_exponent_bits is not None
    low, high = law.traits.fitted_exponent_bits
    if not low <= e <= high:
        warnings.append(
            f"exponent_bits = {e} is outside the fitted E range {low}-{high} of {law.key}"
        )
    warnings += out_of_range_messages(law, inputs)
    value = law.call(
        "penalty",
        cset,
        n_params=n,
        n_tokens=d,
        exponent_bits=e,
        mantissa_bits=m,
        log2_block=log2_block,
    )
    return PrecisionEstimate(
        value=value,
        format=f.name,
        law=law.key,
        constant_set=cset,
        evaluation=law.traits.evaluation,
        inputs=inputs,
        caveats=law.caveats,
        warnings=tuple(warnings),
    )


def _kumar_penalty(
    law: PrecisionLaw, cset: str, f: NumberFormat, n: float, d: float
) -> PrecisionEstimate:
    inputs = {"n_params_non_embedding": n, "n_tokens": d, "tokens_per_param": d / n}
    if f.is_reference:
        return _reference_estimate(f, law, cset, inputs)
    bits = float(f.total_bits)
    inputs["training_bits"] = bits
    warnings = [f"weights, activations and KV cache all trained at {f.total_bits} bits"]
    if f.kind == "float":
        warnings.append(
            f"{f.name} is a float: the integer-fitted law is applied by bit width (floats "
            "lose less at the same width below ~4 bits, Fig. 6)"
        )
    warnings += out_of_range_messages(law, inputs)
    value = law.call("training_penalty", cset, n_params=n, bits_w=bits, bits_a=bits, bits_kv=bits)
    return PrecisionEstimate(
        value=value,
        format=f.name,
        law=law.key,
        constant_set=cset,
        evaluation=law.traits.evaluation,
        inputs=inputs,
        caveats=law.caveats,
        warnings=tuple(warnings),
    )


def serving_estimate(
    fmt: str | NumberFormat,
    n_params: float,
    n_tokens: float,
    *,
    law: str = DEFAULT_SERVING_LAW,
    constant_set: str | None = None,
    n_params_stored: float | None = None,
    base_loss: float | None = None,
) -> ServingEstimate:
    """Loss increase from post-training quantisation to ``fmt`` and the weights' memory.

    ``n_params`` is the law's N (non-embedding) of a model trained in 16-bit on ``n_tokens``;
    ``n_params_stored`` is what the weight memory counts (default ``n_params``: pass the total,
    embeddings included, when they are stored in the same format). ``base_loss`` (the
    planner's own predicted loss) gives ``loss = base_loss + increase``; ``law_loss`` is the
    law's own prediction on its evaluation set.
    """
    _check_sizes(n_params, n_tokens)
    f = number_format(fmt)
    chosen = _law(law, SERVING_LAWS)
    cset = chosen.constant_set(constant_set).name
    stored = n_params if n_params_stored is None else n_params_stored
    inputs = {"n_params_non_embedding": n_params, "n_tokens": n_tokens}
    bits = float(f.total_bits)
    sizes = {"n_params": n_params, "n_tokens": n_tokens}
    if chosen.kind == "ptq_power_law":
        base = chosen.call("loss_16bit", cset, **sizes)
        increase = 0.0 if f.is_reference else chosen.call("degradation", cset, **sizes, bits=bits)
    else:
        inputs["tokens_per_param"] = n_tokens / n_params
        base = chosen.call("loss_without_ptq", cset, **sizes)
        increase = 0.0
        if not f.is_reference:
            increase = chosen.call("ptq_degradation", cset, **sizes, post_bits=bits)
    if f.is_reference:
        estimate = _reference_estimate(f, chosen, cset, inputs)
    else:
        inputs["post_training_bits"] = bits
        warnings = []
        if f.kind == "float":
            warnings.append(
                f"{f.name} is a float: the integer (GPTQ) PTQ law is applied by bit width"
            )
        if f.block_scaled:
            warnings.append(f"block scales of {f.name} are not modelled; element bits used")
        warnings += out_of_range_messages(chosen, inputs)
        estimate = PrecisionEstimate(
            value=increase,
            format=f.name,
            law=chosen.key,
            constant_set=cset,
            evaluation=chosen.traits.evaluation,
            inputs=inputs,
            caveats=chosen.caveats,
            warnings=tuple(warnings),
        )
    return ServingEstimate(
        format=f,
        loss_increase=estimate,
        bits_per_param=f.bits_per_element,
        params_stored=stored,
        weight_bytes=f.weight_bytes(stored),
        law_loss=base + increase,
        law_loss_evaluation=chosen.traits.evaluation,
        loss=None if base_loss is None else base_loss + increase,
    )


SERVING_CANDIDATES = tuple(name for name in FORMATS if name != "tf32")


def best_serving_format(
    memory_limit_bytes: float,
    n_params: float,
    n_tokens: float,
    *,
    candidates: Iterable[str | NumberFormat] | None = None,
    law: str = DEFAULT_SERVING_LAW,
    constant_set: str | None = None,
    n_params_stored: float | None = None,
    base_loss: float | None = None,
    loss_tolerance: float = 0.0,
) -> ServingChoice:
    """The serving format with the lowest predicted loss whose weights fit the limit.

    Among formats within ``loss_tolerance`` [nats/token] of the lowest increase, the one with
    the fewest bytes wins (ties by name). Weight memory only: KV cache, activations and
    runtime overheads must be subtracted from the limit by the caller.
    """
    if not (memory_limit_bytes > 0 and math.isfinite(memory_limit_bytes)):
        raise ValueError(f"memory_limit_bytes must be positive, got {memory_limit_bytes}")
    if loss_tolerance < 0:
        raise ValueError("loss_tolerance must be >= 0")
    names = SERVING_CANDIDATES if candidates is None else tuple(candidates)
    if not names:
        raise ValueError("no candidate formats")
    estimates = [
        serving_estimate(
            name,
            n_params,
            n_tokens,
            law=law,
            constant_set=constant_set,
            n_params_stored=n_params_stored,
            base_loss=base_loss,
        )
        for name in names
    ]
    fits = [e for e in estimates if e.weight_bytes <= memory_limit_bytes]
    too_large = tuple(
        sorted(
            (e for e in estimates if e.weight_bytes > memory_limit_bytes),
            key=lambda e: e.weight_bytes,
        )
    )
    if not fits:
        return ServingChoice(None, memory_limit_bytes, loss_tolerance, (), too_large)
    lowest = min(e.loss_increase.value for e in fits)
    near = [e for e in fits if e.loss_increase.value <= lowest + loss_tolerance]
    best = min(near, key=lambda e: (e.weight_bytes, e.format.name))
    ranked = tuple(sorted(fits, key=lambda e: (e.loss_increase.value, e.weight_bytes)))
    return ServingChoice(best, memory_limit_bytes, loss_tolerance, ranked, too_large)
