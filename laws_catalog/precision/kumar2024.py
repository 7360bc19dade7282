r"""Kumar et al. (2024): scaling laws for precision (training precision and post-training PTQ).

.. math:: L = A N_{eff}^{-\alpha} + B D^{-\beta} + E + \delta_{PTQ},\qquad
          N_{eff} = N \prod_{x\in\{w,a,kv\}} \bigl(1 - e^{-P_x/\gamma_x + n_x}\bigr)

.. math:: \delta_{PTQ}(N, D, P_{post}) = C_T \frac{D^{\gamma_D}}{N^{\gamma_N}}
          e^{-P_{post}/\gamma_{post}}

Training weights, activations and KV cache in P_w, P_a, P_kv integer bits shrinks the effective
parameter count (Finding 2); post-training quantisation of a BF16-trained model to P_post bits
adds a degradation that grows with data and shrinks with size (Finding 1). N counts
non-embedding parameters. Costs follow C = (6/16) N D P. With P_w = P_a = P_kv = P and N, D, P
optimised together the best P does not depend on the budget (Finding 3): about 7 bits here.

>>> from laws_catalog.precision.kumar2024 import LAW
>>> round(LAW.effective_fraction((8, 8, 8)), 3)
0.828
>>> round(LAW.optimal_bits_joint(), 2)
7.0
"""

from __future__ import annotations

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, GoldenVector, Interval
from ._law import EffectiveParamsLaw
from ._references import KUMAR2024

__all__ = ["LAW"]

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


def _v(
    check: str,
    inputs: dict[str, float],
    expected: dict[str, float],
    rtol: float,
    why: str,
    source: str,
    constant_set: str = "table2",
) -> GoldenVector:
    return GoldenVector(
        check=check,
        constant_set=constant_set,
        inputs=inputs,
        expected=expected,
        rtol=rtol,
        why_tolerance=why,
        source=source,
        evidence=Evidence.DERIVED,
    )


_ALL8: dict[str, float] = {"bits_w": 8, "bits_a": 8, "bits_kv": 8}
_ALL4: dict[str, float] = {"bits_w": 4, "bits_a": 4, "bits_kv": 4}
_THREE_DECIMALS = "quoted to 3 decimals (+-0.0005)"

_GOLDEN = (
    _v(
        "optimal_bits_joint",
        {},
        {"bits": 7.00},
        1e-3,
        "quoted to 3 significant figures",
        "Kumar et al. 2024 Sec. 4.3 joint optimum of Eq. 4 under C = (6/16) N D P with the "
        "App. K Table 2 constants and offsets (arithmetic; the paper states 'around 7-8 bits')",
    ),
    _v(
        "optimal_bits_joint",
        {"tied": 1},
        {"bits_over_mean_gamma": 1.904},
        3e-4,
        "quoted to 4 significant figures",
        "Kumar et al. 2024 Sec. 4.3 first-order condition without offsets: 3x e^-x = 1 - e^-x, "
        "x* = 1.904 (arithmetic)",
        "main_text_form",
    ),
    _v(
        "optimal_bits_joint",
        {},
        {"bits": 3.47},
        1.5e-3,
        "quoted to 3 significant figures",
        "Kumar et al. 2024 Sec. 4.3 joint optimum with the separate App. K Table 2 gammas, no "
        "offsets (arithmetic)",
        "main_text_form",
    ),
    _v(
        "effective_fraction",
        _ALL8,
        {"effective_fraction": 0.828},
        6.1e-4,
        _THREE_DECIMALS,
        "Kumar et al. 2024 Eq. 4 with the App. K Table 2 gammas and offsets, all parts at 8 bits "
        "(arithmetic)",
    ),
    _v(
        "effective_fraction",
        _ALL4,
        {"effective_fraction": 0.191},
        2.7e-3,
        _THREE_DECIMALS,
        "Kumar et al. 2024 Eq. 4 with the App. K Table 2 gammas and offsets, all parts at 4 bits "
        "(arithmetic)",
    ),
    _v(
        "effective_fraction",
        _ALL8,
        {"effective_fraction": 0.924},
        6e-4,
        _THREE_DECIMALS,
        "Kumar et al. 2024 Eq. 4 with the App. K Table 2 gammas, no offsets, all parts at 8 bits "
        "(arithmetic)",
        "main_text_form",
    ),
    _v(
        "effective_fraction",
        {"bits_w": 4.0},
        {"effective_fraction": 0.776},
        7e-4,
        _THREE_DECIMALS,
        "Kumar et al. 2024 Eq. 3 with gamma_w of App. K Table 2, no offset, P_w = 4 (arithmetic)",
        "main_text_form",
    ),
    _v(
        "ptq_degradation",
        {"n_params": 30e6, "n_tokens": 26e9, "post_bits": 4},
        {"loss_increase": 0.0349},
        1.5e-3,
        "quoted to 3 significant figures",
        "Kumar et al. 2024 Eq. 2 with App. K Table 2 constants (gamma_post = 0.5907, no bias) at "
        "N = 30e6, D = 26e9, 4 bits (arithmetic)",
    ),
    _v(
        "ptq_degradation",
        {"n_params": 30e6, "n_tokens": 26e9, "post_bits": 3},
        {"loss_increase": 0.190},
        2.7e-3,
        "quoted to 3 decimals",
        "Kumar et al. 2024 Eq. 2 with App. K Table 2 constants at N = 30e6, D = 26e9, 3 bits "
        "(arithmetic)",
    ),
    _v(
        "ptq_degradation",
        {"n_params": 30e6, "n_tokens": 26e9, "post_bits": 3},
        {"loss_increase": 0.586},
        9e-4,
        "quoted to 3 decimals",
        "Kumar et al. 2024 Eq. 2 with App. K Table 2 constants at N = 30e6, D = 26e9, 3 bits, "
        "times e^b with b = 1.1277 of the same table (arithmetic)",
        "table2_ptq_bias",
    ),
    _v(
        "ptq_degradation",
        {"n_params": 8e9, "n_tokens": 15e12, "post_bits": 4},
        {"loss_increase": 0.128},
        4e-3,
        "quoted to 3 decimals",
        "Kumar et al. 2024 Eq. 2 with App. K Table 2 constants at N = 8e9, D = 15e12, 4 bits "
        "(arithmetic)",
    ),
)

LAW = CATALOG.register(
    EffectiveParamsLaw(
        id="kumar2024",
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
        params_quantity="n_params_non_embedding",
        evaluation="validation loss on Dolma v1.7 (common-crawl split), OLMo-style "
        "Transformer++; nats/token",
        quantised="training: integer fake quantisation of the forward pass only (weights per "
        "channel, activations and KV per tensor); PTQ: weights with GPTQ (AWQ and RTN in App. F)",
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
        golden=_GOLDEN,
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
