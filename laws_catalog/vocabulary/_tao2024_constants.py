"""Constants of Tao et al. (2024): the three approaches, tokens per character, width map.

Every number comes from the authors' repository (sail-sg/scaling-with-vocab) or, for the
``*_paper`` sets, the paper's rounded print; each set says where.
"""

from __future__ import annotations

import math

from .._types import ConstantSet, Evidence

__all__ = ["APPROACHES", "DEFAULT_BUDGET", "SETS", "TOKENIZATION", "WIDTH_BEYOND", "WIDTH_MAP"]

APPROACHES = ("isoflop", "derivative", "parametric")

TOKENIZATION = ConstantSet(
    name="tokenization",
    values={"a": 0.00639222, "b": -0.15811069, "c": 1.20470122, "vocab_cap": 200_000.0},
    source="utils.py (H_to_D): f(V) = a ln^2 V + b ln V + c with V capped at 200,000; fitted by "
    "fit_tokenization_func.py on BPE tokenizers of 1K-1024K entries trained on SlimPajama",
    evidence=Evidence.VERIFIED,
    note="The paper rounds to 0.0064, -0.1581, 1.2047. f(32K) = 0.2524 matches the paper's "
    "Table 2 ratio; f is smallest at V = exp(-b/2a) = 235K, beyond the cap.",
)

# (largest N_nv, d_model): utils.py Nnv_to_d, the width the authors assume for a model size
WIDTH_MAP: tuple[tuple[float, int], ...] = (
    (50e6, 512),
    (200e6, 768),
    (500e6, 1024),
    (1e9, 1536),
    (2e9, 2048),
    (5e9, 3200),
    (10e9, 4096),
    (20e9, 5120),
    (50e9, 6048),
    (100e9, 8192),
    (200e9, 12288),
    (500e9, 16384),
    (1e12, 20480),
)
WIDTH_BEYOND = 24576  # width above the last step of WIDTH_MAP

_ISOFLOP = ConstantSet(
    name="isoflop",
    values={
        "nnv_log_coef": -2.4846510161625193,
        "nnv_exp": 0.5,
        "nv_log_coef": -1.589031299255507,
        "nv_exp": 0.4163622634135234,
    },
    source="optimal_Nv_predict.py (approach1_isoflops, Nnvopt_to_flops): Huber fits (delta 1e-3, "
    "L-BFGS-B) of N_nv and N_v on the IsoFLOP frontier of the interpolated runs, "
    "approach1_isoflops.py; the N_nv exponent is fixed at 0.5 following Chinchilla",
    evidence=Evidence.VERIFIED,
    note="N_nv_opt = 0.083355 C^0.5, N_v_opt = 0.204123 C^0.41636.",
)

DEFAULT_BUDGET = ConstantSet(
    name="default_budget",
    values={
        "budget_nnv_log_coef": _ISOFLOP.values["nnv_log_coef"],
        "budget_nnv_exp": _ISOFLOP.values["nnv_exp"],
    },
    source="the isoflop set's N_nv = exp(nnv_log_coef) C^nnv_exp, inverted: the budget of which "
    "a model is the compute-optimal one, used by every approach when a question names no "
    "budget (how Table 1's budgets were computed)",
    evidence=Evidence.VERIFIED,
)

_ISOFLOP_PAPER = ConstantSet(
    name="isoflop_paper",
    values={
        "nnv_log_coef": math.log(0.08),
        "nnv_exp": 0.5,
        "nv_log_coef": math.log(0.20),
        "nv_exp": 0.42,
    },
    source="paper, Approach 1: N_nv = 0.08 C^0.50, N_v = 0.20 C^0.42 (stored as logs)",
    evidence=Evidence.VERIFIED_SECONDARY,
    rounded=True,
    note="Table 1 was computed with the unrounded repository constants; these printed ones give "
    "a vocabulary 18 % larger at 7B.",
)

_DERIVATIVE = ConstantSet(
    name="derivative",
    values={
        "anchor_vocab_params": 3_145_728.0,
        "anchor_non_vocab_params": 33e6,
        "gamma": 0.8353974035228025,
    },
    source="optimal_Nv_predict.py (approach2_derivative): the best vocabulary parameters of the "
    "33M model at 2.7e17 FLOPs in the experiments (6144 x 512), scaled by gamma, the Huber fit "
    "of the dF/dV = 0 optima of 7 model sizes (approach2_derivative.py)",
    evidence=Evidence.VERIFIED,
)

_DERIVATIVE_PAPER = ConstantSet(
    name="derivative_paper",
    values={
        "anchor_vocab_params": 3_145_728.0,
        "anchor_non_vocab_params": 33e6,
        "gamma": 0.83,
    },
    source="paper, Approach 2: gamma ~ 0.83 (anchor from the repository)",
    evidence=Evidence.VERIFIED_SECONDARY,
    rounded=True,
)

# Units of the Approach-3 fit: N_nv in millions, V and d in thousands (V d in millions),
# FLOPs in 1e15, so D = F / (6 (N_nv + V d)) comes out in billions of tokens.
_FIT_UNITS = {"nnv_unit": 1e6, "vocab_unit": 1e3, "d_unit": 1e3, "flops_unit": 1e15}

_PARAMETRIC = ConstantSet(
    name="parametric",
    values={
        "A1": 1.8313851559554126,
        "A2": 0.19584238398665638,
        "B": 2.1241123120064955,
        "E": 5.5327846803337435,
        "alpha1": 0.44660634152009615,
        "alpha2": 0.6707374679896795,
        "beta": 0.44660634152009615,
        **_FIT_UNITS,
    },
    source="optimal_Nv_predict.py (approach3_isoloss) and approach3_isoloss.py: Huber fit "
    "(delta 1e-3) of L_u = -E + A1/N_nv^alpha1 + A2/(V d)^alpha2 + B/D^beta with alpha1 = beta, "
    "on the runs with at least 2.18e17 FLOPs, in the normalised units listed",
    evidence=Evidence.VERIFIED,
    note="In the released fitting script the data term is computed after V has been divided "
    "by 1000, i.e. with f(V/1000) instead of f(V) tokens per character; predictions (here and "
    "in the repository) take D = F / (6 (N_nv + V d)). The constants are shipped as released.",
)

_PARAMETRIC_PAPER = ConstantSet(
    name="parametric_paper",
    values={
        "A1": 1.831,
        "A2": 0.196,
        "B": 2.124,
        "E": 5.533,
        "alpha1": 0.447,
        "alpha2": 0.671,
        "beta": 0.447,
        **_FIT_UNITS,
    },
    source="paper, Approach 3: A1 1.831, A2 0.196, B 2.124, E 5.533, alpha1 = beta 0.447, "
    "alpha2 0.671",
    evidence=Evidence.VERIFIED_SECONDARY,
    rounded=True,
)

SETS = {
    cset.name: cset
    for cset in (
        _PARAMETRIC,
        _ISOFLOP,
        _DERIVATIVE,
        _PARAMETRIC_PAPER,
        _ISOFLOP_PAPER,
        _DERIVATIVE_PAPER,
    )
}
