r"""Lifetime (training + inference) cost of a model (Sardana et al. 2024, arXiv 2401.00448).

FLOPs: ``C = 6 N D_train + 2 N D_inf``. Dollars: each phase's FLOPs divided by its MFU, priced
at ``price per GPU-hour / (3600 s x peak FLOP/s)``, with separate MFU for training, prefill
(prompt tokens) and decode (generated tokens).

Given a target loss ``l`` under the Chinchilla form ``L = E + A N^-a + B D^-b`` (the catalogue's
``loss/hoffmann2022@sardana`` constants by default), the lifetime-optimal model minimises
``w_train 6 N D + w_inf 2 N T`` on the curve ``L(N, D) = l``. Eliminating N, stationarity is

.. math:: (B + \beta B/\alpha) D^{-\beta} + (\beta B/\alpha) Q D^{-\beta-1} = l - E,
          \qquad Q = \frac{w_{inf} T}{3 w_{train}}

(Q in training-token units; Q = 0 gives the Chinchilla-optimal model of that loss). The left
side falls monotonically in D, so :func:`lifetime_optimal` brackets the one root with scipy's
``brentq``. This is a reference solver: its outputs are golden vectors for the planner's own
optimiser.

>>> plan = compute_optimal_with_inference(1.947, 2e12)
>>> f"{plan.params:.4g} {plan.train_tokens:.4g}"
'2.418e+10 2.657e+12'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..loss import hoffmann2022
from ..loss._chinchilla import chinchilla_terms
from ..references import SARDANA2024
from ._law import InferenceLaw, InferenceTraits

__all__ = [
    "LAW",
    "LifetimePlan",
    "PhasePricing",
    "chinchilla_cost",
    "chinchilla_for_params",
    "chinchilla_style_for_loss",
    "chinchilla_style_for_params",
    "compute_optimal_vs_chinchilla",
    "compute_optimal_with_inference",
    "cost_optimal",
    "cost_optimal_vs_chinchilla",
    "dollars_per_flop",
    "inference_flops",
    "lifetime_cost",
    "lifetime_flops",
    "lifetime_optimal",
    "sardana_loss",
    "training_flops",
]

LOSS_LAW = "hoffmann2022@sardana"
"""The loss law and constant set Sardana et al.'s code uses by default."""


def training_flops(n_params: float, train_tokens: float) -> float:
    """``6 N D_train`` [FLOPs]."""
    return 6.0 * n_params * train_tokens


def inference_flops(n_params: float, inference_tokens: float) -> float:
    """``2 N D_inf`` [FLOPs] (prompt and generated tokens alike; attention dropped)."""
    return 2.0 * n_params * inference_tokens


def lifetime_flops(n_params: float, train_tokens: float, inference_tokens: float) -> float:
    """``6 N D_train + 2 N D_inf`` [FLOPs]."""
    return training_flops(n_params, train_tokens) + inference_flops(n_params, inference_tokens)


def dollars_per_flop(peak_flops: float, price_per_gpu_hour: float) -> float:
    """Price of one FLOP at 100% utilisation [$/FLOP]."""
    return price_per_gpu_hour / (3600.0 * peak_flops)


@dataclass(frozen=True, slots=True)
class PhasePricing:
    """Hardware price and utilisation of each phase (Sardana et al.'s cost model)."""

    train_peak_flops: float
    train_price_per_gpu_hour: float
    inference_peak_flops: float
    inference_price_per_gpu_hour: float
    mfu_train: float
    mfu_prefill: float
    mfu_decode: float

    @property
    def train_dollars_per_flop(self) -> float:
        """Effective training price [$/FLOP] (peak price / MFU)."""
        return dollars_per_flop(self.train_peak_flops, self.train_price_per_gpu_hour) / (
            self.mfu_train
        )

    def inference_dollars(
        self, n_params: float, prompt_tokens: float, output_tokens: float
    ) -> float:
        """Inference cost [$]: 2N per token, prefill and decode at their own MFU."""
        per_flop = dollars_per_flop(self.inference_peak_flops, self.inference_price_per_gpu_hour)
        effective_tokens = prompt_tokens / self.mfu_prefill + output_tokens / self.mfu_decode
        return 2.0 * n_params * effective_tokens * per_flop

    @classmethod
    def repo_defaults(cls) -> PhasePricing:
        """Sardana et al.'s defaults: H100 bf16 training, H100 fp8 inference, 0.5/0.5/0.01."""
        v = LAW.constant_set().values
        return cls(
            train_peak_flops=v["h100_bf16_flops"],
            train_price_per_gpu_hour=v["h100_price"],
            inference_peak_flops=v["h100_fp8_flops"],
            inference_price_per_gpu_hour=v["h100_price"],
            mfu_train=v["mfu_train"],
            mfu_prefill=v["mfu_prefill"],
            mfu_decode=v["mfu_decode"],
        )


def lifetime_cost(
    n_params: float,
    train_tokens: float,
    prompt_tokens: float,
    output_tokens: float,
    pricing: PhasePricing,
) -> float:
    """Training + prefill + decode cost [$] over a model's lifetime."""
    train = training_flops(n_params, train_tokens) * pricing.train_dollars_per_flop
    return train + pricing.inference_dollars(n_params, prompt_tokens, output_tokens)


@dataclass(frozen=True, slots=True)
class LifetimePlan:
    """A model (N, D_train) of a given loss with its lifetime FLOPs."""

    params: float
    train_tokens: float
    loss: float
    inference_tokens: float

    @property
    def train_flops(self) -> float:
        return training_flops(self.params, self.train_tokens)

    @property
    def lifetime_flops(self) -> float:
        return lifetime_flops(self.params, self.train_tokens, self.inference_tokens)


def _law_constants(loss_constant_set: str) -> tuple[float, float, float, float, float]:
    return chinchilla_terms(hoffmann2022.LAW.constant_set(loss_constant_set).values)


def _loss(n: float, d: float, loss_constant_set: str) -> float:
    e, a, b, alpha, beta = _law_constants(loss_constant_set)
    return float(e + a * n**-alpha + b * d**-beta)


def _params_on_curve(target: float, train_tokens: float, loss_constant_set: str) -> float:
    e, a, b, alpha, beta = _law_constants(loss_constant_set)
    gap = target - e - b * train_tokens**-beta
    if gap <= 0:
        raise ValueError(f"{train_tokens:.4g} tokens cannot reach loss {target} at any size")
    return float((a / gap) ** (1.0 / alpha))


def chinchilla_style_for_loss(
    target: float, inference_tokens: float = 0.0, loss_constant_set: str = "sardana"
) -> LifetimePlan:
    """Training-compute-optimal (N, D) that reaches ``target`` loss."""
    e, a, b, alpha, beta = _law_constants(loss_constant_set)
    if target <= e:
        raise ValueError(f"loss {target} is not above the law's floor E = {e}")
    n = (a * (alpha / beta + 1.0) / (target - e)) ** (1.0 / alpha)
    d = (b * (beta / alpha + 1.0) / (target - e)) ** (1.0 / beta)
    return LifetimePlan(n, d, target, inference_tokens)


def chinchilla_style_for_params(
    n_params: float, inference_tokens: float = 0.0, loss_constant_set: str = "sardana"
) -> LifetimePlan:
    """Chinchilla-optimal tokens for ``n_params`` (alpha A N^-alpha = beta B D^-beta)."""
    _, a, b, alpha, beta = _law_constants(loss_constant_set)
    d = (beta * b * n_params**alpha / (alpha * a)) ** (1.0 / beta)
    return LifetimePlan(n_params, d, _loss(n_params, d, loss_constant_set), inference_tokens)


def lifetime_optimal(
    target: float,
    inference_token_equivalents: float,
    inference_tokens: float,
    loss_constant_set: str = "sardana",
) -> LifetimePlan:
    """Minimise ``6 N D + 2 N T_eq`` on ``L(N, D) = target`` (T_eq in training-price tokens).

    ``inference_token_equivalents`` is ``T * (price of an inference FLOP / price of a training
    FLOP)``; equal to the inference tokens when minimising FLOPs. ``inference_tokens`` is only
    recorded in the plan (for its lifetime FLOPs).
    """
    e, _, b, alpha, beta = _law_constants(loss_constant_set)
    start = chinchilla_style_for_loss(target, inference_tokens, loss_constant_set)
    if inference_token_equivalents <= 0:
        return start
    q = inference_token_equivalents / 3.0

    def stationarity(log_d: float) -> float:
        d = math.exp(log_d)
        return float(
            (b + beta * b / alpha) * d**-beta
            + (beta * b / alpha) * q * d ** (-beta - 1)
            - (target - e)
        )

    lo = math.log(start.train_tokens)
    hi = lo + 1.0
    while stationarity(hi) > 0:
        hi += 1.0
    log_d = brentq(stationarity, lo, hi, xtol=1e-14, rtol=1e-14)
    d = math.exp(log_d)
    return LifetimePlan(_params_on_curve(target, d, loss_constant_set), d, target, inference_tokens)


def compute_optimal_with_inference(
    target: float, inference_tokens: float, loss_constant_set: str = "sardana"
) -> LifetimePlan:
    """The model of ``target`` loss with the least lifetime FLOPs (``compute_optimal.py``)."""
    return lifetime_optimal(target, inference_tokens, inference_tokens, loss_constant_set)


def cost_optimal(
    target: float,
    prompt_tokens: float,
    output_tokens: float,
    pricing: PhasePricing,
    loss_constant_set: str = "sardana",
) -> LifetimePlan:
    """The model of ``target`` loss with the least lifetime dollars (``cost_optimal.py``)."""
    per_param_token = pricing.inference_dollars(1.0, prompt_tokens, output_tokens) / 2.0
    equivalents = per_param_token / pricing.train_dollars_per_flop
    return lifetime_optimal(target, equivalents, prompt_tokens + output_tokens, loss_constant_set)


# ---------------------------------------------------------------------------------------------

_DEFAULTS = ConstantSet(
    name="repo_defaults",
    values={
        "mfu_train": 0.5,
        "mfu_prefill": 0.5,
        "mfu_decode": 0.01,
        "prompt_tokens_per_request": 70,
        "output_tokens_per_request": 215,
        "inference_requests": 1e10,
        "a100_bf16_flops": 3.12e14,
        "a100_int8_flops": 6.24e14,
        "h100_bf16_flops": 9.89e14,
        "h100_fp8_flops": 1.978e15,
        "a100_80gb_price": 1.50,
        "a100_40gb_price": 1.10,
        "h100_price": 2.00,
    },
    source="nikhilsardana/beyond-chinchilla cost_optimal.py (argument defaults: H100, bf16 "
    "training, fp8 inference, MFU 0.5/0.5/0.01, 70/215 tokens per request from LMSys, 1e10 "
    "requests) and cost_calculator.py (peak FLOP/s and $/GPU-hour constants)",
    evidence=Evidence.VERIFIED,
    note="Prices are the authors' 2023-24 'typical hourly rates'; decode MFU 1% stands in for "
    "memory-bound generation.",
)


def _priced_traffic(
    requests: float,
    prompt_tokens_per_request: float,
    output_tokens_per_request: float,
    train_peak_flops: float,
    train_price: float,
    inference_peak_flops: float,
    inference_price: float,
    mfu_train: float,
    mfu_prefill: float,
    mfu_decode: float,
) -> tuple[PhasePricing, float, float]:
    """The check functions' shared inputs: the phases' pricing and the lifetime prompt and
    output tokens of ``requests`` requests."""
    pricing = PhasePricing(
        train_peak_flops=train_peak_flops,
        train_price_per_gpu_hour=train_price,
        inference_peak_flops=inference_peak_flops,
        inference_price_per_gpu_hour=inference_price,
        mfu_train=mfu_train,
        mfu_prefill=mfu_prefill,
        mfu_decode=mfu_decode,
    )
    return pricing, requests * prompt_tokens_per_request, requests * output_tokens_per_request


def sardana_loss(
    n_params: float, n_tokens: float, loss_constant_set: str = "sardana"
) -> dict[str, float]:
    """The Chinchilla-form loss [nats/token] Sardana et al.'s scripts use, as ``loss``."""
    return {"loss": _loss(n_params, n_tokens, loss_constant_set)}


def chinchilla_for_params(n_params: float) -> dict[str, float]:
    """:func:`chinchilla_style_for_params`: its tokens, training FLOPs and loss."""
    plan = chinchilla_style_for_params(n_params)
    return {"n_tokens": plan.train_tokens, "flops": plan.train_flops, "loss": plan.loss}


def compute_optimal_vs_chinchilla(loss: float, inference_tokens: float) -> dict[str, float]:
    """:func:`compute_optimal_with_inference` and its ratios to the Chinchilla-style model
    of the same loss (``compute_optimal.py``)."""
    best = compute_optimal_with_inference(loss, inference_tokens)
    base = chinchilla_style_for_loss(loss, inference_tokens)
    return {
        "n_params": best.params,
        "n_tokens": best.train_tokens,
        "params_ratio": best.params / base.params,
        "tokens_ratio": best.train_tokens / base.train_tokens,
        "flops_ratio": best.lifetime_flops / base.lifetime_flops,
    }


def cost_optimal_vs_chinchilla(
    loss: float,
    requests: float,
    prompt_tokens_per_request: float,
    output_tokens_per_request: float,
    train_peak_flops: float,
    train_price: float,
    inference_peak_flops: float,
    inference_price: float,
    mfu_train: float,
    mfu_prefill: float,
    mfu_decode: float,
) -> dict[str, float]:
    """:func:`cost_optimal` and its ratios to the Chinchilla-style model of the same loss
    (``cost_optimal.py``; prices in $/GPU-hour, peaks in FLOP/s)."""
    pricing, prompt, output = _priced_traffic(
        requests,
        prompt_tokens_per_request,
        output_tokens_per_request,
        train_peak_flops,
        train_price,
        inference_peak_flops,
        inference_price,
        mfu_train,
        mfu_prefill,
        mfu_decode,
    )
    best = cost_optimal(loss, prompt, output, pricing)
    base = chinchilla_style_for_loss(loss, prompt + output)
    best_cost = lifetime_cost(best.params, best.train_tokens, prompt, output, pricing)
    base_cost = lifetime_cost(base.params, base.train_tokens, prompt, output, pricing)
    return {
        "n_params": best.params,
        "n_tokens": best.train_tokens,
        "params_ratio": best.params / base.params,
        "tokens_ratio": best.train_tokens / base.train_tokens,
        "cost_ratio": best_cost / base_cost,
    }


def chinchilla_cost(
    n_params: float,
    requests: float,
    prompt_tokens_per_request: float,
    output_tokens_per_request: float,
    train_peak_flops: float,
    train_price: float,
    inference_peak_flops: float,
    inference_price: float,
    mfu_train: float,
    mfu_prefill: float,
    mfu_decode: float,
) -> dict[str, float]:
    """Lifetime FLOPs and dollars of the Chinchilla-style model of ``n_params``
    (``cost_calculator.py``; prices in $/GPU-hour, peaks in FLOP/s)."""
    pricing, prompt, output = _priced_traffic(
        requests,
        prompt_tokens_per_request,
        output_tokens_per_request,
        train_peak_flops,
        train_price,
        inference_peak_flops,
        inference_price,
        mfu_train,
        mfu_prefill,
        mfu_decode,
    )
    plan = chinchilla_style_for_params(n_params, prompt + output)
    return {
        "n_tokens": plan.train_tokens,
        "loss": plan.loss,
        "train_flops": plan.train_flops,
        "train_dollars": plan.train_flops * pricing.train_dollars_per_flop,
        "lifetime_flops": plan.lifetime_flops,
        "lifetime_dollars": lifetime_cost(plan.params, plan.train_tokens, prompt, output, pricing),
    }


LAW = CATALOG.register(
    InferenceLaw(
        id="sardana2024",
        family="inference",
        kind="lifetime_cost",
        title="Lifetime training + inference cost and the inference-aware optimal model",
        reference=SARDANA2024,
        equations=(
            "C_life = 6 N D_train + 2 N D_inf",
            "$ = 6 N D_train c_tr / MFU_tr + 2 N (T_in / MFU_prefill + T_out / MFU_decode) c_inf,"
            " c = $/GPU-hour / (3600 peak FLOP/s)",
            "min $ (or C_life) s.t. E + A N^-alpha + B D^-beta = l: "
            "(B + beta B / alpha) D^-beta + (beta B / alpha) Q D^(-beta-1) = l - E, "
            "Q = (inference price x tokens) / (3 x training price)",
        ),
        quantities={
            "N": "n_params_total",
            "D_train": "n_tokens",
            "D_inf": "inference_tokens",
            "C_life": "lifetime_flops",
            "$": "lifetime_cost_dollars",
            "l": "loss_nats_per_token",
        },
        validity={
            "n_params_total": Interval(
                lower=1.51e8,
                upper=6.05e9,
                source="trainingresults.csv: 47 MPT-style validation runs, 151M-6.05B",
            ),
            "tokens_per_param": Interval(
                lower=10, upper=10_000, source="trainingresults.csv: 10-10,000 tokens/parameter"
            ),
        },
        constant_sets=(_DEFAULTS,),
        default_constant_set="repo_defaults",
        traits=InferenceTraits(),
        functions={
            fn.__name__: fn
            for fn in (
                chinchilla_cost,
                chinchilla_for_params,
                chinchilla_style_for_loss,
                chinchilla_style_for_params,
                compute_optimal_vs_chinchilla,
                compute_optimal_with_inference,
                cost_optimal,
                cost_optimal_vs_chinchilla,
                inference_flops,
                lifetime_cost,
                lifetime_flops,
                lifetime_optimal,
                sardana_loss,
                training_flops,
            )
        },
        golden=golden_vectors(__file__, "sardana2024"),
        notes=(
            "The loss law is loss/hoffmann2022@sardana (alpha 0.336, beta 0.283, A 406.4, "
            "B 410.7, E 1.69); any other Chinchilla-form constant set of hoffmann2022 can be "
            "passed as loss_constant_set.",
            "Reference solver: scipy brentq on the stationarity condition in log D; the authors "
            "use Newton's method from D = 1e8 on the same condition.",
            "Headline: with ~1B requests of demand, train smaller and longer than "
            "Chinchilla-optimal; quality kept improving up to 10,000 tokens/parameter.",
        ),
        caveats=(
            "Inference is priced at 2N FLOPs per token and a decode MFU (default 1%), not by "
            "memory bandwidth; use inference/roofline for latency-bound serving.",
            "The default loss constants (hoffmann2022@sardana) are of uncertain origin.",
        ),
    )
)
