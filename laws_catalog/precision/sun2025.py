r"""Sun et al. (2025): scaling law for floating-point quantised training ("Capybara" law).

N counts non-embedding parameters (n_layer (4h^2 + 3h d_ff)), D training tokens, E and M the
exponent and mantissa bits of the quantised GEMM inputs and B the elements sharing one scale
(passed as ``log2_block``; 0 means a per-element scale: no penalty). The penalty grows with
D^beta / N^alpha, so low precision hurts more the longer a model of a given size is trained;
past a critical D more data raises the loss. Costs follow C = (6/16) P N D (P = E + M + 1
bits), the paper's cost model with the scale overhead b = 0. Losses are in nats/token.

>>> from laws_catalog.precision.sun2025 import LAW
>>> LAW.call("best_layout", total_bits=8)
FloatLayout(exponent_bits=4, mantissa_bits=3)
>>> args = dict(n_params=1e9, n_tokens=1e12, exponent_bits=2, mantissa_bits=1, log2_block=4.0)
>>> round(LAW.call("loss", **args), 4)  # E2M1 in blocks of 16
2.5281
"""

from __future__ import annotations

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import SUN2025
from ._law import FloatLayout, PrecisionLaw, PrecisionTraits, require_positive

__all__ = [
    "CHANNELWISE_LOG2_BLOCK",
    "COST_FLOPS_PER_BIT_PARAM_TOKEN",
    "LAW",
    "best_layout",
    "continuous_layout",
    "critical_tokens",
    "derived_constants",
    "gamma_params",
    "gamma_rho",
    "gamma_tokens",
    "information_factor",
    "knowledge_intensity",
    "loss",
    "loss_terms",
    "loss_unquantised",
    "optimal_bits_fixed_params",
    "optimal_bits_fixed_tokens",
    "optimal_bits_joint",
    "penalty",
]

CHANNELWISE_LOG2_BLOCK = 13.1567
"""Equivalent log2 B of channel-wise scaling (section 3.6 of v3)."""

COST_FLOPS_PER_BIT_PARAM_TOKEN = 6.0 / 16.0
"""k of the paper's cost model C = k P N D (P in bits: 6ND at P = 16)."""


def information_factor(
    exponent_bits: float, mantissa_bits: float, *, delta: float, nu: float
) -> float:
    """(E+0.5)^delta (M+0.5)^nu (dimensionless): the penalty is inversely proportional to it
    (Eq. 1 / Eq. 26 of v3, Sun et al. 2025)."""
    return float((exponent_bits + 0.5) ** delta * (mantissa_bits + 0.5) ** nu)


def knowledge_intensity(n_params: float, n_tokens: float, *, alpha: float, beta: float) -> float:
    """D^beta / N^alpha, the factor the penalty grows with (Eq. 1 of v3, Sun et al. 2025)."""
    return float(n_tokens**beta / n_params**alpha)


def penalty(
    n_params: float,
    n_tokens: float,
    exponent_bits: float,
    mantissa_bits: float,
    log2_block: float,
    *,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    nu: float,
) -> float:
    """Low-precision penalty [nats/token], the last term of Eq. 1 (Sun et al. 2025):
    D^beta / N^alpha * log2 B / (gamma (E+0.5)^delta (M+0.5)^nu)."""
    require_positive(n_params=n_params, n_tokens=n_tokens)
    if exponent_bits < 0 or mantissa_bits < 0 or log2_block < 0:
        raise ValueError("exponent bits, mantissa bits and log2(block) must be >= 0")
    info = log2_block / (
        gamma * information_factor(exponent_bits, mantissa_bits, delta=delta, nu=nu)
    )
    return knowledge_intensity(n_params, n_tokens, alpha=alpha, beta=beta) * info


def loss_unquantised(
    n_params: float, n_tokens: float, *, n: float, alpha: float, d: float, beta: float, eps: float
) -> float:
    """The Chinchilla part n/N^alpha + d/D^beta + eps of Eq. 1 [nats/token], fitted on the BF16
    runs (Sun et al. 2025)."""
    require_positive(n_params=n_params, n_tokens=n_tokens)
    return float(n / n_params**alpha + d / n_tokens**beta + eps)


def loss(
    n_params: float,
    n_tokens: float,
    exponent_bits: float,
    mantissa_bits: float,
    log2_block: float,
    *,
    n: float,
    alpha: float,
    d: float,
    beta: float,
    eps: float,
    gamma: float,
    delta: float,
    nu: float,
) -> float:
    """Eq. 1 [nats/token]: loss with GEMM inputs in ExMy, blocks of 2**log2_block elements
    (Sun et al. 2025)."""
    base = loss_unquantised(n_params, n_tokens, n=n, alpha=alpha, d=d, beta=beta, eps=eps)
    return base + penalty(
        n_params,
        n_tokens,
        exponent_bits,
        mantissa_bits,
        log2_block,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        nu=nu,
    )


def loss_terms(
    n_params: float,
    n_tokens: float,
    exponent_bits: float,
    mantissa_bits: float,
    log2_block: float,
    *,
    n: float,
    alpha: float,
    d: float,
    beta: float,
    eps: float,
    gamma: float,
    delta: float,
    nu: float,
) -> dict[str, float]:
    """Eq. 1 and its two parts [nats/token]: ``loss``, ``penalty``, ``loss_unquantised``."""
    unquantised = loss_unquantised(n_params, n_tokens, n=n, alpha=alpha, d=d, beta=beta, eps=eps)
    low = penalty(
        n_params,
        n_tokens,
        exponent_bits,
        mantissa_bits,
        log2_block,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        nu=nu,
    )
    return {"loss": unquantised + low, "penalty": low, "loss_unquantised": unquantised}


def best_layout(total_bits: float, *, delta: float, nu: float) -> FloatLayout:
    """Integer (E, M) with E + M + 1 = ``total_bits`` that minimises the penalty (Fig. 5 of v3,
    Sun et al. 2025)."""
    bits = int(total_bits)
    if bits != total_bits or bits < 1:
        raise ValueError(f"a float needs a whole number of bits >= 1, got {total_bits}")
    layouts = [(e, bits - 1 - e) for e in range(bits)]
    e, m = max(layouts, key=lambda em: information_factor(em[0], em[1], delta=delta, nu=nu))
    return FloatLayout(e, m)


def continuous_layout(total_bits: float, *, delta: float, nu: float) -> FloatLayout:
    """Eq. 19 (Sun et al. 2025): E_opt = delta P/(delta+nu) - 0.5, M_opt = nu P/(delta+nu) - 0.5
    [bits] for P = ``total_bits``."""
    s = delta + nu
    return FloatLayout(delta * total_bits / s - 0.5, nu * total_bits / s - 0.5)


def gamma_rho(*, gamma: float, delta: float, nu: float) -> float:
    """gamma_rho = gamma delta^delta nu^nu / (delta+nu)^(delta+nu) (Eq. 34-35, Sun et al.)."""
    return float(gamma * delta**delta * nu**nu / (delta + nu) ** (delta + nu))


def gamma_tokens(*, n: float, alpha: float, gamma: float, delta: float, nu: float) -> float:
    """gamma_D = (delta + nu - alpha) / (n alpha gamma_rho) (Eq. 47, Sun et al. 2025)."""
    return (delta + nu - alpha) / (n * alpha * gamma_rho(gamma=gamma, delta=delta, nu=nu))


def gamma_params(*, d: float, beta: float, gamma: float, delta: float, nu: float) -> float:
    """gamma_N = (beta + delta + nu) / (d beta gamma_rho) (Eq. 52, Sun et al. 2025)."""
    return (beta + delta + nu) / (d * beta * gamma_rho(gamma=gamma, delta=delta, nu=nu))


def derived_constants(
    *, n: float, alpha: float, d: float, beta: float, gamma: float, delta: float, nu: float
) -> dict[str, float]:
    """The derived constants ``gamma_rho``, ``gamma_D`` and ``gamma_N`` (Eq. 34-35, 47, 52)."""
    return {
        "gamma_rho": gamma_rho(gamma=gamma, delta=delta, nu=nu),
        "gamma_D": gamma_tokens(n=n, alpha=alpha, gamma=gamma, delta=delta, nu=nu),
        "gamma_N": gamma_params(d=d, beta=beta, gamma=gamma, delta=delta, nu=nu),
    }


def critical_tokens(
    n_params: float,
    exponent_bits: float,
    mantissa_bits: float,
    log2_block: float,
    *,
    d: float,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    nu: float,
) -> float:
    """Eq. 21 (Sun et al. 2025): tokens beyond which more data raises the loss at this
    precision [tokens]."""
    require_positive(n_params=n_params, log2_block=log2_block)
    info = information_factor(exponent_bits, mantissa_bits, delta=delta, nu=nu)
    inner = d * gamma * n_params**alpha * info / log2_block
    return float(inner ** (1.0 / (2.0 * beta)))


def optimal_bits_fixed_tokens(
    n_tokens: float,
    log2_block: float,
    *,
    n: float,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    nu: float,
) -> float:
    """Eq. 22 (Sun et al. 2025): cost-optimal P [bits] (optimal layout, continuous) for a fixed
    data size D [tokens]."""
    require_positive(n_tokens=n_tokens, log2_block=log2_block)
    g_d = gamma_tokens(n=n, alpha=alpha, gamma=gamma, delta=delta, nu=nu)
    return float((g_d * n_tokens**beta * log2_block) ** (1.0 / (delta + nu)))


def optimal_bits_fixed_params(
    flops: float,
    n_params: float,
    log2_block: float,
    *,
    alpha: float,
    d: float,
    beta: float,
    gamma: float,
    delta: float,
    nu: float,
    flops_per_bit_param_token: float = COST_FLOPS_PER_BIT_PARAM_TOKEN,
) -> float:
    """Eq. 23 (Sun et al. 2025): cost-optimal P [bits] for a fixed model size N at a budget of
    ``flops`` = k P N D [FLOPs]."""
    require_positive(flops=flops, n_params=n_params, log2_block=log2_block)
    s = delta + nu
    c_over_k = flops / flops_per_bit_param_token
    g_n = gamma_params(d=d, beta=beta, gamma=gamma, delta=delta, nu=nu)
    rhs = g_n * c_over_k ** (2 * beta) * n_params ** (-(alpha + 2 * beta))
    return float((rhs * log2_block) ** (1.0 / (s + 2 * beta)))


def optimal_bits_joint(
    flops: float,
    log2_block: float,
    *,
    n: float,
    alpha: float,
    d: float,
    beta: float,
    gamma: float,
    delta: float,
    nu: float,
    flops_per_bit_param_token: float = COST_FLOPS_PER_BIT_PARAM_TOKEN,
) -> float:
    """Eq. 25 (Sun et al. 2025): cost-optimal P [bits] when N, D and P share a budget of
    ``flops`` = k P N D [FLOPs]."""
    require_positive(flops=flops, log2_block=log2_block)
    s = delta + nu
    lam = (d * beta / (n * alpha)) * (s - alpha) / (s + beta)
    base = gamma_tokens(n=n, alpha=alpha, gamma=gamma, delta=delta, nu=nu) * log2_block
    rhs = lam * base ** ((alpha + beta) / beta) * (flops / flops_per_bit_param_token) ** alpha
    return float(rhs ** (1.0 / (s * (alpha + beta) / beta + alpha)))


_TABLE2 = ConstantSet(
    name="table2",
    values={
        "n": 69.2343,
        "alpha": 0.2368,
        "d": 68973.0621,
        "beta": 0.5162,
        "eps": 1.9061,
        "gamma": 11334.5197,
        "delta": 3.1926,
        "nu": 2.9543,
        "log2_B_channel": CHANNELWISE_LOG2_BLOCK,
    },
    source="Table 2 of arXiv 2501.02423v3 (identical in the v1 transcription); log2_B_channel "
    "from section 3.6",
    evidence=Evidence.VERIFIED,
    note="delta (exponent) > nu (mantissa): exponent bits matter slightly more. A secondary blog "
    "renders the law with log2 B^gamma and d^gamma; the primary text has log2 B / gamma.",
)


LAW = CATALOG.register(
    PrecisionLaw(
        id="sun2025",
        family="precision",
        kind="float_training",
        title="Floating-point quantised training: loss in exponent bits, mantissa bits and "
        "block size",
        reference=SUN2025,
        equations=(
            "L = n/N^alpha + d/D^beta + eps + (D^beta/N^alpha) log2(B) / "
            "(gamma (E+0.5)^delta (M+0.5)^nu)  (Eq. 1 = Eq. 26 of v3)",
            "M_opt = nu P/(delta+nu) - 0.5, E_opt = delta P/(delta+nu) - 0.5, P = E+M+1  (Eq. 19)",
            "D_crit = [d gamma N^alpha (E+0.5)^delta (M+0.5)^nu / log2 B]^(1/(2 beta))  (Eq. 21)",
            "fixed D: P_opt^(delta+nu) = gamma_D D^beta log2 B  (Eq. 22)",
            "fixed N: P_opt^(delta+nu+2beta) = gamma_N (C/k)^(2beta) N^-(alpha+2beta) log2 B  "
            "(Eq. 23)",
            "joint: P_opt^((delta+nu)(alpha+beta)/beta + alpha) = lambda (gamma_D log2 B)^"
            "((alpha+beta)/beta) (C/k)^alpha, lambda = (d beta/(n alpha)) (delta+nu-alpha)/"
            "(delta+nu+beta)  (Eq. 25)",
            "C = k P N D with k = 6/16  (Eq. 42, scale overhead b = 0)",
        ),
        quantities={
            "N": "n_params_non_embedding",
            "D": "n_tokens",
            "E": "exponent_bits",
            "M": "mantissa_bits",
            "B": "block_size",
            "P": "training_bits",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=PrecisionTraits(
            params_quantity="n_params_non_embedding",
            flops_per_bit_param_token=COST_FLOPS_PER_BIT_PARAM_TOKEN,
            fitted_exponent_bits=(0, 6),
            evaluation="validation loss on a Dolma v1.7 subset, LLaMA tokenizer and architecture "
            "(nats assumed; the unit is not stated)",
            quantised="GEMM inputs P2 (weights, forward), P4 (weights in the dX GEMM) and P6 "
            "(activations in the dW GEMM) in ExMy with a high-precision scale per block of B "
            "(QPyTorch simulation, round to nearest); forward activations and gradients in BF16",
        ),
        validity={
            "n_params_non_embedding": Interval(
                lower=40_894_464,
                upper=679_477_248,
                source="fitted sizes 41M, 85M, 154M, 679M non-embedding (Tables 1 and 3 of v3)",
            ),
            "n_tokens": Interval(
                lower=10_485_760_000,
                upper=104_857_600_000,
                source="D in {10, 20, 50, 100}B tokens: 5,000-50,000 steps of 2,097,152 tokens",
            ),
            "mantissa_bits": Interval(lower=1, upper=7, source="fitted M in 1..7"),
            "block_size": Interval(
                lower=32,
                upper=2**CHANNELWISE_LOG2_BLOCK,
                source="block-wise runs B = 32..512 and channel-wise runs (equivalent log2 B = "
                "13.1567, B about 9.1e3)",
            ),
        },
        constant_sets=(_TABLE2,),
        default_constant_set="table2",
        functions={
            fn.__name__: fn
            for fn in (
                best_layout,
                continuous_layout,
                critical_tokens,
                derived_constants,
                gamma_params,
                gamma_rho,
                gamma_tokens,
                information_factor,
                knowledge_intensity,
                loss,
                loss_terms,
                loss_unquantised,
                optimal_bits_fixed_params,
                optimal_bits_fixed_tokens,
                optimal_bits_joint,
                penalty,
            )
        },
        golden=golden_vectors(__file__, "sun2025"),
        notes=(
            "358 fitted runs (366 with ablations); validated (Fig. 4 scatter only) on 1.2B, 7B "
            "and 70B models. LLaMA architecture, sequence 2048, 2M-token batches, AdamW, "
            "cosine LR from 3e-4 to 0.",
            "FP formats simulated IEEE-like with subnormals and without Inf/NaN codes; the "
            "scale of each block is max-abs based and kept in high precision.",
            "B = 1 gives no penalty; channel-wise scaling is equivalent to log2 B = 13.1567. "
            "Tensor-wise scaling follows a power law in N and D whose constants are not "
            "published.",
            "The critical-data and compute-optimal numbers of section 4 use B = 128 and "
            "k = 6/16; for C in [1e21, 1e31] FLOPs the optimal precision lies in 4-8 bits.",
        ),
        caveats=(
            "Fitted with only weights and backward activations quantised (GEMM inputs P2, P4, "
            "P6); forward activations and gradients stayed in BF16. Training with those in low "
            "precision too costs more than this law predicts.",
            "Fitted on 41M-679M non-embedding parameters and 10-100B tokens; its implied N:D "
            "split puts almost all compute into N, so use it for precision choices and "
            "penalties, not for allocation.",
        ),
    )
)
