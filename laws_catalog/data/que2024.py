r"""D-CPT law of Que et al. (2024), arXiv 2406.01375 (NeurIPS 2024) -- FIT-ONLY.

Continual pre-training of a base model of N parameters on D tokens of a mixture whose share
of the domain corpus is ``r`` (for the domain-loss law; the general-loss law uses the
general corpus share). Their preferred parameterisation ("L3")::

    L(N, D, r) = E + A / N^alpha + B r^eta / D^beta + C / (r + eps)^gamma

with nine constants, all positive here. The form is as given by the paper's summary pages
(two independent third-party transcriptions agree); fitted constants were not found in any
accessible copy, so the catalogue ships the form and :func:`fit` only.

Method: for fixed exponents ``(alpha, beta, gamma, eta, eps)`` the law is linear in
``(E, A, B, C)``, solved by non-negative least squares. A grid of 108 exponent starts picks
the best, then all nine constants are refined on the loss residuals with
``scipy.optimize.least_squares`` (log-parameterised, so they stay positive). Leave-one-out
errors refit from that optimum without each run (optional: one refit per run).

>>> truth = dict(E=1.0, A=300.0, B=2000.0, C=0.3, alpha=0.35, beta=0.4, gamma=0.5,
...              eta=0.3, eps=0.05)
>>> n, d, r = np.meshgrid([5e8, 1.8e9, 4e9], [2e9, 5e9, 1e10], [0.0, 0.2, 0.5, 0.8, 1.0])
>>> fitted = fit(n.ravel(), d.ravel(), r.ravel(), dcpt_loss(n, d, r, truth).ravel())
>>> round(fitted.constants["gamma"], 6), fitted.quality.r2 > 0.999999
(0.5, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares, nnls

from .._registry import CATALOG
from .._types import Interval
from ..interrupt import checkpoint
from ..law import golden_vectors
from ..references import QUE2024
from ._fitting import FitQuality, fit_quality
from ._law import MixtureLaw, MixtureTraits

__all__ = ["CONSTANT_NAMES", "LAW", "FittedDcptLaw", "dcpt_loss", "fit", "recovery"]

FloatArray = npt.NDArray[np.float64]
CONSTANT_NAMES = ("E", "A", "B", "C", "alpha", "beta", "gamma", "eta", "eps")
_EXPONENT_STARTS = {
    "alpha": (0.2, 0.4, 0.7),
    "beta": (0.2, 0.4, 0.7),
    "gamma": (0.2, 0.8),
    "eta": (0.1, 0.5),
    "eps": (0.01, 0.1, 0.5),
}


def dcpt_loss(
    params: npt.ArrayLike,
    tokens: npt.ArrayLike,
    ratio: npt.ArrayLike,
    constants: Mapping[str, float],
) -> FloatArray:
    """``L(N, D, r)`` [nats/token]; ``params`` [parameters], ``tokens`` [CPT tokens],
    ``ratio`` in [0, 1]."""
    n, d, r = (np.asarray(v, dtype=np.float64) for v in (params, tokens, ratio))
    k = constants
    return np.asarray(
        k["E"]
        + k["A"] * n ** -k["alpha"]
        + k["B"] * r ** k["eta"] * d ** -k["beta"]
        + k["C"] * (r + k["eps"]) ** -k["gamma"],
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class FittedDcptLaw:
    """Constants fitted by :func:`fit`, their quality and the region of runs seen:
    ``region[name] = (min, max)`` for ``n_params_total``, ``n_cpt_tokens`` and
    ``mixture_proportion``."""

    constants: dict[str, float]
    quality: FitQuality
    region: dict[str, tuple[float, float]]

    def predict(
        self, params: npt.ArrayLike, tokens: npt.ArrayLike, ratio: npt.ArrayLike
    ) -> FloatArray:
        return dcpt_loss(params, tokens, ratio, self.constants)

    def outside_region(self, params: float, tokens: float, ratio: float) -> list[str]:
        """Names of the quantities whose value lies outside the fitted runs' range."""
        values = {
            "n_params_total": params,
            "n_cpt_tokens": tokens,
            "mixture_proportion": ratio,
        }
        return [
            name
            for name, value in values.items()
            if not self.region[name][0] <= value <= self.region[name][1]
        ]


def _basis(nonlinear: FloatArray, n: FloatArray, d: FloatArray, r: FloatArray) -> FloatArray:
    alpha, beta, gamma, eta, eps = nonlinear
    return np.column_stack([np.ones_like(n), n**-alpha, r**eta * d**-beta, (r + eps) ** -gamma])


def _unpack(theta: FloatArray) -> dict[str, float]:
    # theta = ln E, ln A, ln B, ln C, ln alpha, ln beta, ln gamma, ln eta, ln eps
    return dict(zip(CONSTANT_NAMES, (float(v) for v in np.exp(theta)), strict=True))


def _residuals(
    theta: FloatArray, n: FloatArray, d: FloatArray, r: FloatArray, y: FloatArray
) -> FloatArray:
    checkpoint()
    return dcpt_loss(n, d, r, _unpack(theta)) - y


def _refine(
    start: FloatArray, n: FloatArray, d: FloatArray, r: FloatArray, y: FloatArray
) -> FloatArray:
    result = least_squares(
        _residuals,
        start,
        args=(n, d, r, y),
        method="trf",
        x_scale="jac",
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=20000,
    )
    return np.asarray(result.x, dtype=np.float64)


def _start(n: FloatArray, d: FloatArray, r: FloatArray, y: FloatArray) -> FloatArray:
    best, best_sse = None, np.inf
    for nonlinear in itertools.product(*_EXPONENT_STARTS.values()):
        exps = np.array(nonlinear)
        linear, rnorm = nnls(_basis(exps, n, d, r), y)
        if rnorm**2 < best_sse:
            best_sse = rnorm**2
            best = np.concatenate([np.maximum(linear, 1e-12), exps])
    assert best is not None
    return np.asarray(np.log(best), dtype=np.float64)


def fit(
    params: npt.ArrayLike,
    tokens: npt.ArrayLike,
    ratios: npt.ArrayLike,
    losses: npt.ArrayLike,
    *,
    loo: bool = False,
) -> FittedDcptLaw:
    """Fit the D-CPT law to runs ``(N [parameters], D [CPT tokens], r, loss [nats/token])``.

    Needs at least 10 runs spanning several N, D and r (nine constants). ``loo=True`` adds
    leave-one-out errors (one warm-started refit per run).
    """
    n, d, r, y = (np.asarray(v, dtype=np.float64).ravel() for v in (params, tokens, ratios, losses))
    if not len(n) == len(d) == len(r) == len(y):
        raise ValueError("params, tokens, ratios and losses need one value per run")
    if len(y) < len(CONSTANT_NAMES) + 1:
        raise ValueError(f"need at least {len(CONSTANT_NAMES) + 1} runs for nine constants")
    if np.any(n <= 0) or np.any(d <= 0) or np.any((r < 0) | (r > 1)) or np.any(~np.isfinite(y)):
        raise ValueError("need N > 0, D > 0, 0 <= r <= 1 and finite losses")
    theta = _refine(_start(n, d, r, y), n, d, r, y)
    loo_errors = None
    if loo:
        errors = []
        for p in range(len(y)):
            keep = np.arange(len(y)) != p
            other = _refine(theta, n[keep], d[keep], r[keep], y[keep])
            errors.append(
                float(_residuals(other, n[p : p + 1], d[p : p + 1], r[p : p + 1], y[p : p + 1])[0])
            )
        loo_errors = np.array(errors)
    constants = _unpack(theta)
    return FittedDcptLaw(
        constants=constants,
        quality=fit_quality(y, dcpt_loss(n, d, r, constants), len(CONSTANT_NAMES), loo_errors),
        region={
            "n_params_total": (float(n.min()), float(n.max())),
            "n_cpt_tokens": (float(d.min()), float(d.max())),
            "mixture_proportion": (float(r.min()), float(r.max())),
        },
    )


# --- synthetic recovery checks (the golden vectors of a fit-only law) ---------------------

# the paper's grid: three Qwen1.5 sizes, nine domain shares; five CPT token counts
_SIZES = (0.5e9, 1.8e9, 4e9)
_TOKENS = (1e9, 2e9, 4e9, 7e9, 10e9)
_RATIOS = (0.0, 0.1, 0.2, 1 / 3, 0.5, 2 / 3, 0.8, 0.9, 1.0)
_PROBE = {"n_params": 7e9, "n_tokens": 10e9, "ratio": 0.5}  # the paper's unseen 7B size


def recovery(seed: float, noise: float, **truth: float) -> dict[str, float]:
    """Recovery check of :func:`fit`: generate the paper's 3 x 5 x 9 grid of runs from the
    constants ``truth`` with Gaussian ``noise`` [nats/token] (seeded by ``seed``), fit, and
    return the fitted constants, the ``probe_loss`` [nats/token] at the held-out 7B size and
    the fit's ``r2``."""
    constants = {name: truth[name] for name in CONSTANT_NAMES}
    n, d, r = (a.ravel() for a in np.meshgrid(_SIZES, _TOKENS, _RATIOS, indexing="ij"))
    rng = np.random.default_rng(int(seed))
    y = dcpt_loss(n, d, r, constants) + noise * rng.standard_normal(len(n))
    fitted = fit(n, d, r, y)
    out = dict(fitted.constants)
    out["probe_loss"] = float(
        fitted.predict(_PROBE["n_params"], _PROBE["n_tokens"], _PROBE["ratio"])
    )
    out["r2"] = fitted.quality.r2
    return out


LAW = CATALOG.register(
    MixtureLaw(
        id="que2024",
        family="data",
        kind="mixture",
        fit_only=True,
        traits=MixtureTraits(),
        title="D-CPT law: domain continual pre-training loss in N, D and the mixture ratio "
        "(fit-only)",
        reference=QUE2024,
        equations=(
            "L(N, D, r) = E + A/N^alpha + B r^eta / D^beta + C/(r + eps)^gamma  (D-CPT Law, "
            "parameterisation L3; r = domain share for the domain loss, general share for the "
            "general loss)",
        ),
        quantities={
            "N": "n_params_total",
            "D": "n_cpt_tokens",
            "r": "mixture_proportion",
            "L": "loss_nats_per_token",
        },
        validity={
            "n_params_total": Interval(
                lower=5e8,
                upper=4e9,
                source="Qwen1.5 0.5B, 1.8B, 4B base models (7B held out), per two secondary "
                "summaries of Que et al. 2024; not checked against the paper's text "
                "(uncertain)",
            ),
        },
        functions={"recovery": recovery},
        golden=golden_vectors(__file__, "que2024"),
        notes=(
            "Form and setting from third-party summaries (two agree); the paper's own text and "
            "constants were not available. Cross-domain variant adds F/K^mu (not shipped).",
        ),
        caveats=(
            "Fit-only law: constants come from YOUR continual pre-training runs; the form was "
            "transcribed from secondary summaries of the paper.",
            "Predictions outside the fitted (N, D, r) ranges are extrapolations.",
        ),
    )
)
