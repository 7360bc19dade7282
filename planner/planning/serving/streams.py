"""Parallel streams (ParScale, Chen et al. 2025) as discrete variants of the plan.

P streams run the backbone P times per token with learned prefixes and mix the outputs; the
paper's law is ``L = E + (A / (N (1 + k ln P)))^alpha``, so P streams act like multiplying the
parameters by ``1 + k ln P``. The planner transfers that multiplier to the chosen loss law's
parameter term (``A N^-alpha -> A (N m)^-alpha``), multiplies training compute by P (the
backbone runs P times; embedding and head are counted P times too, a slight over-count) and
inference cost by P, and gives the serving limits the P-stream shape (KV cache P times
larger, prefix tokens, ~0.2 % extra weights per stream). The law was fitted at 42B tokens,
0.5B-4.4B parameters and P <= 8: every plan with P > 1 says so.
"""

from __future__ import annotations

from dataclasses import replace

from laws_catalog import ResolvedLaw
from laws_catalog.inference import parscale2025 as parscale
from laws_catalog.inference._law import InferenceLaw

from ...schemas.inference import InferenceSpec
from ...schemas.requests import LawChoice
from ...schemas.responses import AnswerWarning
from ..laws.selection import resolve_one_of
from ..plan.variants import Variant, effective_params_loss

__all__ = [
    "STREAM_CHOICES",
    "multiplier",
    "requested_streams",
    "stream_caveat",
    "stream_law",
    "with_streams",
]

STREAM_CHOICES = (1, 2, 4, 8)


def stream_law(laws: LawChoice, field: str = "laws.parallel_streams") -> ResolvedLaw[InferenceLaw]:
    law = resolve_one_of("inference", laws.parallel_streams, InferenceLaw, field, ("parscale2025",))
    return law


def requested_streams(spec: InferenceSpec | None) -> tuple[int, ...]:
    """The stream counts the inference section asks to weigh (P = 1 without one)."""
    if spec is None:
        return (1,)
    if spec.parallel_streams == "auto":
        return STREAM_CHOICES
    return (spec.parallel_streams,)


def multiplier(law: ResolvedLaw[InferenceLaw], streams: int) -> float:
    """1 + k ln P of the law's constant set."""
    n = 1e9
    return parscale.equivalent_params(n, streams, k=law.constants.values["k"]) / n


def stream_caveat(law: ResolvedLaw[InferenceLaw], streams: int, m: float) -> AnswerWarning:
    return AnswerWarning(
        code="law_caveat",
        message=f"{streams} parallel streams: {law.ref}'s multiplier 1 + k ln P = {m:.4f} is "
        "applied to the chosen loss law's parameter term; it was fitted at 42B training "
        "tokens, 0.5B-4.4B non-embedding parameters and P <= 8",
        law=law.law.key,
    )


def with_streams(
    variants: list[Variant], law: ResolvedLaw[InferenceLaw], choices: tuple[int, ...]
) -> list[Variant]:
    """Every variant at every stream count in ``choices`` (P = 1 unchanged)."""
    out = []
    for variant in variants:
        for streams in choices:
            if streams == 1:
                out.append(variant)
                continue
            m = multiplier(law, streams)
            out.append(
                replace(
                    variant,
                    loss=effective_params_loss(variant.loss, m),
                    base_loss=effective_params_loss(variant.base_loss, m),
                    compute_scale=variant.compute_scale * streams,
                    streams=streams,
                    stream_multiplier=m,
                    warnings=(*variant.warnings, stream_caveat(law, streams, m)),
                )
            )
    return out
