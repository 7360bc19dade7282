"""Lifetime cost (Sardana et al. 2024): training plus the inference the model will serve.

Inference costs ``2 N`` FLOPs per served token (times P streams), so over ``T`` lifetime tokens
the plan's cost gains a term linear in N, ``c N`` with ``c = 2 T`` when counting FLOPs. When
counting dollars, each phase runs on its own device at its own price and utilisation, and the
term is expressed in the budget's training FLOPs:

    c = 2 (T_prompt / MFU_prefill + T_output / MFU_decode) ($ per inference peak FLOP)
        / ($ per effective training FLOP)

(:class:`laws_catalog.inference.sardana2024.PhasePricing`). The budget route then keeps
``6 N D + c N <= C``; the target route minimises it: both stay geometric programs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from laws_catalog import PowerTerm, ResolvedLaw
from laws_catalog.hardware import Device
from laws_catalog.inference import sardana2024 as sardana
from laws_catalog.inference._law import InferenceLaw

from ...schemas.inference_out import LifetimeOut, TrainingOptimalComparison
from ...schemas.requests import PlanRequest
from ...schemas.responses import LawUse
from ..laws.provenance import law_use
from ..laws.selection import resolve_one_of
from ..plan.budget import budget_device
from .model import ServingSetup

__all__ = ["LifetimeCost", "lifetime_cost", "serving_terms"]


@dataclass(frozen=True, slots=True)
class LifetimeCost:
    """How the request prices the model's lifetime inference."""

    law: ResolvedLaw[InferenceLaw]
    cost: Literal["flops", "dollars"]
    prompt_tokens: float
    output_tokens: float
    pricing: sardana.PhasePricing | None

    @property
    def tokens(self) -> float:
        return self.prompt_tokens + self.output_tokens

    def per_param(self, streams: int, throughput: float = 1.0) -> float:
        """Inference cost per FLOP-bearing parameter in budget FLOPs (``c`` above).

        ``throughput``: budget FLOPs per reference FLOP of the variant's training format (a
        dollar buys twice the FP8 FLOPs on an H100).
        """
        if self.pricing is None:
            return 2.0 * self.tokens * streams
        dollars = self.pricing.inference_dollars(1.0, self.prompt_tokens, self.output_tokens)
        return dollars / self.pricing.train_dollars_per_flop * streams * throughput

    def report(
        self,
        flop_params: float,
        training_flops: float,
        streams: int,
        comparison: TrainingOptimalComparison | None,
        throughput: float = 1.0,
    ) -> tuple[LifetimeOut, LawUse]:
        inference = sardana.inference_flops(flop_params * streams, self.tokens)
        out = LifetimeOut(
            cost=self.cost,
            prompt_tokens=self.prompt_tokens,
            output_tokens=self.output_tokens,
            training_flops=training_flops,
            inference_flops=inference,
            total_flops=training_flops + inference,
            versus_training_optimal=comparison,
        )
        if self.pricing is not None:
            train = training_flops / throughput * self.pricing.train_dollars_per_flop
            serve = self.pricing.inference_dollars(
                flop_params * streams, self.prompt_tokens, self.output_tokens
            )
            out.training_dollars, out.inference_dollars = train, serve
            out.total_dollars = train + serve
        use = law_use(
            self.law,
            role="lifetime_cost",
            produces=["inference.lifetime"],
            method="training + 2 N per served token; dollars per phase at its peak, price and "
            "MFU; the optimiser counts it beside the training FLOPs",
        )
        return out, use


def serving_terms(per_param: float, extra_params: float) -> tuple[PowerTerm, ...]:
    """``c (N + extra)``: lifetime inference in budget FLOPs (empty without a lifetime)."""
    if per_param <= 0:
        return ()
    terms = (PowerTerm(per_param, 1.0, 0.0),)
    return terms + ((PowerTerm(per_param * extra_params, 0.0, 0.0),) if extra_params > 0 else ())


def lifetime_cost(
    request: PlanRequest, setup: ServingSetup | None, extra_devices: Mapping[str, Device]
) -> LifetimeCost | None:
    spec = request.inference
    if spec is None:
        return None
    tokens = spec.lifetime_prompt_output
    if tokens is None:
        return None
    law = resolve_one_of(
        "inference", request.laws.lifetime, InferenceLaw, "laws.lifetime", ("sardana2024",)
    )
    prompt, output = tokens
    if spec.lifetime_cost == "flops":
        return LifetimeCost(law, "flops", prompt, output, None)
    budget = request.budget
    assert budget is not None
    assert budget.mfu is not None
    assert budget.price_per_gpu_hour is not None
    assert setup is not None
    assert setup.accelerators is not None
    assert spec.price_per_gpu_hour is not None
    train_device = budget_device(budget, extra_devices)
    assert train_device is not None
    defaults = law.constants.values
    pricing = sardana.PhasePricing(
        train_peak_flops=train_device.peak_flops(budget.number_format),
        train_price_per_gpu_hour=budget.price_per_gpu_hour,
        inference_peak_flops=setup.accelerators.peak_flops,
        inference_price_per_gpu_hour=spec.price_per_gpu_hour,
        mfu_train=budget.mfu,
        mfu_prefill=spec.lifetime_mfu_prefill or defaults["mfu_prefill"],
        mfu_decode=spec.lifetime_mfu_decode or defaults["mfu_decode"],
    )
    return LifetimeCost(law, "dollars", prompt, output, pricing)
