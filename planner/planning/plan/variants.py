"""Discrete choices around the convex core: each variant is one geometric program.

A variant fixes what cannot enter a GP continuously - the training number format today (the
parallel-stream count and serving limits join it in the inference planner) - and says how it
changes the problem: the loss law (a precision penalty term, or effective parameters), the
FLOPs the budget buys, how training compute scales, and extra bounds. The routes solve every
variant and keep the best; all of them are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from laws_catalog import PosynomialLoss, PowerTerm, ResolvedLaw
from laws_catalog.hardware import Device
from laws_catalog.precision import decisions
from laws_catalog.precision._law import PrecisionLaw
from laws_catalog.precision.formats import (
    FORMATS,
    REFERENCE_BITS,
    NumberFormat,
    UnknownFormat,
    number_format,
)

from ...deadline import checkpoint
from ...errors import InvalidRequest
from ...optimize.program import Constraint
from ...schemas.requests import Budget
from ...schemas.responses import AnswerWarning
from .budget import budget_device, budget_flops, gpu_hours

__all__ = ["Variant", "base_variant", "effective_params_loss", "training_variants"]


@dataclass(frozen=True)
class Variant:
    """One discrete configuration and the continuous problem it leaves."""

    loss: PosynomialLoss
    """The law the optimiser minimises (with this variant's penalty or effective parameters)."""
    base_loss: PosynomialLoss
    """The same law without the variant's effect, for 'loss without penalty'."""
    flops: float | None
    """FLOPs the budget buys in this variant (None for a target question)."""
    throughput: float = 1.0
    """FLOPs per unit of budget relative to the reference format (FP8 on an H100: 2)."""
    throughput_source: str = "reference format"
    compute_scale: float = 1.0
    bounds: tuple[Constraint, ...] = ()
    format: NumberFormat | None = None
    precision_law: ResolvedLaw[PrecisionLaw] | None = None
    streams: int = 1
    """Parallel streams P (ParScale); ``compute_scale`` is then P."""
    stream_multiplier: float = 1.0
    """1 + k ln P: effective parameters per parameter."""
    serving_per_param: float = 0.0
    """Lifetime inference cost per FLOP-bearing parameter, in the budget's training FLOPs
    (2 T, times P streams, times the price ratio for a dollar cost); 0 without a lifetime."""
    warnings: tuple[AnswerWarning, ...] = field(default=())

    @property
    def label(self) -> str:
        parts = [self.format.name] if self.format is not None else []
        if self.streams > 1:
            parts.append(f"P={self.streams}")
        return ", ".join(parts) or "default"


def base_variant(loss: PosynomialLoss, flops: float | None) -> Variant:
    return Variant(loss=loss, base_loss=loss, flops=flops)


def _with_penalty(
    base: PosynomialLoss, fmt: NumberFormat, resolved: ResolvedLaw[PrecisionLaw]
) -> tuple[PosynomialLoss, list[AnswerWarning]]:
    """The base law with ``fmt``'s training penalty; raises ValueError when the format cannot
    be trained at all (Kumar: no effective parameters left)."""
    law, cset = resolved.law, resolved.constants.name
    warnings = [
        AnswerWarning(
            code="law_caveat",
            message=f"training precision: {law.key}'s penalty is added to the chosen loss law "
            "(its N is the loss law's, the penalty law counts non-embedding N)",
            law=law.key,
        )
    ]
    if fmt.is_reference:
        return base, []
    if law.kind == "float_training":
        estimate = decisions.training_penalty(fmt, 1.0, 1.0, law="sun2025", constant_set=cset)
        warnings += [
            AnswerWarning(code="law_caveat", message=w, law=law.key) for w in estimate.warnings
        ]
        values = law.constant_set(cset).values
        term = PowerTerm(estimate.value, -values["alpha"], values["beta"])
        return PosynomialLoss(base.offset, (*base.terms, term), base.power), warnings
    bits = float(fmt.total_bits)
    fraction = law.call("effective_fraction", cset, bits_w=bits, bits_a=bits, bits_kv=bits)
    warnings.append(
        AnswerWarning(
            code="law_caveat",
            message=f"{fmt.name}: weights, activations and KV cache trained at {fmt.total_bits} "
            f"bits keep N_eff/N = {fraction:.3g} effective parameters (Kumar et al. Eq. 4)",
            law=law.key,
        )
    )
    return effective_params_loss(base, fraction), warnings


def effective_params_loss(base: PosynomialLoss, factor: float) -> PosynomialLoss:
    """The law at effective parameters ``factor * N`` in its parameter-only terms.

    (N f)^a = f^a N^a: only terms in N alone carry the factor (Kumar et al.'s effective
    parameters; ParScale's 1 + k ln P).
    """
    terms = tuple(
        PowerTerm(t.coefficient * factor**t.n_exponent, t.n_exponent, t.d_exponent)
        if t.d_exponent == 0 and t.n_exponent < 0
        else t
        for t in base.terms
    )
    return PosynomialLoss(base.offset, terms, base.power)


def _candidates(training: str, dev: Device | None) -> list[NumberFormat]:
    if training != "auto":
        try:
            fmt = number_format(training)
        except UnknownFormat as exc:
            raise InvalidRequest(
                f"precision.training: {exc.message}",
                field="precision.training",
                allowed=["auto", *exc.allowed],
            ) from None
        if dev is not None and not decisions.supports(dev, fmt):
            allowed = [p.format.name for p in decisions.training_formats(dev)]
            raise InvalidRequest(
                f"precision.training: {dev.name} does not run {fmt.name} natively",
                field="precision.training",
                allowed=allowed,
            )
        return [fmt]
    if dev is not None:
        return [p.format for p in decisions.training_formats(dev)]
    return [f for f in FORMATS.values() if f.kind == "float" and f.total_bits <= REFERENCE_BITS]


def training_variants(
    training: str,
    budget: Budget | None,
    base: PosynomialLoss,
    resolved: ResolvedLaw[PrecisionLaw],
    extra_devices: Mapping[str, Device] | None,
) -> list[Variant]:
    """One variant per candidate training format (``training``, or for ``"auto"`` every format
    the budget's GPU runs natively), with the FLOPs the budget buys in it.

    With a GPU in the budget, a format's throughput is the device's dense peak for it (the
    MFU is assumed the same in every format); without one, the precision papers' cost model
    C = (6/16) P N D is used (throughput 16/P), and the answer says so.
    """
    dev = budget_device(budget, extra_devices) if budget is not None else None
    reference = budget.number_format if budget is not None else "bf16"
    variants = []
    for fmt in _candidates(training, dev):
        checkpoint(f"the {fmt.name} training-format variant")
        try:
            loss, warnings = _with_penalty(base, fmt, resolved)
        except ValueError as exc:
            if training != "auto":
                raise InvalidRequest(
                    f"precision.training: {exc}", field="precision.training"
                ) from None
            continue  # Kumar: the format leaves no effective parameters; not a candidate
        if dev is not None:
            throughput = dev.peak_flops(fmt.hardware_key) / dev.peak_flops(reference)
            source = f"{dev.name} dense {fmt.hardware_key} / {reference} peak (same MFU assumed)"
        else:
            throughput = REFERENCE_BITS / min(fmt.total_bits, REFERENCE_BITS)
            source = "precision papers' cost model C = (6/16) P N D: throughput 16 / bits"
            warnings.append(
                AnswerWarning(
                    code="law_caveat",
                    message=f"no GPU in the budget: {fmt.name}'s throughput taken as "
                    f"16/{min(fmt.total_bits, REFERENCE_BITS)} of BF16 (real speed-ups are "
                    "smaller)",
                )
            )
        flops = None
        if budget is not None and budget.amount_kind() is not None:
            if budget.flops is not None or dev is None:
                flops = budget_flops(budget, extra_devices) * throughput
            else:
                hours = gpu_hours(budget)
                assert hours is not None
                assert budget.mfu is not None
                flops = hours * 3600.0 * dev.peak_flops(fmt.hardware_key) * budget.mfu
        variants.append(
            Variant(
                loss=loss,
                base_loss=base,
                flops=flops,
                throughput=throughput,
                throughput_source=source,
                format=fmt,
                precision_law=resolved,
                warnings=tuple(warnings),
            )
        )
    if not variants:
        raise InvalidRequest(
            f"precision.training: no candidate format can be trained under {resolved.ref}",
            field="precision.training",
        )
    return variants
