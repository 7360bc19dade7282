r"""Single-epoch C4 loss fit of Muennighoff et al. (2023), Appendix B, Eq. 19-21.

Chinchilla form with alpha tied to beta, fitted on 54 points digitised from Chinchilla's C4
IsoFLOP curves; the data-constrained repetition terms build on these frozen constants.

>>> best = optimum(5.76e23, log_A=6.255414, log_B=7.3049974, log_E=0.6254804, alpha=0.3526596)
>>> round(best["n_params"] / 1e9, 2), round(best["n_tokens"] / 1e12, 4)
(69.96, 1.3722)
"""

from __future__ import annotations

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import MUENNIGHOFF2023
from ._chinchilla import loss, optimum, posynomial
from ._law import LossLaw, LossTraits

__all__ = ["LAW", "loss", "optimum", "posynomial"]

_TIED = ConstantSet(
    name="c4_tied",
    values={"log_A": 6.255414, "log_B": 7.3049974, "log_E": 0.6254804, "alpha": 0.3526596},
    source="Appendix B unrounded fit (paper text, repo README and notebook agree); "
    "A = 520.825, B = 1487.716, E = 1.869144, beta = alpha",
    evidence=Evidence.VERIFIED,
)

_EQ20 = ConstantSet(
    name="eq20",
    values={"E": 1.87, "A": 521.0, "B": 1488.0, "alpha": 0.353},
    source="Eq. 20 (printed, rounded)",
    evidence=Evidence.VERIFIED,
    rounded=True,
    note="Display rounding; shifts absolute loss by ~+0.02 at the 6-9B scale.",
)

LAW = CATALOG.register(
    LossLaw(
        id="muennighoff2023",
        family="loss",
        kind="parametric",
        title="Single-epoch C4 loss L(N, D) (tied exponents)",
        reference=MUENNIGHOFF2023,
        equations=("L(N, D) = E + A / N^alpha + B / D^alpha  (Appendix B, Eq. 19-21)",),
        quantities={
            "N": "n_params_total",
            "D": "n_tokens",
            "C": "flops",
            "L": "loss_nats_per_token",
        },
        traits=LossTraits(
            params_quantity="n_params_total",
            evaluation="C4 loss on the scale of Chinchilla's C4 IsoFLOP curves (the 54 fitted "
            "points were digitised from Hoffmann et al.'s C4 figure)",
        ),
        validity={
            "flops": Interval(
                lower=1e19, upper=1e21, source="IsoFLOP budgets of the 54 fitted points"
            ),
        },
        constant_sets=(_TIED, _EQ20),
        default_constant_set="c4_tied",
        functions={"posynomial": posynomial, "loss": loss, "optimum": optimum},
        golden=golden_vectors(__file__, "muennighoff2023"),
        notes=(
            "Data-constrained form (effective data and parameters under repetition) builds on "
            "these constants; it is planned as a separate repetition law.",
        ),
    )
)
