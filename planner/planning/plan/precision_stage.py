"""Precision in the answer: the chosen training format with every option weighed, and the
serving format with its post-quantisation loss and weight memory."""

from __future__ import annotations

from laws_catalog import ResolvedLaw
from laws_catalog.hardware import Device
from laws_catalog.precision import decisions
from laws_catalog.precision._law import PrecisionLaw
from laws_catalog.precision.formats import FORMATS, UnknownFormat, number_format

from ...errors import InvalidRequest
from ...schemas.requests import PrecisionSpec
from ...schemas.responses import (
    AnswerWarning,
    FormatOption,
    LawUse,
    ServingOption,
    ServingPrecisionOut,
    TrainingPrecisionOut,
)
from ..laws.provenance import law_use
from ..laws.selection import resolve_one_of
from .answer import VariantResult
from .model_account import ModelAccount

__all__ = [
    "precision_law",
    "serving_precision",
    "training_precision",
]


def precision_law(ref: str, field: str, allowed: tuple[str, ...]) -> ResolvedLaw[PrecisionLaw]:
    return resolve_one_of("precision", ref, PrecisionLaw, field, allowed)


def training_precision(result: VariantResult) -> tuple[TrainingPrecisionOut, list[LawUse]]:
    chosen = result.chosen
    fmt, resolved = chosen.format, chosen.precision_law
    assert fmt is not None
    assert resolved is not None
    options = []
    chosen_point = (0.0, 0.0)
    for variant, n, d, loss in result.options:
        assert variant.format is not None
        penalty = loss - float(variant.base_loss(n, d))
        if variant is chosen:
            chosen_point = (n, d)
        options.append(
            FormatOption(
                format=variant.format.name,
                total_bits=variant.format.total_bits,
                flops=variant.flops or 0.0,
                params=n,
                tokens=d,
                loss=loss,
                penalty=penalty,
            )
        )
    n, d = chosen_point
    loss = float(chosen.loss(n, d))
    base = float(chosen.base_loss(n, d))
    out = TrainingPrecisionOut(
        format=fmt.name,
        title=fmt.title,
        total_bits=fmt.total_bits,
        exponent_bits=fmt.exponent_bits,
        mantissa_bits=fmt.mantissa_bits,
        block_size=fmt.block_size,
        law=resolved.ref,
        loss_without_penalty=base,
        penalty=loss - base,
        flops=chosen.flops or 0.0,
        throughput_vs_bf16=chosen.throughput,
        throughput_source=chosen.throughput_source,
        options=options,
    )
    use = law_use(
        resolved,
        role="training_precision",
        produces=["precision.training", "loss"],
        method="one geometric program per candidate format (its throughput sets the FLOPs, "
        "its penalty enters the loss); the lowest loss wins",
    )
    return out, [use]


def serving_precision(
    spec: PrecisionSpec,
    resolved: ResolvedLaw[PrecisionLaw],
    account: ModelAccount,
    *,
    n_tokens: float,
    loss: float,
    candidates_device: Device | None,
) -> tuple[ServingPrecisionOut, list[LawUse], list[AnswerWarning]]:
    """Post-training quantisation of the planned model: a fixed format or the best under a
    weight-memory limit (formats the serving device runs natively, when one is given), under
    the serving-precision law ``resolved``."""
    assert spec.serving is not None
    law_id, cset = resolved.law.id, resolved.constants.name
    n_nv = account.n_non_embedding
    common = {
        "law": law_id,
        "constant_set": cset,
        "n_params_stored": account.total_params,
        "base_loss": loss,
    }
    if spec.serving == "auto":
        assert spec.serving_memory_bytes is not None
        names = None
        if candidates_device is not None:
            names = [
                f.name
                for f in FORMATS.values()
                if decisions.supports(candidates_device, f) and f.name != "tf32"
            ]
        choice = decisions.best_serving_format(
            spec.serving_memory_bytes,
            n_nv,
            n_tokens,
            candidates=names,
            loss_tolerance=spec.serving_loss_tolerance,
            **common,  # type: ignore[arg-type]
        )
        if choice.best is None:
            smallest = choice.too_large[0]
            raise InvalidRequest(
                f"precision.serving_memory_bytes: no format fits the weights of the planned "
                f"model in {spec.serving_memory_bytes:.4g} bytes (smallest: {smallest.format.name}"
                f", {smallest.weight_bytes:.4g} bytes)",
                field="precision.serving_memory_bytes",
                allowed=f">= {smallest.weight_bytes:.6g}",
            )
        estimate = choice.best
        options = [
            ServingOption(
                format=e.format.name,
                bits_per_param=e.bits_per_param,
                weight_bytes=e.weight_bytes,
                loss_increase=e.loss_increase.value,
                fits=e in choice.feasible,
            )
            for e in (*choice.feasible, *choice.too_large)
        ]
    else:
        try:
            fmt = number_format(spec.serving)
        except UnknownFormat as exc:
            raise InvalidRequest(
                f"precision.serving: {exc.message}",
                field="precision.serving",
                allowed=["auto", *exc.allowed],
            ) from None
        estimate = decisions.serving_estimate(fmt, n_nv, n_tokens, **common)  # type: ignore[arg-type]
        options = [
            ServingOption(
                format=fmt.name,
                bits_per_param=estimate.bits_per_param,
                weight_bytes=estimate.weight_bytes,
                loss_increase=estimate.loss_increase.value,
            )
        ]
    assert estimate.loss is not None
    out = ServingPrecisionOut(
        format=estimate.format.name,
        bits_per_param=estimate.bits_per_param,
        params_stored=estimate.params_stored,
        weight_bytes=estimate.weight_bytes,
        loss_increase=estimate.loss_increase.value,
        loss_after_quantisation=estimate.loss,
        law=resolved.ref,
        memory_limit_bytes=spec.serving_memory_bytes,
        options=options,
    )
    warnings = [
        AnswerWarning(code="law_caveat", message=w, law=resolved.law.key)
        for w in estimate.loss_increase.warnings
    ]
    use = law_use(
        resolved,
        role="serving_precision",
        produces=["precision.serving"],
        method=f"{resolved.ref}: loss increase of weight post-training quantisation at the "
        "planned non-embedding N and tokens, added to the plan's loss; weight memory from the "
        "format's bits per element (block scales included) over all stored parameters",
    )
    return out, [use], warnings
