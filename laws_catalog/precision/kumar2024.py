r"""Kumar et al. (2024): scaling laws for precision (training precision and post-training PTQ).

Training weights, activations and KV cache in P_w, P_a, P_kv integer bits (``bits_w``,
``bits_a``, ``bits_kv``; None = high precision) shrinks the effective parameter count
(Finding 2); post-training quantisation of a BF16-trained model to P_post bits adds a
degradation that grows with data and shrinks with size (Finding 1). N counts non-embedding
parameters, D training tokens; losses are in nats/token. Costs follow C = (6/16) N D P. With
P_w = P_a = P_kv = P and N, D, P optimised together the best P does not depend on the budget
(Finding 3): about 7 bits here.

>>> from laws_catalog.precision.kumar2024 import LAW
>>> round(LAW.call("effective_fraction", bits_w=8, bits_a=8, bits_kv=8), 3)
0.828
>>> round(LAW.call("optimal_bits_joint"), 2)
7.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import KUMAR2024
from ._law import PrecisionLaw, PrecisionTraits, require_positive

__all__ = [
    "COST_FLOPS_PER_BIT_PARAM_TOKEN",
    "LAW",
    "critical_tokens_ptq",
    "effective_fraction",
    "loss",
    "loss_without_ptq",
    "optimal_bits_fixed_params",
    "optimal_bits_joint",
    "optimal_bits_over_mean_gamma",
    "ptq_degradation",
    "training_penalty",
]

COST_FLOPS_PER_BIT_PARAM_TOKEN = 6.0 / 16.0
"""k of the paper's cost model C = k N D P (P in bits: 6ND at P = 16)."""


def _part_factor(bits: float | None, part: str, gamma: float, offset: float) -> float:
    """1 - exp(-P/gamma_x + n_x) for one part (1 for high precision)."""
    if bits is None:
        return 1.0
    factor = 1.0 - math.exp(-bits / gamma + offset)
    if factor <= 0:
        raise ValueError(
            f"{bits} training bits for part {part!r} give no effective parameters "
            f"(factor {factor:.3g}); such runs diverged in the paper and were not fitted"
        )
    return factor


def effective_fraction(
    bits_w: float | None = None,
    bits_a: float | None = None,
    bits_kv: float | None = None,
    *,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
) -> float:
    """N_eff / N = prod_x (1 - e^(-P_x/gamma_x + n_x)) for training bits of weights,
    activations and KV cache (Eq. 4 with the App. K offsets n_x; Kumar et al. 2024)."""
    return (
        _part_factor(bits_w, "w", gamma_w, n_w)
        * _part_factor(bits_a, "a", gamma_a, n_a)
        * _part_factor(bits_kv, "kv", gamma_kv, n_kv)
    )


def loss_without_ptq(
    n_params: float,
    n_tokens: float,
    bits_w: float | None = None,
    bits_a: float | None = None,
    bits_kv: float | None = None,
    *,
    A: float,
    alpha: float,
    B: float,
    beta: float,
    E: float,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
) -> float:
    """A N_eff^-alpha + B D^-beta + E [nats/token] (Finding 2, Eq. 11 without delta_PTQ)."""
    require_positive(n_params=n_params, n_tokens=n_tokens)
    fraction = effective_fraction(
        bits_w,
        bits_a,
        bits_kv,
        gamma_w=gamma_w,
        n_w=n_w,
        gamma_a=gamma_a,
        n_a=n_a,
        gamma_kv=gamma_kv,
        n_kv=n_kv,
    )
    n_eff = n_params * fraction
    return float(A * n_eff**-alpha + B * n_tokens**-beta + E)


def training_penalty(
    n_params: float,
    bits_w: float | None = None,
    bits_a: float | None = None,
    bits_kv: float | None = None,
    *,
    A: float,
    alpha: float,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
) -> float:
    """Loss added by training in low precision: A (N_eff^-alpha - N^-alpha) [nats/token]
    (Eq. 4 and 11, Kumar et al. 2024)."""
    require_positive(n_params=n_params)
    fraction = effective_fraction(
        bits_w,
        bits_a,
        bits_kv,
        gamma_w=gamma_w,
        n_w=n_w,
        gamma_a=gamma_a,
        n_a=n_a,
        gamma_kv=gamma_kv,
        n_kv=n_kv,
    )
    n_eff = n_params * fraction
    return float(A * (n_eff**-alpha - n_params**-alpha))


def ptq_degradation(
    n_params: float,
    n_tokens: float,
    post_bits: float,
    bits_w: float | None = None,
    bits_a: float | None = None,
    bits_kv: float | None = None,
    *,
    C_T: float,
    ptq_log_bias: float,
    gamma_D: float,
    gamma_N: float,
    gamma_post: float,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
    robustification: Mapping[str, float] | None = None,
) -> float:
    """delta_PTQ [nats/token]: Eq. 2 for a model trained in high precision; Eq. 9 otherwise
    (Kumar et al. 2024).

    Eq. 9's robustification constants C_x are not published: without ``robustification``
    (``{"w": C_w, "a": C_a, "kv": C_kv}``) the product of its factors is taken as 1, which
    is an upper bound on Eq. 9 (every factor lies in (0, 1]). Training no wider than the
    serving precision gives zero, as the paper defines.
    """
    require_positive(n_params=n_params, n_tokens=n_tokens, post_bits=post_bits)
    parts = zip((bits_w, bits_a, bits_kv), ("w", "a", "kv"), strict=True)
    trained = [(bits, part) for bits, part in parts if bits is not None]
    if any(bits <= post_bits for bits, _ in trained):
        return 0.0
    fraction = effective_fraction(
        bits_w,
        bits_a,
        bits_kv,
        gamma_w=gamma_w,
        n_w=n_w,
        gamma_a=gamma_a,
        n_a=n_a,
        gamma_kv=gamma_kv,
        n_kv=n_kv,
    )
    n_eff = n_params * fraction
    base = (
        C_T
        * math.exp(ptq_log_bias)
        * n_tokens**gamma_D
        / n_eff**gamma_N
        * math.exp(-post_bits / gamma_post)
    )
    if robustification is None:
        return float(base)
    for bits, part in trained:
        base *= 1.0 - math.exp(-robustification[part] * (bits - post_bits))
    return float(base)


def loss(
    n_params: float,
    n_tokens: float,
    bits_w: float | None = None,
    bits_a: float | None = None,
    bits_kv: float | None = None,
    post_bits: float | None = None,
    *,
    A: float,
    alpha: float,
    B: float,
    beta: float,
    E: float,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
    C_T: float,
    ptq_log_bias: float,
    gamma_D: float,
    gamma_N: float,
    gamma_post: float,
) -> float:
    """Eq. 11 [nats/token]; ``post_bits=None`` means no post-training quantisation."""
    total = loss_without_ptq(
        n_params,
        n_tokens,
        bits_w,
        bits_a,
        bits_kv,
        A=A,
        alpha=alpha,
        B=B,
        beta=beta,
        E=E,
        gamma_w=gamma_w,
        n_w=n_w,
        gamma_a=gamma_a,
        n_a=n_a,
        gamma_kv=gamma_kv,
        n_kv=n_kv,
    )
    if post_bits is not None:
        total += ptq_degradation(
            n_params,
            n_tokens,
            post_bits,
            bits_w,
            bits_a,
            bits_kv,
            C_T=C_T,
            ptq_log_bias=ptq_log_bias,
            gamma_D=gamma_D,
            gamma_N=gamma_N,
            gamma_post=gamma_post,
            gamma_w=gamma_w,
            n_w=n_w,
            gamma_a=gamma_a,
            n_a=n_a,
            gamma_kv=gamma_kv,
            n_kv=n_kv,
        )
    return total


def critical_tokens_ptq(
    n_params: float,
    post_bits: float,
    *,
    B: float,
    beta: float,
    C_T: float,
    ptq_log_bias: float,
    gamma_D: float,
    gamma_N: float,
    gamma_post: float,
) -> float:
    """Eq. 13 (Kumar et al. 2024): tokens beyond which more pretraining raises the post-PTQ
    loss of a BF16-trained model [tokens]."""
    require_positive(n_params=n_params, post_bits=post_bits)
    c_t = C_T * math.exp(ptq_log_bias)
    num = beta * B * n_params**gamma_N * math.exp(post_bits / gamma_post)
    return float((num / (gamma_D * c_t)) ** (1.0 / (gamma_D + beta)))


def _joint_root(params: list[tuple[float, float]], lowest: float) -> float:
    """The P that solves P * sum_x f_x'/f_x = 1 for factors f_x = 1 - e^(-P/gamma_x + n_x)."""

    def condition(bits: float) -> float:
        total = 0.0
        for gamma, offset in params:
            q = math.exp(-bits / gamma + offset)
            total += q / (gamma * (1.0 - q))
        return bits * total - 1.0

    return float(brentq(condition, max(lowest, 0.0) + 1e-9, 64.0, xtol=1e-12))


def optimal_bits_joint(
    *,
    tied: bool = False,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
) -> float:
    """P* [bits] when N, D, P share C = k N D P: the root of P * sum_x f_x'/f_x = 1 (Eq. 7 /
    26-28, Kumar et al. 2024).

    Independent of the budget (Finding 3). ``tied`` uses the paper's approximation with one
    mean gamma (and mean offset) for all three parts.
    """
    pairs = [(gamma_w, n_w), (gamma_a, n_a), (gamma_kv, n_kv)]
    if tied:
        gamma = (gamma_w + gamma_a + gamma_kv) / 3
        offset = (n_w + n_a + n_kv) / 3
        return _joint_root([(gamma, offset)] * 3, gamma * offset)
    return _joint_root(pairs, max(g * n for g, n in pairs))


def optimal_bits_over_mean_gamma(
    *, gamma_w: float, n_w: float, gamma_a: float, n_a: float, gamma_kv: float, n_kv: float
) -> float:
    """P* / gamma_bar with one mean gamma for the three parts (Kumar et al. 2024, main text:
    without offsets 3 e^-x = 1 - e^-x, x* = 1.904)."""
    bits = optimal_bits_joint(
        tied=True,
        gamma_w=gamma_w,
        n_w=n_w,
        gamma_a=gamma_a,
        n_a=n_a,
        gamma_kv=gamma_kv,
        n_kv=n_kv,
    )
    return bits / ((gamma_w + gamma_a + gamma_kv) / 3)


def optimal_bits_fixed_params(
    flops: float,
    n_params: float,
    *,
    A: float,
    alpha: float,
    B: float,
    beta: float,
    E: float,
    gamma_w: float,
    n_w: float,
    gamma_a: float,
    n_a: float,
    gamma_kv: float,
    n_kv: float,
    flops_per_bit_param_token: float = COST_FLOPS_PER_BIT_PARAM_TOKEN,
) -> float:
    """P* [bits] for a fixed model size at a budget of ``flops`` = k N D P [FLOPs] (numerical,
    App. E.2.2 of Kumar et al. 2024)."""
    require_positive(flops=flops, n_params=n_params)
    k = flops_per_bit_param_token
    parts = {
        "gamma_w": gamma_w,
        "n_w": n_w,
        "gamma_a": gamma_a,
        "n_a": n_a,
        "gamma_kv": gamma_kv,
        "n_kv": n_kv,
    }

    def at(bits: float) -> float:
        tokens = flops / (k * n_params * bits)
        return loss_without_ptq(
            n_params, tokens, bits, bits, bits, A=A, alpha=alpha, B=B, beta=beta, E=E, **parts
        )

    low = max(gamma_w * n_w, gamma_a * n_a, gamma_kv * n_kv) + 1e-6
    grid = np.linspace(low + 1e-3, 64.0, 2000)
    values = [at(float(b)) for b in grid]
    i = int(np.argmin(values))
    lo, hi = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, len(grid) - 1)])
    result = minimize_scalar(at, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9})
    return float(result.x)


_TABLE2_VALUES = {
    "A": 4299.0,
    "alpha": 0.4965,
    "B": 18060.0,
    "beta": 0.4965,
    "E": 2.7648,
    "gamma_w": 2.6745,
    "n_w": 0.3037,
    "gamma_a": 2.2102,
    "n_a": 1.4072,
    "gamma_kv": 0.9578,
    "n_kv": 2.4185,
    "C_T": 0.0598,
    "gamma_D": 0.5068,
    "gamma_N": 0.3439,
    "gamma_post": 0.5907,
    "b": 1.1277,
    "ptq_log_bias": 0.0,
}
_SOURCE = (
    "App. K Table 2 of arXiv 2411.04330 (full text; a second copy hard-coding Table 2 agrees); "
    "'gamma_i' of the table is the activations' gamma_a"
)
_READING = (
    "Uncertain reading of App. K: it says each exponential carries a bias ('e^(x/gamma) is "
    "really computed with offset e^(x/gamma + n)'); applied here as 1 - exp(-P/gamma_x + n_x), "
    "the only reading found that reproduces the paper's P* of 7-8 bits (7.00; without offsets "
    "3.47). The row printed 'gamma 0.5907' is read as gamma_post (label garbled in the "
    "extraction; the second copy agrees). The last row 'b 1.1277' has no stated role"
)

_TABLE2 = ConstantSet(
    name="table2",
    values=_TABLE2_VALUES,
    source=_SOURCE,
    evidence=Evidence.UNCERTAIN,
    note=f"{_READING}; it is recorded but not applied (see table2_ptq_bias).",
)

_TABLE2_PTQ_BIAS = ConstantSet(
    name="table2_ptq_bias",
    values=_TABLE2_VALUES | {"ptq_log_bias": 1.1277},
    source=_SOURCE,
    evidence=Evidence.UNCERTAIN,
    note=f"{_READING}; this set reads it as a bias in the PTQ exponential, multiplying "
    "delta_PTQ by e^1.1277 = 3.09.",
)

_MAIN_TEXT = ConstantSet(
    name="main_text_form",
    values=_TABLE2_VALUES | {"n_w": 0.0, "n_a": 0.0, "n_kv": 0.0},
    source=f"{_SOURCE}; offsets set to 0 as in the main-text equations (Eq. 3-4)",
    evidence=Evidence.UNCERTAIN,
    note="Table 2's gammas were fitted with the App. K offsets; used without them (the form "
    "printed in the main text) they give P* = 3.47, not the paper's 7-8 bits. Kept to show the "
    "main-text identity P* = 1.904 gamma_bar.",
)


LAW = CATALOG.register(
    PrecisionLaw(
        id="kumar2024",
        family="precision",
        kind="effective_params",
        title="Precision-aware scaling: effective parameters under training precision and "
        "post-training quantisation degradation",
        reference=KUMAR2024,
        equations=(
            "L = A N_eff^-alpha + B D^-beta + E + delta_PTQ  (Eq. 1 / Eq. 11)",
            "N_eff = N (1 - e^(-P_w/gamma_w + n_w)) (1 - e^(-P_a/gamma_a + n_a)) "
            "(1 - e^(-P_kv/gamma_kv + n_kv))  (Eq. 4 with the App. K offsets n_x)",
            "delta_PTQ(N, D, P_post) = C_T (D^gamma_D / N^gamma_N) e^(-P_post/gamma_post)  (Eq. 2)",
            "delta_PTQ(N, D, P_w, P_a, P_kv, P_post) = C_T e^(-P_post/gamma_post) "
            "(D^gamma_D / N_eff^gamma_N) prod_x [1 - e^(-C_x (P_x - P_post))]  (Eq. 9; C_x "
            "unpublished)",
            "D_crit = (beta B N^gamma_N e^(P_post/gamma_post) / (gamma_D C_T))^(1/(gamma_D+beta))"
            "  (Eq. 13)",
            "joint N, D, P at C = (6/16) N D P: P* solves P sum_x f_x'(P)/f_x(P) = 1, "
            "independent of C  (Eq. 7 / 26-28)",
        ),
        quantities={
            "N": "n_params_non_embedding",
            "N_eff/N": "effective_params_fraction",
            "D": "n_tokens",
            "D/N": "tokens_per_param",
            "P_w, P_a, P_kv": "training_bits",
            "P_post": "post_training_bits",
            "delta_PTQ": "loss_increase_nats_per_token",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=PrecisionTraits(
            params_quantity="n_params_non_embedding",
            flops_per_bit_param_token=COST_FLOPS_PER_BIT_PARAM_TOKEN,
            evaluation="validation loss on Dolma v1.7 (common-crawl split), OLMo-style "
            "Transformer++; nats/token",
            quantised="training: integer fake quantisation of the forward pass only (weights "
            "per channel, activations and KV per tensor); PTQ: weights with GPTQ (AWQ and RTN "
            "in App. F)",
        ),
        validity={
            "n_params_non_embedding": Interval(
                lower=30e6,
                upper=220e6,
                source="fitted sweep N in {30, 60, 110, 220}M non-embedding (section 2.3); "
                "validated up to 1.7B",
            ),
            "n_tokens": Interval(
                lower=1.5e9, upper=26e9, source="D in {1.5, 3, 6, 13, 26}B tokens (section 2.3)"
            ),
            "tokens_per_param": Interval(
                lower=1.5e9 / 220e6, upper=26e9 / 30e6, source="D/N of the sweep (up to ~1e3)"
            ),
            "training_bits": Interval(
                lower=3,
                upper=12,
                source="P_w, P_a, P_kv in [3, 12] plus BF16 baselines (section 4); P_a or "
                "P_kv = 3 runs diverged and were not fitted (App. L)",
            ),
        },
        constant_sets=(_TABLE2, _TABLE2_PTQ_BIAS, _MAIN_TEXT),
        default_constant_set="table2",
        functions={
            fn.__name__: fn
            for fn in (
                critical_tokens_ptq,
                effective_fraction,
                loss,
                loss_without_ptq,
                optimal_bits_fixed_params,
                optimal_bits_joint,
                optimal_bits_over_mean_gamma,
                ptq_degradation,
                training_penalty,
            )
        },
        golden=golden_vectors(__file__, "kumar2024"),
        notes=(
            "465 pretraining runs, each post-train quantised to several precisions; alpha and "
            "beta tied following Muennighoff et al.",
            "Cost model C = (6/16) N D P; real speed-ups from halving bits are below 2x.",
            "Floating-point check (App. N): a weight-only fit on 140 FP runs (3-12 bits) gives "
            "gamma_w = 2.8111 with exponent bias 0.1240; floats lose less than integers at the "
            "same width below ~4 bits (Fig. 6).",
            "With N fixed the compute-optimal precision grows about logarithmically in C "
            "(App. E.2.2); models trained in lower precision degrade less under PTQ (Eq. 9).",
        ),
        caveats=(
            "Fitted on 30M-220M-parameter models and at most 26B tokens with integer fake "
            "quantisation of the forward pass; the authors warn the constants are unlikely to "
            "transfer to other setups, only the trends.",
            "The exponent offsets and the last rows of Table 2 (gamma_post, b) are "
            "interpretations of App. K (see the constant-set notes).",
            "For models trained in low precision the PTQ degradation uses Eq. 2 with N_eff: "
            "Eq. 9's robustification constants are unpublished, so this is an upper bound.",
        ),
    )
)
