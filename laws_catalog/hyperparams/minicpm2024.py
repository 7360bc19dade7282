r"""MiniCPM (Hu et al. 2024), section 3.2: optimal batch size from the C4 loss.

.. math:: bs = \frac{1.21 \times 10^{9}}{L^{6.24}}

Fitted on 0.009B, 0.036B and 0.166B (non-embedding) models, six batch sizes each, with muP
and a base LR of 0.01; the optimum minimises the tokens needed to reach a loss on a fixed
number of GPUs (App. A.2). The text does not state the unit of ``bs``: tokens are assumed
(1.28M at L = 3; the value is implausible in sequences), and the constant set is tagged
uncertain for that reason.

>>> from laws_catalog.hyperparams import TrainingPoint
>>> from laws_catalog.hyperparams.minicpm2024 import LAW
>>> point = TrainingPoint(n_params_non_embedding=1.2e8, n_params_total=1.5e8, n_tokens=5e9,
...                       flops=3.6e18, loss=3.0, context_length=4096)
>>> f"{LAW.advise(point).batch_size_tokens:.3e}"
'1.275e+06'
"""

from __future__ import annotations

from collections.abc import Mapping

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, GoldenVector, Interval
from ._law import Estimate, HyperparamLaw, TrainingPoint
from ._references import MINICPM2024

__all__ = ["LAW", "batch_size_tokens"]


def batch_size_tokens(loss: float, values: Mapping[str, float]) -> float:
    """bs = bs_coef / L^bs_exp [tokens, assumed] for a C4 loss ``loss`` [nats]."""
    return values["bs_coef"] / float(loss ** values["bs_exp"])


def _advise(point: TrainingPoint, values: Mapping[str, float]) -> Estimate:
    loss = point.loss
    if loss is None:  # guarded by ``requires``; kept for the type checker
        raise ValueError("minicpm2024 needs loss")
    return Estimate(
        batch_size_tokens=batch_size_tokens(loss, values),
        notes=(
            f"batch computed from L = {loss:.4g} nats as given; MiniCPM's fit reads its own C4 "
            "loss, and a loss in other units moves the batch as L^-6.24",
        ),
        inputs_used={
            "loss_nats_per_token": loss,
            "n_params_non_embedding": point.n_params_non_embedding,
        },
    )


def _check_batch(inputs: Mapping[str, float], values: Mapping[str, float]) -> dict[str, float]:
    return {"batch_size_tokens": batch_size_tokens(inputs["loss"], values)}


_SEC3_2 = ConstantSet(
    name="sec3_2",
    values={"bs_coef": 1.21e9, "bs_exp": 6.24},
    source="section 3.2: bs = 1.21e9 / L^6.24 (batch size against C4 loss, Figure 2)",
    evidence=Evidence.UNCERTAIN,
    rounded=True,
    note="The constants are verbatim paper text; the unit of bs is not stated. Tokens are "
    "assumed: at L = 3 the law gives 1.28M, a usual token batch, but an impossible number of "
    "sequences for 9M-166M models. The Step Law paper's table prints 2e18 for 1.21e9.",
)

LAW = CATALOG.register(
    HyperparamLaw(
        id="minicpm2024",
        title="MiniCPM optimal batch size from the C4 loss",
        reference=MINICPM2024,
        equations=("bs = bs_coef / L^bs_exp  [tokens assumed]  (section 3.2)",),
        quantities={"L": "loss_nats_per_token", "bs": "batch_size_tokens"},
        requires={"batch_size_tokens": ("loss",)},
        schedule="muP (Tensor Programs: scale_emb 12, scale_depth 1.4, init_std 0.1, "
        "dim_model_base 256) with base LR 0.01 and a cosine schedule ending at 10 % of the "
        "peak in the batch-size runs (App. A.1, B.1); MiniCPM itself then trains with WSD.",
        loss_evaluation="C4 loss in nats per token with MiniCPM's tokenizer (section 3.2)",
        validity={
            "n_params_non_embedding": Interval(
                lower=9e6,
                upper=1.66e8,
                source="section 3.2 and Table 8: batch-size runs on the 0.009B, 0.036B and "
                "0.166B non-embedding-parameter models (6 batch sizes each)",
            ),
        },
        constant_sets=(_SEC3_2,),
        default_constant_set="sec3_2",
        advise_fn=_advise,
        extra_checks={"batch_at_loss": _check_batch},
        golden=(
            GoldenVector(
                check="batch_at_loss",
                constant_set="sec3_2",
                inputs={"loss": 3.0},
                expected={"batch_size_tokens": 1.2751e6},
                rtol=5e-4,
                why_tolerance="expected value computed to 5 significant figures",
                source="derived: section 3.2 law at a C4 loss of 3.0 (arithmetic)",
                evidence=Evidence.DERIVED,
            ),
            GoldenVector(
                check="batch_at_loss",
                constant_set="sec3_2",
                inputs={"loss": 2.5},
                expected={"batch_size_tokens": 3.9778e6},
                rtol=5e-4,
                why_tolerance="expected value computed to 5 significant figures",
                source="derived: section 3.2 law at a C4 loss of 2.5 (arithmetic)",
                evidence=Evidence.DERIVED,
            ),
        ),
        notes=(
            "The C4-loss range of the fit is shown only in Figure 2, not in the text, so the "
            "fitted range is stated on the model sizes of the runs.",
            "Objective differs from Kaplan's B_crit: the fewest tokens to reach a loss on a "
            "fixed GPU count (App. A.2), so the batch is the loss-optimal one, not a "
            "time/compute compromise.",
            "With muP the optimal base LR stayed at about 0.01 from 0.04B to 0.5B parameters "
            "(confirmed at 2.1B); that LR is specific to muP and is not returned here.",
        ),
        caveats=(
            "L is MiniCPM's C4 loss with its own tokenizer; a loss predicted by another law is "
            "in other units, and the batch moves as L^-6.24 (5 % in L is a factor 1.36).",
            "The unit of the batch is not stated in the paper; tokens are assumed.",
            "Fitted on models of 9M-166M non-embedding parameters.",
        ),
    )
)
