r"""Sun et al. (2025): scaling law for floating-point quantised training ("Capybara" law).

.. math:: L(N, D, E, M, B) = \frac{n}{N^\alpha} + \frac{d}{D^\beta} + \epsilon
          + \frac{D^\beta}{N^\alpha}\,\frac{\log_2 B}{\gamma (E+0.5)^\delta (M+0.5)^\nu}

N counts non-embedding parameters (n_layer (4h^2 + 3h d_ff)), D training tokens, E and M the
exponent and mantissa bits of the quantised GEMM inputs and B the elements sharing one scale.
The penalty grows with D^beta / N^alpha, so low precision hurts more the longer a model of a
given size is trained; past a critical D more data raises the loss. Costs follow
C = (6/16) P N D (P = E + M + 1 bits), the paper's cost model with the scale overhead b = 0.

>>> from laws_catalog.precision.sun2025 import LAW
>>> LAW.best_layout(8)
(4, 3)
>>> round(LAW.loss(1e9, 1e12, 2, 1, log2_block=4.0), 4)  # E2M1 in blocks of 16
2.5281
"""

from __future__ import annotations

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, GoldenVector, Interval
from ._law import FloatTrainingLaw
from ._references import SUN2025

__all__ = ["CHANNELWISE_LOG2_BLOCK", "LAW"]

CHANNELWISE_LOG2_BLOCK = 13.1567
"""Equivalent log2 B of channel-wise scaling (section 3.6 of v3)."""

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

_B128 = "B = 128 (the paper does not state B here; 128 reproduces its three numbers)"


def _v(
    check: str,
    inputs: dict[str, float],
    expected: dict[str, float],
    rtol: float,
    why: str,
    source: str,
    evidence: Evidence,
) -> GoldenVector:
    return GoldenVector(
        check=check,
        constant_set="table2",
        inputs=inputs,
        expected=expected,
        rtol=rtol,
        why_tolerance=why,
        source=source,
        evidence=evidence,
    )


_EXACT = "integer layouts: exact"
_P = Evidence.VERIFIED
_D = Evidence.DERIVED

_GOLDEN = (
    _v(
        "best_layout",
        {"total_bits": 4},
        {"exponent_bits": 2, "mantissa_bits": 1},
        1e-12,
        _EXACT,
        "Fig. 5 of v3: optimal FP4 = E2M1",
        _P,
    ),
    _v(
        "best_layout",
        {"total_bits": 8},
        {"exponent_bits": 4, "mantissa_bits": 3},
        1e-12,
        _EXACT,
        "Fig. 5 of v3: optimal FP8 = E4M3",
        _P,
    ),
    _v(
        "best_layout",
        {"total_bits": 16},
        {"exponent_bits": 8, "mantissa_bits": 7},
        1e-12,
        _EXACT,
        "Fig. 5 of v3: optimal FP16 layout = E8M7 (BF16's)",
        _P,
    ),
    _v(
        "continuous_layout",
        {"total_bits": 8},
        {"exponent_bits": 3.655, "mantissa_bits": 3.345},
        3e-4,
        "quoted to 3 decimals (+-0.0005)",
        "Sun et al. 2025 Eq. 19 with the Table 2 constants (arithmetic)",
        _D,
    ),
    _v(
        "continuous_layout",
        {"total_bits": 4},
        {"exponent_bits": 1.578, "mantissa_bits": 1.422},
        4e-4,
        "quoted to 3 decimals (+-0.0005)",
        "Sun et al. 2025 Eq. 19 with the Table 2 constants (arithmetic)",
        _D,
    ),
    _v(
        "derived_constants",
        {},
        {"gamma_rho": 160.697, "gamma_D": 2.24328e-3, "gamma_N": 1.16458e-6},
        1e-4,
        "quoted to 6 significant figures",
        "Sun et al. 2025 Eq. 34-35, 47 and 52 with the Table 2 constants (arithmetic)",
        _D,
    ),
    _v(
        "critical_tokens",
        {"n_params": 1e9, "exponent_bits": 8, "mantissa_bits": 7, "block_size": 128},
        {"n_tokens_trillions": 1730},
        3e-3,
        "printed as 1730T (+-5T at 3 significant figures)",
        f"section 4.3 text of v3 (BF16 layout, 1B model); {_B128}",
        _P,
    ),
    _v(
        "critical_tokens",
        {"n_params": 1e9, "exponent_bits": 4, "mantissa_bits": 3, "block_size": 128},
        {"n_tokens_trillions": 27},
        0.019,
        "printed as 27T (+-0.5T)",
        f"section 4.3 text of v3 (FP8-E4M3, 1B model); {_B128}",
        _P,
    ),
    _v(
        "critical_tokens",
        {"n_params": 1e9, "exponent_bits": 2, "mantissa_bits": 1, "block_size": 128},
        {"n_tokens_trillions": 0.4},
        0.125,
        "printed as 0.4T (one significant figure, +-0.05T)",
        f"section 4.3 text of v3 (FP4-E2M1, 1B model); {_B128}",
        _P,
    ),
    _v(
        "critical_tokens",
        {"n_params": 1e9, "exponent_bits": 4, "mantissa_bits": 3, "block_size": 128},
        {"n_tokens_trillions": 27.33},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 21 with the Table 2 constants, B = 128 (arithmetic; reproduces the "
        "Sec. 4.3 text values)",
        _D,
    ),
    _v(
        "critical_tokens",
        {"n_params": 1e9, "exponent_bits": 2, "mantissa_bits": 1, "block_size": 128},
        {"n_tokens_trillions": 0.393},
        1.3e-3,
        "quoted to 3 significant figures",
        "Sun et al. 2025 Eq. 21 with the Table 2 constants, B = 128 (arithmetic; reproduces the "
        "Sec. 4.3 text values)",
        _D,
    ),
    _v(
        "optimal_bits_joint",
        {"flops": 1e21, "block_size": 128},
        {"bits": 4.190},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 25 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_joint",
        {"flops": 1e24, "block_size": 128},
        {"bits": 5.005},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 25 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_joint",
        {"flops": 1e30, "block_size": 128},
        {"bits": 7.142},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 25 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_joint",
        {"flops": 1e31, "block_size": 128},
        {"bits": 7.578},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 25 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_fixed_tokens",
        {"n_tokens": 1e11, "block_size": 128},
        {"bits": 4.268},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 22 with the Table 2 constants, B = 128 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_fixed_tokens",
        {"n_tokens": 1e14, "block_size": 128},
        {"bits": 7.624},
        2e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 22 with the Table 2 constants, B = 128 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_fixed_params",
        {"flops": 1e24, "n_params": 1e10, "block_size": 128},
        {"bits": 10.86},
        5e-4,
        "quoted to 4 significant figures",
        "Sun et al. 2025 Eq. 23 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "optimal_bits_fixed_params",
        {"flops": 1e22, "n_params": 1e9, "block_size": 128},
        {"bits": 8.41},
        6e-4,
        "quoted to 3 significant figures",
        "Sun et al. 2025 Eq. 23 with the Table 2 constants, B = 128, k = 6/16 (arithmetic)",
        _D,
    ),
    _v(
        "loss",
        {
            "n_params": 679_477_248,
            "n_tokens": 104_857_600_000,
            "exponent_bits": 4,
            "mantissa_bits": 3,
            "block_size": 64,
        },
        {"loss": 2.6086, "loss_unquantised": 2.6082},
        2e-5,
        "quoted to 4 decimals (+-0.00005)",
        "Sun et al. 2025 Eq. 1 with the Table 2 constants (679M model, 100B tokens, E4M3, B = 64; "
        "arithmetic)",
        _D,
    ),
    _v(
        "loss",
        {
            "n_params": 1e9,
            "n_tokens": 1e12,
            "exponent_bits": 2,
            "mantissa_bits": 1,
            "block_size": 16,
        },
        {"loss": 2.5281},
        2e-5,
        "quoted to 4 decimals (+-0.00005)",
        "Sun et al. 2025 Eq. 1 with the Table 2 constants (E2M1, B = 16, NVFP4-like; arithmetic)",
        _D,
    ),
    _v(
        "loss",
        {
            "n_params": 1e9,
            "n_tokens": 1e12,
            "exponent_bits": 2,
            "mantissa_bits": 1,
            "block_size": 16,
        },
        {"penalty": 0.0661},
        8e-4,
        "quoted to 3 significant figures (+-0.00005)",
        "Sun et al. 2025 Eq. 1 with the Table 2 constants (E2M1, B = 16, NVFP4-like; arithmetic)",
        _D,
    ),
    _v(
        "loss",
        {
            "n_params": 1e9,
            "n_tokens": 1e11,
            "exponent_bits": 2,
            "mantissa_bits": 1,
            "block_size": 32,
        },
        {"loss": 2.5878, "penalty": 0.0252},
        2e-3,
        "penalty quoted to 3 significant figures",
        "Sun et al. 2025 Eq. 1 with the Table 2 constants (E2M1, B = 32, MXFP4-like; arithmetic)",
        _D,
    ),
    _v(
        "loss",
        {
            "n_params": 7e9,
            "n_tokens": 2e12,
            "exponent_bits": 2,
            "mantissa_bits": 1,
            "block_size": 16,
        },
        {"loss": 2.3194, "penalty": 0.0596},
        9e-4,
        "penalty quoted to 3 significant figures (+-0.00005), loss to 4 decimals",
        "Sun et al. 2025 Eq. 1 with the Table 2 constants (7B, 2T tokens, E2M1, B = 16; "
        "arithmetic)",
        _D,
    ),
)

LAW = CATALOG.register(
    FloatTrainingLaw(
        id="sun2025",
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
        params_quantity="n_params_non_embedding",
        evaluation="validation loss on a Dolma v1.7 subset, LLaMA tokenizer and architecture "
        "(nats assumed; the unit is not stated)",
        quantised="GEMM inputs P2 (weights, forward), P4 (weights in the dX GEMM) and P6 "
        "(activations in the dW GEMM) in ExMy with a high-precision scale per block of B "
        "(QPyTorch simulation, round to nearest); forward activations and gradients in BF16",
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
        fitted_exponent_bits=(0, 6),
        constant_sets=(_TABLE2,),
        default_constant_set="table2",
        golden=_GOLDEN,
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
