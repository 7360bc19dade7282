r"""Kaplan et al. (2020): critical batch size B_crit(L) (section 5.1) and LR(N) (App. D.6).

.. math:: B_{crit}(L) = \frac{B_*}{L^{1/\alpha_B}}, \qquad
          \mathrm{LR}(N) = 0.003239 - 0.0001395 \ln N

L is the loss in nats on WebText2 with the GPT-2 BPE (50,257 tokens); B_crit is in tokens and
does not depend on the model size except through L. N is non-embedding parameters; the LR
rule of thumb is <= 0 above N = 1.21e10, where the answer gives no LR and says why.

>>> from laws_catalog.hyperparams import TrainingPoint
>>> from laws_catalog.hyperparams.kaplan2020 import LAW
>>> point = TrainingPoint(n_params_non_embedding=1e9, n_params_total=1.05e9, n_tokens=2e10,
...                       flops=1.2e20, loss=3.0, context_length=1024)
>>> advice = LAW.advise(point)
>>> f"{advice.peak_learning_rate:.3e}", f"{advice.critical_batch_size_tokens:.3e}"
('3.481e-04', '1.123e+06')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, GoldenVector, Interval
from ..references import KAPLAN2020
from ._law import Estimate, HyperparamLaw, TrainingPoint

__all__ = ["LAW", "critical_batch_size_tokens", "learning_rate"]


def critical_batch_size_tokens(loss: float, values: Mapping[str, float]) -> float:
    """B_crit(L) = B_star / L^(1/alpha_B) [tokens] for a WebText2 loss ``loss`` [nats]."""
    return values["B_star"] / float(loss ** (1.0 / values["alpha_B"]))


def learning_rate(n_params_non_embedding: float, values: Mapping[str, float]) -> float | None:
    """LR(N) = intercept - slope ln N, or ``None`` where that is not positive."""
    lr = values["lr_intercept"] - values["lr_slope"] * math.log(n_params_non_embedding)
    return lr if lr > 0 else None


def _advise(point: TrainingPoint, values: Mapping[str, float]) -> Estimate:
    n = point.n_params_non_embedding
    notes = []
    lr = learning_rate(n, values)
    if lr is None:
        limit = math.exp(values["lr_intercept"] / values["lr_slope"])
        notes.append(
            f"LR(N) = 0.003239 - 0.0001395 ln N is <= 0 at N = {n:.3g} (zero at {limit:.3g}); "
            "App. D.6 says the rule breaks down above ~1e10 parameters, so no LR is given"
        )
    used = {"n_params_non_embedding": n}
    b_crit = None
    if point.loss is not None:
        b_crit = critical_batch_size_tokens(point.loss, values)
        used["loss_nats_per_token"] = point.loss
        notes.append(
            f"B_crit computed from L = {point.loss:.4g} nats as given; Kaplan's fit reads a "
            "WebText2/GPT-2-BPE loss, and a loss in other units moves B_crit as L^-4.76"
        )
    return Estimate(
        peak_learning_rate=lr,
        batch_size_tokens=b_crit,
        critical_batch_size_tokens=b_crit,
        notes=tuple(notes),
        inputs_used=used,
    )


def _check_critical_batch(
    inputs: Mapping[str, float], values: Mapping[str, float]
) -> dict[str, float]:
    return {"critical_batch_size_tokens": critical_batch_size_tokens(inputs["loss"], values)}


def _check_learning_rate(
    inputs: Mapping[str, float], values: Mapping[str, float]
) -> dict[str, float]:
    lr = learning_rate(inputs["n_params_non_embedding"], values)
    return {} if lr is None else {"peak_learning_rate": lr}


_LR_RULE = {"lr_intercept": 0.003239, "lr_slope": 0.0001395}

_TABLE5 = ConstantSet(
    name="table5",
    values={"B_star": 2.1e8, "alpha_B": 0.21, **_LR_RULE},
    source="Table 5 (B_star = 2.1e8 tokens, alpha_B = 0.21); LR rule of App. D.6",
    evidence=Evidence.VERIFIED,
    note="The most precise published B_star (two figures); section 5.1 rounds it to 2e8.",
)

_EQ5_3 = ConstantSet(
    name="eq5_3",
    values={"B_star": 2e8, "alpha_B": 0.21, **_LR_RULE},
    source="Eq. 1.4 / 5.3: B_star ~ 2e8 tokens, alpha_B ~ 0.21; LR rule of App. D.6",
    evidence=Evidence.VERIFIED,
    rounded=True,
)


def _batch_vector(cset: str, loss: float, expected: float, rtol: float, why: str) -> GoldenVector:
    return GoldenVector(
        check="critical_batch",
        constant_set=cset,
        inputs={"loss": loss},
        expected={"critical_batch_size_tokens": expected},
        rtol=rtol,
        why_tolerance=why,
        source=(
            f"derived: Eq. 5.3 B_crit({loss:g} nats) = B_star / L^(1/alpha_B) with "
            "Table 5's B_star = 2.1e8 (arithmetic)"
            if cset == "table5"
            else f"derived: Eq. 5.3 B_crit({loss:g} nats) = B_star / L^(1/alpha_B) with "
            "B_star = 2e8 of Eq. 1.4 / 5.3 (arithmetic)"
        ),
        evidence=Evidence.DERIVED,
    )


_FIVE_FIGURES = "expected values computed to 5 significant figures"

LAW = CATALOG.register(
    HyperparamLaw(
        id="kaplan2020",
        title="Kaplan critical batch size B_crit(L) and learning-rate rule LR(N)",
        reference=KAPLAN2020,
        equations=(
            "B_crit(L) = B_star / L^(1/alpha_B)  [tokens]  (Eq. 5.3, Table 5)",
            "LR(N) = lr_intercept - lr_slope ln N  (App. D.6, N non-embedding)",
            "batch_size_tokens = B_crit: section 5.1 recommends training at B ~ B_crit",
        ),
        quantities={
            "L": "loss_nats_per_token",
            "N": "n_params_non_embedding",
            "B_crit": "critical_batch_size_tokens",
            "B": "batch_size_tokens",
            "LR": "peak_learning_rate",
        },
        requires={
            "peak_learning_rate": ("n_params_non_embedding",),
            "batch_size_tokens": ("loss",),
            "critical_batch_size_tokens": ("loss",),
        },
        schedule="Adam (Adafactor for the largest models); 3,000-step linear warm-up, then "
        "cosine decay to zero over 2.5e5 steps of 2^19-token batches. App. D.6: the schedule "
        "matters little as long as it warms up and decays to near zero.",
        loss_evaluation="WebText2 loss in nats per token, GPT-2 BPE (50,257 tokens), 1024-token "
        "context (B_crit is plotted against the training loss, Figure 10)",
        validity={
            "loss_nats_per_token": Interval(
                lower=3.0,
                upper=10.0,
                source="Figure 10: B_crit measured on 3M and 85M models over WebText2 losses "
                "of about 3 to 10 nats (axis range of the figure, approximate); App. C: not "
                "confident far outside the explored range",
            ),
            "n_params_non_embedding": Interval(
                lower=768,
                upper=1.5e9,
                source="section 1/3: models of 768 to 1.5B non-embedding parameters, most "
                "trained with the App. D.6 LR rule",
            ),
        },
        constant_sets=(_TABLE5, _EQ5_3),
        default_constant_set="table5",
        advise_fn=_advise,
        extra_checks={
            "critical_batch": _check_critical_batch,
            "learning_rate": _check_learning_rate,
        },
        golden=(
            _batch_vector("eq5_3", 3.0, 1.0691e6, 5e-4, _FIVE_FIGURES),
            _batch_vector("eq5_3", 4.0, 2.7169e5, 5e-4, _FIVE_FIGURES),
            _batch_vector("eq5_3", 2.0, 7.3715e6, 5e-4, _FIVE_FIGURES),
            _batch_vector(
                "table5", 2.0, 7.7e6, 0.0066, "printed as 7.7M: half a unit in the last place"
            ),
            _batch_vector(
                "table5", 3.0, 1.12e6, 0.0045, "printed as 1.12M: half a unit in the last place"
            ),
            _batch_vector(
                "table5", 4.0, 0.29e6, 0.018, "printed as 0.29M: half a unit in the last place"
            ),
            GoldenVector(
                check="learning_rate",
                constant_set="table5",
                inputs={"n_params_non_embedding": 1e8},
                expected={"peak_learning_rate": 6.6932e-4},
                rtol=5e-4,
                why_tolerance=_FIVE_FIGURES,
                source="derived: App. D.6 rule at N = 1e8 (arithmetic)",
                evidence=Evidence.DERIVED,
            ),
            GoldenVector(
                check="learning_rate",
                constant_set="table5",
                inputs={"n_params_non_embedding": 1e9},
                expected={"peak_learning_rate": 3.4810e-4},
                rtol=5e-4,
                why_tolerance=_FIVE_FIGURES,
                source="derived: App. D.6 rule at N = 1e9 (arithmetic)",
                evidence=Evidence.DERIVED,
            ),
        ),
        notes=(
            "Training at B_crit takes 2 S_min steps and 2 E_min tokens to reach a loss "
            "(Eq. 5.1-5.2): the time/compute compromise, not the loss-optimal batch of a fixed "
            "token budget.",
            "B_crit roughly doubles for every 13 % decrease in the loss (Figure 10 caption).",
            "The Step Law paper's comparison table prints B_star as 2e18, a slip for 2e8.",
        ),
        caveats=(
            "B_crit(L) reads a WebText2/GPT-2-BPE loss in nats; a loss predicted by another law "
            "(other data or tokenizer) is in other units, and B_crit moves as L^-4.76 (10 % in "
            "L is a factor 1.6 in the batch).",
            "LR(N) is the rule of thumb used for Kaplan's runs (Adam, warm-up + cosine to zero); "
            "it is <= 0 above 1.2e10 non-embedding parameters and the paper says it breaks down "
            "beyond 1e10.",
        ),
    )
)
