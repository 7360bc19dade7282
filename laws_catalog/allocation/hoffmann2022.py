r"""Chinchilla Approach 1 allocation: N_opt and D_opt as power laws of C (Table 3).

The paper gives the Approach 1 projections as a table (Table 3) and exponents (Table 2:
a = b = 0.50), not a fitted coefficient. The constant set here is a least-squares fit of
log N on log C through Table 3's nine rows (reproduced by ``refit_table3``). Tokens follow
from the budget, D = C/(6N), so the plan spends exactly its FLOPs.

>>> from laws_catalog.allocation.hoffmann2022 import allocate
>>> round(allocate(1e21, N_coef=0.09916, N_exp=0.4981).n_params / 1e9, 2)
2.86
"""

from __future__ import annotations

import numpy as np

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import HOFFMANN2022
from ._law import Allocation, AllocationLaw, AllocationTraits

__all__ = ["LAW", "TABLE3", "allocate", "refit_table3"]

#: Table 3 of Hoffmann et al. (2022): (parameters, FLOPs, tokens), Approach 1 projections.
TABLE3: tuple[tuple[float, float, float], ...] = (
    (400e6, 1.92e19, 8.0e9),
    (1e9, 1.21e20, 20.2e9),
    (10e9, 1.23e22, 205.1e9),
    (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12),
    (280e9, 9.90e24, 5.9e12),
    (520e9, 3.43e25, 11.0e12),
    (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
)


def refit_table3() -> tuple[float, float]:
    """(coefficient, exponent) of N_opt = coefficient * C**exponent fitted to Table 3."""
    n = np.log([row[0] for row in TABLE3])
    c = np.log([row[1] for row in TABLE3])
    exponent, log_coef = np.polyfit(c, n, 1)
    return float(np.exp(log_coef)), float(exponent)


def allocate(flops: float, *, N_coef: float, N_exp: float) -> Allocation:
    """Approach 1 projection: N_opt = N_coef C^N_exp [parameters, all of them], D = C / (6 N)
    [tokens] for a budget of ``flops`` [FLOPs] (Hoffmann et al. 2022, Table 3 and Appendix F).
    """
    n = N_coef * flops**N_exp
    return Allocation(n_params=n, n_tokens=flops / (6.0 * n))


_TABLE3_FIT = ConstantSet(
    name="table3_fit",
    values={"N_coef": 0.09916, "N_exp": 0.4981},
    source="least-squares fit of log N on log C through the nine rows of Hoffmann et al. 2022 "
    "Table 3 (arithmetic by this project; reproduced by refit_table3())",
    evidence=Evidence.DERIVED,
    note="Table 2 reports a = 0.50 (80% interval 0.488-0.502) for Approach 1.",
)


LAW = CATALOG.register(
    AllocationLaw(
        id="hoffmann2022",
        family="allocation",
        kind="closed_form",
        title="Chinchilla Approach 1: compute-optimal N and D from training-curve minima",
        reference=HOFFMANN2022,
        equations=("N_opt(C) = N_coef * C^N_exp  (fit to Table 3)", "D_opt(C) = C / (6 N_opt)"),
        quantities={"N": "n_params_total", "D": "n_tokens", "C": "flops"},
        traits=AllocationTraits(
            params_quantity="n_params_total", companion_loss="hoffmann2022@tex"
        ),
        validity={
            "n_params_total": Interval(
                lower=7e7, upper=1.6e10, source="abstract: runs of 70M to over 16B parameters"
            ),
        },
        constant_sets=(_TABLE3_FIT,),
        default_constant_set="table3_fit",
        functions={"allocate": allocate},
        golden=golden_vectors(__file__, "hoffmann2022"),
        notes=(
            "'20 tokens per parameter' is read off these rows; the paper does not state it as a "
            "rule.",
            "The paper's text quotes for 175B (4.41e24 FLOPs, 4.2T tokens) disagree with Table 3; "
            "Table 3 is used.",
        ),
    )
)
