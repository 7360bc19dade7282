r"""Kaplan et al. (2020) joint loss law L(N, D), Eq. 1.5 with Table 2 constants.

N counts **non-embedding** parameters (about 12 n_layer d_model^2) and C = 6ND with that N.
Minimising L is minimising the bracket, a posynomial, so the planner treats it as a GP.

>>> round(loss(1e9, 2.3e10, alpha_N=0.076, alpha_D=0.103, N_c=6.4e13, D_c=1.8e13), 4)
2.3673
"""

from __future__ import annotations

import math

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import KAPLAN2020
from ._law import LossLaw, LossTraits
from ._posynomial import PosynomialLoss, PowerTerm

__all__ = ["LAW", "loss", "overfit_fraction", "posynomial"]


def posynomial(*, alpha_N: float, alpha_D: float, N_c: float, D_c: float) -> PosynomialLoss:
    """Eq. 1.5, ``L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`` with N [non-embedding
    parameters] and D [tokens], as a posynomial raised to ``alpha_D`` (Kaplan et al. 2020)."""
    ratio = alpha_N / alpha_D
    return PosynomialLoss(
        offset=0.0,
        terms=(PowerTerm(N_c**ratio, -ratio, 0.0), PowerTerm(D_c, 0.0, -1.0)),
        power=alpha_D,
    )


def loss(
    n_params: float, n_tokens: float, *, alpha_N: float, alpha_D: float, N_c: float, D_c: float
) -> float:
    """Eq. 1.5: WebText2 loss [nats/token] of ``n_params`` [non-embedding parameters] trained
    on ``n_tokens`` [tokens] (Kaplan et al. 2020, Table 2 constants)."""
    law = posynomial(alpha_N=alpha_N, alpha_D=alpha_D, N_c=N_c, D_c=D_c)
    return float(law(n_params, n_tokens))


def overfit_fraction(
    n_params: float, n_tokens: float, *, alpha_N: float, alpha_D: float, N_c: float, D_c: float
) -> float:
    """Eq. 4.4: ``L(N, D) / L(N, inf) - 1``, the overfitting penalty [fraction] of stopping at
    ``n_tokens`` [tokens] (Kaplan et al. 2020, section 4.2)."""
    law = posynomial(alpha_N=alpha_N, alpha_D=alpha_D, N_c=N_c, D_c=D_c)
    return float(law(n_params, n_tokens) / law(n_params, math.inf)) - 1.0


_TABLE2 = ConstantSet(
    name="table2",
    values={"alpha_N": 0.076, "alpha_D": 0.103, "N_c": 6.4e13, "D_c": 1.8e13},
    source="Eq. 1.5 / Table 2 (joint fit of L(N, D); differs from the single-variable fits "
    "of Table 5)",
    evidence=Evidence.VERIFIED,
    rounded=True,
)

LAW = CATALOG.register(
    LossLaw(
        id="kaplan2020",
        family="loss",
        kind="parametric",
        title="Kaplan joint loss law L(N, D) (non-embedding parameters)",
        reference=KAPLAN2020,
        equations=("L(N, D) = [ (N_c/N)^(alpha_N/alpha_D) + D_c/D ]^alpha_D  (Eq. 1.5, Table 2)",),
        quantities={
            "N": "n_params_non_embedding",
            "D": "n_tokens",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=LossTraits(
            params_quantity="n_params_non_embedding",
            evaluation="WebText2 test loss, GPT-2 BPE (50,257 tokens), context 1024, averaged "
            "over the context",
        ),
        validity={
            "n_params_non_embedding": Interval(
                lower=768,
                upper=1.5e9,
                source="section 1/3: models of 768 to 1.5B non-embedding params",
            ),
            "n_tokens": Interval(lower=2.2e7, upper=2.3e10, source="section 3: 22M to 23B tokens"),
        },
        constant_sets=(_TABLE2,),
        default_constant_set="table2",
        functions={"posynomial": posynomial, "loss": loss, "overfit_fraction": overfit_fraction},
        golden=golden_vectors(__file__, "kaplan2020"),
        notes=(
            "Its compute-efficient allocation (Table 6, N_opt ~ C^0.73) assumes early stopping "
            "at the critical batch and is a separate catalogue entry (allocation/kaplan2020); "
            "minimising Eq. 1.5 under 6ND = C gives N ~ C^0.58 instead.",
            "Porian et al. 2024 and Pearce & Song 2024 attribute most of the difference from "
            "Chinchilla to the non-embedding parameter count and FLOP accounting.",
        ),
        caveats=(
            "N is non-embedding parameters and the loss is WebText2/GPT-2-BPE nats: not "
            "comparable with Chinchilla-family losses.",
        ),
    )
)
