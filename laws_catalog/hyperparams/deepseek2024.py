"""DeepSeek LLM (2024) hyperparameter laws, Eq. 1: peak LR and batch size of the budget.

C counts DeepSeek's model scale M, the non-embedding FLOPs per token including attention,
M = 72 n_layer d_model^2 + 12 n_layer d_model l_seq, times the training tokens D; B is in
tokens. The plan's own budget (usually 6ND) is not used: M must come from the model shape
(see :func:`model_flops_per_token`).

>>> from laws_catalog.hyperparams import TrainingPoint, advise
>>> from laws_catalog.hyperparams.deepseek2024 import LAW, model_flops_per_token
>>> m = model_flops_per_token(n_layer=30, d_model=4096, context_length=4096)
>>> point = TrainingPoint(n_params_non_embedding=6.9e9, n_params_total=7e9, n_tokens=2e12,
...                       flops=8.4e22, model_flops_per_token=m, context_length=4096)
>>> advice = advise(LAW, point)
>>> f"{advice.peak_learning_rate:.2e}", round(advice.batch_size_sequences(4096))
('4.25e-04', 2252)
"""

from __future__ import annotations

from typing import Any

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import DEEPSEEK2024
from ._law import Estimate, HyperparamLaw, HyperparamTraits

__all__ = ["LAW", "at_compute", "at_run", "estimate", "model_flops_per_token"]


def model_flops_per_token(n_layer: int, d_model: int, context_length: int) -> float:
    """DeepSeek's model scale M [FLOPs/token]: 72 n_layer d^2 + 12 n_layer d l_seq.

    Non-embedding training FLOPs per token with the attention term, vocabulary excluded
    (DeepSeek LLM section 3.2).
    """
    return 72.0 * n_layer * d_model**2 + 12.0 * n_layer * d_model * context_length


def at_compute(
    flops: float, *, lr_coef: float, lr_exp: float, bs_coef: float, bs_exp: float
) -> dict[str, float]:
    """Eq. 1 (DeepSeek-AI 2024): eta_opt = lr_coef C^lr_exp [1] and B_opt = bs_coef C^bs_exp
    [tokens] at C = ``flops`` = M D [FLOPs]."""
    return {
        "peak_learning_rate": lr_coef * flops**lr_exp,
        "batch_size_tokens": bs_coef * flops**bs_exp,
    }


def estimate(
    model_flops_per_token: Any,
    n_tokens: Any,
    flops: Any,
    *,
    lr_coef: float,
    lr_exp: float,
    bs_coef: float,
    bs_exp: float,
) -> Estimate:
    """Eq. 1 at C = M D for a model of scale M [FLOPs/token] trained on D tokens; ``flops``,
    the plan's own budget [FLOPs], is only compared with C in a note."""
    m = model_flops_per_token
    compute = m * n_tokens
    found = at_compute(compute, lr_coef=lr_coef, lr_exp=lr_exp, bs_coef=bs_coef, bs_exp=bs_exp)
    return Estimate(
        peak_learning_rate=found["peak_learning_rate"],
        batch_size_tokens=found["batch_size_tokens"],
        notes=(
            f"C = M D = {m:.4g} FLOPs/token x {n_tokens:.4g} tokens = {compute:.4g} FLOPs "
            f"({compute / flops:.3f} x the plan's budget of {flops:.4g} FLOPs)",
        ),
        inputs_used={"flops": compute, "model_flops_per_token": m, "n_tokens": n_tokens},
    )


def at_run(
    model_flops_per_token: float,
    n_tokens: float,
    context_length: float,
    *,
    lr_coef: float,
    lr_exp: float,
    bs_coef: float,
    bs_exp: float,
) -> dict[str, float]:
    """Eq. 1 at C = M D, with the batch also in sequences of ``context_length`` tokens (how
    Table 2 states the production runs' settings)."""
    found = at_compute(
        model_flops_per_token * n_tokens,
        lr_coef=lr_coef,
        lr_exp=lr_exp,
        bs_coef=bs_coef,
        bs_exp=bs_exp,
    )
    return {**found, "batch_size_sequences": found["batch_size_tokens"] / context_length}


_EQ1 = ConstantSet(
    name="eq1",
    values={"lr_coef": 0.3118, "lr_exp": -0.1250, "bs_coef": 0.2920, "bs_exp": 0.3271},
    source="Eq. 1 (section 3.1): near-optimal (within 0.25 % of the best generalisation error) "
    "runs of grid searches at budgets 1e17 to 2e19 FLOPs",
    evidence=Evidence.VERIFIED_SECONDARY,
    note="Five independent transcriptions agree; the formula display is missing from the one "
    "verbatim text copy found, whose surrounding text was checked. The Step Law paper's table "
    "prints 0.3188 for the LR coefficient, a transcription slip.",
)

LAW = CATALOG.register(
    HyperparamLaw(
        id="deepseek2024",
        family="hyperparams",
        kind="hyperparameters",
        title="DeepSeek LLM hyperparameter laws: peak LR and batch size of C = M D",
        reference=DEEPSEEK2024,
        equations=(
            "eta_opt = lr_coef C^lr_exp,  B_opt = bs_coef C^bs_exp [tokens]  (Eq. 1)",
            "C = M D,  M = 72 n_layer d_model^2 + 12 n_layer d_model l_seq  (section 3.2)",
        ),
        quantities={
            "C": "flops",
            "M": "model_flops_per_token",
            "D": "n_tokens",
            "eta": "peak_learning_rate",
            "B": "batch_size_tokens",
        },
        traits=HyperparamTraits(
            requires={
                "peak_learning_rate": ("model_flops_per_token", "n_tokens"),
                "batch_size_tokens": ("model_flops_per_token", "n_tokens"),
            },
            schedule="AdamW (beta1 0.9, beta2 0.95, weight decay 0.1), gradient clip 1.0; linear "
            "warm-up over 2,000 steps to the peak LR, then multi-step: x0.316 of peak after 80 % "
            "of the training tokens and x0.1 of peak after 90 % (section 2.3).",
        ),
        validity={
            "flops": Interval(
                lower=1e17,
                upper=2e19,
                source="section 3.1: grid searches at budgets 1e17 to 2e19 FLOPs (C = M D); "
                "validated at 1e20 with a 2.94e9 FLOPs/token model",
            ),
        },
        constant_sets=(_EQ1,),
        default_constant_set="eq1",
        functions={
            "estimate": estimate,
            "at_compute": at_compute,
            "at_run": at_run,
            "model_flops_per_token": model_flops_per_token,
        },
        golden=golden_vectors(__file__, "deepseek2024"),
        notes=(
            "The production 7B/67B settings lie near the law (within 2 % and 10 %), which the "
            "paper presents as its validation beyond the fitted budgets.",
            "DeepSeek-V2/V3 use the same multi-step/annealed family of schedules with lower "
            "peaks (2.4e-4, 2.2e-4) and batch ramps; they are settings, not fitted laws.",
        ),
        caveats=(
            "C is DeepSeek's M D (non-embedding FLOPs per token with attention, times tokens), "
            "not the plan's 6ND; M must be computed from the model shape.",
            "Fitted at 1e17-2e19 FLOPs on DeepSeek's data; the authors note that model/data "
            "splits at equal compute shift the optimum slightly and effects beyond compute "
            "are ignored.",
        ),
    )
)
