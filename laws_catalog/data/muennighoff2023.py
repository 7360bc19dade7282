r"""Data-constrained scaling law of Muennighoff et al. (2023), Sec. 3.1, App. A (Eqs. 5, 6, 17).

Repeated data and excess parameters decay in value with half-life-like constants
``R_D* = 15.387756`` and ``R_N* = 5.309743`` (fitted on 182 runs, 7M-9B parameters, 1-500
epochs) on top of the frozen single-epoch C4 fit ``loss/muennighoff2023@c4_tied``, whose
constants are read from that law, not repeated here. Units: parameters (total, GPT-2
counting), tokens (GPT-2 BPE), loss in nats/token on C4.

>>> c = LAW.constants()  # the decay constants with the base law's numbers
>>> round(loss(6.34e9, 242e9, 25e9, **c), 10)  # Figure 1 (right), authors' README
2.225644089
>>> round(effective_tokens(25e9, 100e9, **c) / 25e9, 4)  # four epochs are worth 3.73 of one
3.7257
>>> loss(8.67e9, 178e9, **c) == base.loss(8.67e9, 178e9, **c)  # no data limit
True
"""

from __future__ import annotations

import math

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..loss import muennighoff2023 as base
from ..references import MUENNIGHOFF2023
from ._law import RepetitionLaw, RepetitionTraits, resolve_constants, with_base_constants
from ._repetition import FloatOrArray, geometric_effective_data

__all__ = [
    "LAW",
    "effective_params",
    "effective_tokens",
    "frontier_constants",
    "geometric_vs_exponential",
    "loss",
    "loss_difference",
    "loss_increase",
    "optimum",
    "repetition_value",
    "unique_params",
]

_BASE_SET = "c4_tied"

_UNROUNDED = ConstantSet(
    name="c4_tied_decay",
    values={"rd_star": 15.387756, "rn_star": 5.309743},
    source="App. A unrounded fit (paper text, repo README and parametric_fit.ipynb output "
    "agree); E, A, B, alpha = beta from loss/muennighoff2023@c4_tied",
    evidence=Evidence.VERIFIED,
)

_EQ17 = ConstantSet(
    name="eq17",
    values={
        "E": 1.87,
        "A": 521.0,
        "B": 1488.0,
        "alpha": 0.35,
        "rd_star": 15.4,
        "rn_star": 5.3,
        "unique_params_per_token": 0.051,
    },
    source="Eq. 17 (printed, rounded): exponent 0.35 for both terms, U_N = 0.051 * U_D",
    evidence=Evidence.VERIFIED,
    rounded=True,
    note="Display rounding only: the exponent 0.35 (fit: 0.3526596) lifts absolute loss by "
    "~+0.025 at the 6-9B scale (Figure 1 model: 2.2500 vs 2.2256).",
)


def loss(
    n_params: FloatOrArray,
    n_tokens: FloatOrArray,
    n_unique_tokens: FloatOrArray = math.inf,
    **constants: float,
) -> FloatOrArray:
    """Eqs. 5, 6 and 17: loss [nats/token] of ``n_params`` [parameters] trained on
    ``n_tokens`` [tokens] drawn from ``n_unique_tokens`` [tokens] (Muennighoff et al. 2023)."""
    return resolve_constants(constants).loss(n_params, n_tokens, n_unique_tokens)


def effective_tokens(
    n_unique_tokens: FloatOrArray, n_tokens: FloatOrArray, **constants: float
) -> FloatOrArray:
    """Eq. 5: ``D'`` [tokens], the fresh-token equivalent of ``n_tokens`` drawn from
    ``n_unique_tokens`` (Muennighoff et al. 2023)."""
    return resolve_constants(constants).effective_tokens(n_unique_tokens, n_tokens)


def effective_params(
    n_unique_tokens: FloatOrArray, n_params: FloatOrArray, **constants: float
) -> FloatOrArray:
    """Eq. 6: ``N'`` [parameters, total], the value of ``n_params`` given ``n_unique_tokens``
    [tokens] of data (Muennighoff et al. 2023)."""
    return resolve_constants(constants).effective_params(n_unique_tokens, n_params)


def loss_increase(
    n_params: float,
    n_tokens: float,
    n_unique_tokens: float,
    reference_unique_tokens: float,
    **constants: float,
) -> float:
    """Relative loss increase [fraction] of training on ``n_unique_tokens`` instead of
    ``reference_unique_tokens`` [tokens] at the same N and D (Sec. 4, Figure 3)."""
    law = resolve_constants(constants)
    here = float(law.loss(n_params, n_tokens, n_unique_tokens))
    return here / float(law.loss(n_params, n_tokens, reference_unique_tokens)) - 1.0


def loss_difference(
    n_params: float,
    n_tokens: float,
    other_n_params: float,
    other_n_tokens: float,
    n_unique_tokens: float = math.inf,
    **constants: float,
) -> float:
    """Loss [nats/token] of the other (N, D) minus that of the first, both on
    ``n_unique_tokens`` [tokens] of data (Figure 1)."""
    law = resolve_constants(constants)
    first = float(law.loss(n_params, n_tokens, n_unique_tokens))
    return float(law.loss(other_n_params, other_n_tokens, n_unique_tokens)) - first


def repetition_value(epochs: float, **constants: float) -> dict[str, float]:
    """What ``epochs`` over one unique token are worth (Eq. 5): ``effective_per_unique`` and
    ``effective_per_token`` [tokens], and the ``last_repetition_value`` exp(-(epochs-1)/R_D*)
    [fraction of a fresh token] (Sec. 3.1)."""
    law = resolve_constants(constants)
    d_eff = float(law.effective_tokens(1.0, epochs))
    return {
        "effective_per_unique": d_eff,
        "effective_per_token": d_eff / epochs,
        "last_repetition_value": math.exp(-(epochs - 1.0) / law.rd_star),
    }


def unique_params(n_unique_tokens: float, **constants: float) -> float:
    """``U_N = N_opt(U)`` [parameters]: the single-epoch compute-optimal size for
    ``n_unique_tokens`` [tokens] (App. B)."""
    return float(resolve_constants(constants).optimal_params_for_tokens(n_unique_tokens))


def frontier_constants(**constants: float) -> dict[str, float]:
    """``g`` = G = (alpha A / (beta B))^(1/(alpha+beta)) and the single-epoch optimal
    ``tokens_per_param`` = G^-2 (App. B, alpha = beta)."""
    g = resolve_constants(constants).g
    return {"g": g, "tokens_per_param": g**-2}


def optimum(
    flops: float,
    n_unique_tokens: float = math.inf,
    flops_per_param_token: float = 6.0,
    **constants: float,
) -> dict[str, float]:
    """The loss-optimal ``n_params``, ``n_tokens``, ``epochs`` and ``loss`` for ``flops``
    [FLOPs] under C = k N D with ``n_unique_tokens`` [tokens] of data (Sec. 5)."""
    law = resolve_constants(constants)
    n, d = law.compute_optimal(flops, n_unique_tokens, flops_per_param_token)
    return {
        "n_params": n,
        "n_tokens": d,
        "epochs": d / n_unique_tokens,
        "loss": float(law.loss(n, d, n_unique_tokens)),
    }


def geometric_vs_exponential(
    value_lost_per_repetition: float, repetitions: float, **constants: float
) -> dict[str, float]:
    """App. A worked example: effective data of one unique token after ``repetitions`` when
    each keeps ``1 - value_lost_per_repetition`` of the previous one's value, summed
    (``geometric``, Eq. 10) and in Eq. 13's continuous form (``exponential``), and the gap of
    the data terms (``data_term_gap``, raised to beta)."""
    delta = value_lost_per_repetition
    geometric = float(geometric_effective_data(1.0, repetitions, delta))
    decay = (1.0 - delta) / delta
    exponential = 1.0 + decay * (1.0 - math.exp(-repetitions / decay))
    beta = resolve_constants(constants).beta
    return {
        "geometric": geometric,
        "exponential": exponential,
        "data_term_gap": (exponential / geometric) ** beta - 1.0,
    }


LAW = CATALOG.register(
    RepetitionLaw(
        id="muennighoff2023",
        family="data",
        kind="repetition",
        title="Data-constrained loss L(N, D, U): decaying value of repeated data and "
        "excess parameters",
        reference=MUENNIGHOFF2023,
        equations=(
            "U_D = min(U, D); R_D = D/U_D - 1; U_N = min(N, N_opt(U)); R_N = N/U_N - 1  (Sec. 3.1)",
            "D' = U_D + U_D R_D* (1 - exp(-R_D/R_D*))  (Eq. 5)",
            "N' = U_N + U_N R_N* (1 - exp(-R_N/R_N*))  (Eq. 6)",
            "L = E + A/N'^alpha + B/D'^beta, with E, A, B, alpha = beta of the C4 fit "
            "(Eq. 17 with App. B constants)",
            "N_opt(U) = G (U G)^(beta/alpha), G = (alpha A/(beta B))^(1/(alpha+beta))  (App. B)",
        ),
        quantities={
            "N": "n_params_total",
            "D": "n_tokens",
            "U": "n_unique_tokens",
            "D/U": "epochs",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=RepetitionTraits(
            params_quantity="n_params_total",
            evaluation="C4 validation loss (GPT-2 tokenizer) on the scale of the base C4 fit, "
            "which was digitised from Chinchilla's C4 IsoFLOP figure",
            base_loss="muennighoff2023",
            base_constant_sets={"c4_tied_decay": _BASE_SET},
        ),
        validity={
            "n_params_total": Interval(
                lower=7e6, upper=9e9, source="App. A: the 182 fitted runs span 7M-9B parameters"
            ),
            "n_tokens": Interval(
                lower=1e8,
                upper=9e11,
                source="released runs (datablations parametric_fit.ipynb): 100M-900B tokens",
            ),
            "n_unique_tokens": Interval(
                lower=1e8,
                upper=1.78e11,
                source="released runs: unique-data budgets of 100M-178B tokens",
            ),
            "epochs": Interval(
                lower=1.0, upper=500.0, source="App. A: fitted runs have 1-500 epochs"
            ),
        },
        constant_sets=(with_base_constants(_UNROUNDED, base.LAW, _BASE_SET), _EQ17),
        default_constant_set="c4_tied_decay",
        functions={
            "loss": loss,
            "effective_tokens": effective_tokens,
            "effective_params": effective_params,
            "loss_increase": loss_increase,
            "loss_difference": loss_difference,
            "repetition_value": repetition_value,
            "unique_params": unique_params,
            "frontier_constants": frontier_constants,
            "optimum": optimum,
            "geometric_vs_exponential": geometric_vs_exponential,
        },
        golden=golden_vectors(__file__, "muennighoff2023"),
        notes=(
            "R_D* and R_N* are e-folding numbers of repetitions: the k-th repetition of the data "
            "is worth exp(-k/R_D*) of a fresh token, so D' never exceeds (1 + R_D*) U = 16.39 U.",
            "Because R_N* < R_D*, spare compute goes into more epochs before more parameters.",
            "Table 1 of the paper compares alternative decay forms (R^2 0.7722 for this one in "
            "the corrected repo notebook, 0.4452 for plain Chinchilla on the same 182 runs).",
        ),
        caveats=(
            "Absolute losses inherit the base C4 fit digitised from Chinchilla's figure; "
            "compare configurations with this law, do not read its loss as a C4 loss of your run "
            "(the authors' README says the same).",
            "The law only plateaus: it cannot predict the loss RISING with too many epochs or "
            "parameters (seen for small data beyond ~40 epochs; runs that rose were excluded "
            "from the fit). Plans beyond ~16 epochs (R_D*) gain little and are risky.",
            "Fitted on uniform repetition of whole C4 subsets; repeating a small part of the "
            "data many times (Hernandez et al. 2022) can do much more harm.",
            "Below one epoch (D < U) excess parameters are measured against N_opt(U) (the "
            "authors' README function), so unlimited unique data gives exactly the single-epoch "
            "law; the paper's U_D-based reading differs there.",
        ),
    )
)
