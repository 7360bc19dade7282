"""Loss laws of the form ``L(N, D) = offset + (sum_i c_i * N**a_i * D**b_i) ** power``.

Chinchilla-type laws (``power = 1``) and Kaplan's joint law (``offset = 0``, ``power = alpha_D``)
both have this shape. The inner sum is a posynomial in (N, D), so minimising it under monomial
limits such as ``6*N*D <= C`` is a geometric program; ``offset`` and ``power`` are a monotone
map applied afterwards. The planner builds its cvxpy problem from these terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PosynomialLoss", "PowerTerm", "optimum_of"]

FloatOrArray = float | npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PowerTerm:
    """One monomial ``coefficient * N**n_exponent * D**d_exponent`` (N, D in raw units)."""

    coefficient: float
    n_exponent: float
    d_exponent: float

    def __call__(self, n_params: FloatOrArray, n_tokens: FloatOrArray) -> FloatOrArray:
        return (
            self.coefficient
            * np.power(n_params, self.n_exponent)
            * np.power(n_tokens, self.d_exponent)
        )


@dataclass(frozen=True, slots=True)
class PosynomialLoss:
    """A loss law reduced to numbers: ``offset + (sum of terms) ** power``."""

    offset: float
    terms: tuple[PowerTerm, ...]
    power: float = 1.0

    def reducible(self, n_params: FloatOrArray, n_tokens: FloatOrArray) -> FloatOrArray:
        """The inner posynomial (the part the optimiser minimises)."""
        total: FloatOrArray = 0.0
        for term in self.terms:
            total = total + term(n_params, n_tokens)
        return total

    def loss_from_reducible(self, reducible: FloatOrArray) -> FloatOrArray:
        return self.offset + np.power(reducible, self.power)

    def reducible_for_loss(self, loss: float) -> float:
        """Inverse of :meth:`loss_from_reducible`; ``loss`` must exceed :attr:`offset`."""
        if loss <= self.offset:
            raise ValueError(f"loss {loss} is not above the law's floor {self.offset}")
        return float((loss - self.offset) ** (1.0 / self.power))

    def __call__(self, n_params: FloatOrArray, n_tokens: FloatOrArray) -> FloatOrArray:
        return self.loss_from_reducible(self.reducible(n_params, n_tokens))

    def is_separable_pair(self) -> bool:
        """True for ``c1*N**-a + c2*D**-b`` with a, b > 0 (has a closed-form 6ND optimum)."""
        if len(self.terms) != 2:
            return False
        t_n, t_d = self.terms
        return t_n.d_exponent == 0 and t_d.n_exponent == 0 and t_n.n_exponent < 0 < -t_d.d_exponent

    def compute_optimal(
        self, flops: float, flops_per_param_token: float = 6.0
    ) -> tuple[float, float]:
        """Closed-form argmin of the loss under ``k*N*D = C`` for a separable pair.

        With ``D = C/(kN)`` the stationarity condition of ``c1 N^-a + c2 (kN/C)^b`` gives
        ``N^(a+b) = a c1 C^b / (b c2 k^b)``; this is Eq. 4 of Hoffmann et al. (2022) written for
        any two-term law.
        """
        if not self.is_separable_pair():
            raise ValueError("closed form exists only for c1*N^-a + c2*D^-b")
        t_n, t_d = self.terms
        a, b = -t_n.n_exponent, -t_d.d_exponent
        k = flops_per_param_token
        log_n = (
            np.log(a * t_n.coefficient)
            + b * np.log(flops)
            - np.log(b * t_d.coefficient)
            - b * np.log(k)
        ) / (a + b)
        n_opt = float(np.exp(log_n))
        return n_opt, flops / (k * n_opt)


def optimum_of(
    posy: PosynomialLoss, flops: float, flops_per_param_token: float = 6.0
) -> dict[str, float]:
    """``n_params``, ``n_tokens``, ``tokens_per_param`` and ``loss`` at the closed-form
    optimum of a separable pair for ``flops`` [FLOPs] under ``C = k N D``."""
    n, d = posy.compute_optimal(flops, flops_per_param_token)
    return {"n_params": n, "n_tokens": d, "tokens_per_param": d / n, "loss": float(posy(n, d))}
