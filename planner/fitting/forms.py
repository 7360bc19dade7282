"""The functional forms a user may fit, in the log space the optimiser works in.

Each form maps a parameter vector ``theta`` to ``log L = LSE(terms)`` (Hoffmann et al. 2022,
Eq. 3: ``LSE(a - alpha log N, b - beta log D, e)``) and to published-style constants, and
builds the same :class:`~laws_catalog.loss.PosynomialLoss` a catalogue law builds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from laws_catalog.loss import PosynomialLoss, gadre2024
from laws_catalog.loss._chinchilla import chinchilla_form

__all__ = ["FORMS", "Form", "FormName"]

FloatArray = npt.NDArray[np.float64]
FormName = Literal["chinchilla", "gadre2024"]
_LOG6 = math.log(6.0)


@dataclass(frozen=True, slots=True)
class Form:
    """One functional form: its log-space parameters, bounds, start grid and constants."""

    name: FormName
    equation: str
    parameters: tuple[str, ...]
    """Names of ``theta``'s entries (log-space coefficients and exponents)."""
    constants: tuple[str, ...]
    """Names of the published-style constants (what users read)."""
    exponents: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    grid: tuple[tuple[float, ...], ...]

    def terms(self, theta: FloatArray, log_n: FloatArray, log_d: FloatArray) -> FloatArray:
        """The three log-terms, shape (3, points); ``logsumexp`` over axis 0 is log L.

        ``theta`` may also have shape (parameters, K, 1): then the result is (3, K, points).
        """
        zero = np.zeros_like(log_n)
        if self.name == "chinchilla":
            a, b, e, alpha, beta = theta
            return np.stack([a - alpha * log_n, b - beta * log_d, e + zero])
        a, b, e, p = theta
        return np.stack([a - p * log_n, b - p * (log_d + 0.5 * _LOG6), e + zero])

    def term_gradients(
        self, log_n: FloatArray, log_d: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """d term_j / d theta for j = 0, 1, 2, each of shape (parameters, points)."""
        zero, one = np.zeros_like(log_n), np.ones_like(log_n)
        if self.name == "chinchilla":
            return (
                np.stack([one, zero, zero, -log_n, zero]),
                np.stack([zero, one, zero, zero, -log_d]),
                np.stack([zero, zero, one, zero, zero]),
            )
        return (
            np.stack([one, zero, zero, -log_n]),
            np.stack([zero, one, zero, -(log_d + 0.5 * _LOG6)]),
            np.stack([zero, zero, one, zero]),
        )

    def to_constants(self, theta: FloatArray) -> dict[str, float]:
        if self.name == "chinchilla":
            a, b, e, alpha, beta = (float(x) for x in theta)
            return {
                "E": math.exp(e),
                "A": math.exp(a),
                "B": math.exp(b),
                "alpha": alpha,
                "beta": beta,
            }
        a, b, e, p = (float(x) for x in theta)
        return {"E": math.exp(e), "a": math.exp(a), "b": math.exp(b), "p": p}

    def from_constants(self, values: Mapping[str, float]) -> FloatArray:
        if self.name == "chinchilla":
            row = [
                math.log(values["A"]),
                math.log(values["B"]),
                math.log(values["E"]),
                values["alpha"],
                values["beta"],
            ]
        else:
            row = [math.log(values["a"]), math.log(values["b"]), math.log(values["E"]), values["p"]]
        return np.array(row, dtype=np.float64)

    def posynomial(self, values: Mapping[str, float]) -> PosynomialLoss:
        """The law as numbers, built by the catalogue's own builder for this form."""
        if self.name == "chinchilla":
            return chinchilla_form(values)
        return gadre2024.posynomial(E=values["E"], p=values["p"], a=values["a"], b=values["b"])

    def pair(self, values: Mapping[str, FloatArray]) -> tuple[FloatArray, ...]:
        """``(E, c_N, a, c_D, b)`` of ``E + c_N N^-a + c_D D^-b`` for arrays of constants."""
        if self.name == "chinchilla":
            return values["E"], values["A"], values["alpha"], values["B"], values["beta"]
        p = values["p"]
        return values["E"], values["a"], p, values["b"] * 6.0 ** (-p / 2.0), p


_EXPONENT_BOUND = (0.0, 3.0)
_LOG_COEF_BOUND = (-20.0, 60.0)
_LOG_E_BOUND = (-10.0, 3.0)

FORMS: dict[str, Form] = {
    "chinchilla": Form(
        name="chinchilla",
        equation="L(N, D) = E + A / N^alpha + B / D^beta  (Hoffmann et al. 2022, Eq. 2)",
        parameters=("log_A", "log_B", "log_E", "alpha", "beta"),
        constants=("E", "A", "B", "alpha", "beta"),
        exponents=("alpha", "beta"),
        bounds=(_LOG_COEF_BOUND, _LOG_COEF_BOUND, _LOG_E_BOUND, _EXPONENT_BOUND, _EXPONENT_BOUND),
        # Hoffmann et al. 2022, Appendix D.2: alpha, beta in {0, 0.5, ..., 2}, e in
        # {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}
        grid=(
            (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
            (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
            (-1.0, -0.5, 0.0, 0.5, 1.0),
            (0.0, 0.5, 1.0, 1.5, 2.0),
            (0.0, 0.5, 1.0, 1.5, 2.0),
        ),
    ),
    "gadre2024": Form(
        name="gadre2024",
        equation="L(N, D) = E + a N^-p + b 6^(-p/2) D^-p  (Gadre et al. 2024, Eq. 4 in the "
        "parametrisation of the authors' scaling/laws.py powlaw_ours; alpha = beta = p)",
        parameters=("log_a", "log_b", "log_E", "p"),
        constants=("E", "a", "b", "p"),
        exponents=("p",),
        bounds=(_LOG_COEF_BOUND, _LOG_COEF_BOUND, _LOG_E_BOUND, _EXPONENT_BOUND),
        grid=(
            (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
            (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
            (-1.0, -0.5, 0.0, 0.5, 1.0),
            (0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
        ),
    ),
}
