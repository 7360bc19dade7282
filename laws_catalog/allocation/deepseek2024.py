r"""DeepSeek LLM (2024) allocation in model scale M (non-embedding FLOPs/token), Eq. 4.

.. math:: M_{opt} = 0.1715\, C^{0.5243}, \qquad D_{opt} = 5.8316\, C^{0.4757}, \qquad C = M D

M counts attention FLOPs (M = 72 n_layer d^2 + 12 n_layer d l_seq), so the parameter count
the planner reports, N = M/6, is an upper bound on non-embedding parameters (exact without
the attention term). Tokens are the paper's own D_opt law; C/M_opt differs from it by the
1.0001 product of the printed coefficients.

>>> from laws_catalog.allocation.deepseek2024 import LAW, allocate
>>> alloc = allocate(1e20, **LAW.constants())
>>> round(alloc.extras["model_flops_per_token"] / 1e9, 3)
5.251
"""

from __future__ import annotations

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import DEEPSEEK2024
from ._law import Allocation, AllocationLaw, AllocationTraits

__all__ = ["LAW", "allocate"]


def allocate(
    flops: float,
    *,
    M_coef: float,
    M_exp: float,
    D_coef: float,
    D_exp: float,
) -> Allocation:
    """Eq. 4: M_opt = M_coef C^M_exp [non-embedding FLOPs/token], D_opt = D_coef C^D_exp
    [tokens] for C = ``flops`` [FLOPs]; parameters are reported as M_opt / 6 (DeepSeek-AI 2024).
    """
    m = M_coef * flops**M_exp
    return Allocation(
        n_params=m / 6.0, n_tokens=D_coef * flops**D_exp, extras={"model_flops_per_token": m}
    )


_EQ4 = ConstantSet(
    name="eq4",
    values={"M_coef": 0.1715, "M_exp": 0.5243, "D_coef": 5.8316, "D_exp": 0.4757},
    source="Eq. 4 (IsoFLOP fit, 8 budgets 1e17-3e20, bits-per-byte on a 100M-token set)",
    evidence=Evidence.VERIFIED_SECONDARY,
    note="Read in at least five independent transcriptions that agree; the formula display is "
    "missing from the one verbatim text copy found. M_coef * D_coef = 1.0001.",
)

LAW = CATALOG.register(
    AllocationLaw(
        id="deepseek2024",
        family="allocation",
        kind="closed_form",
        title="DeepSeek LLM allocation: M_opt(C), D_opt(C) with C = M D",
        reference=DEEPSEEK2024,
        equations=(
            "M_opt = M_coef C^M_exp, D_opt = D_coef C^D_exp  (Eq. 4)",
            "M = 72 n_layer d_model^2 + 12 n_layer d_model l_seq;  C = M D",
            "reported N = M / 6 (non-embedding, attention FLOPs not removed); D = D_opt",
        ),
        quantities={
            "M": "model_flops_per_token",
            "N": "n_params_non_embedding",
            "D": "n_tokens",
            "C": "flops",
        },
        traits=AllocationTraits(params_quantity="n_params_non_embedding"),
        validity={
            "flops": Interval(lower=1e17, upper=3e20, source="IsoFLOP budgets 1e17 to 3e20"),
        },
        constant_sets=(_EQ4,),
        default_constant_set="eq4",
        functions={"allocate": allocate},
        golden=golden_vectors(__file__, "deepseek2024"),
        notes=(
            "Table 4: the allocation exponent rises with data quality (0.450 early data, 0.524 "
            "current data, 0.578 OpenWebText2).",
            "DeepSeek publishes no loss law in nats; plans with this allocation predict the loss "
            "with the catalogue's loss law and say so.",
        ),
        caveats=(
            "Parameters are reported as M/6, which overstates non-embedding parameters by the "
            "attention FLOPs (12 n_layer d l_seq per token).",
        ),
    )
)
