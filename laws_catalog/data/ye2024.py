r"""Data mixing law of Ye et al. (2024), arXiv 2403.16952 (ICLR 2025) -- FIT-ONLY.

For a mixture ``r`` of M training domains (``r_j >= 0``, ``sum_j r_j = 1``) the validation loss
on domain ``i`` is (the paper's mixing law; ``mixture_law_`` in the authors' repo, with
``c = exp(log_c)``, ``k = exp(log_k)``)::

    L_i(r) = c_i + k_i * exp(sum_j t_ij r_j),      c_i > 0, k_i > 0

The overall loss is a weighted sum of the ``L_i`` (the weights are the validation set's
composition). No trustworthy constants were published (fitted per model and data set), so
the catalogue ships the form and :func:`fit`, which fits it to a few measured
(mixture, per-domain loss) runs and reports fit quality and the region of mixtures seen.

Gauge: because ``sum_j r_j = 1``, adding ``s`` to every ``t_ij`` of a row and dividing ``k_i``
by ``e^s`` predicts the same losses. :func:`fit` reports the representative with
``sum_j t_ij = 0``, so ``c_i + k_i`` is the loss at the uniform mixture.

Method: for a fixed ``c_i`` the law is linear in log space, ``ln(L_i - c_i) = r . b_i`` with
``b_ij = ln k_i + t_ij``; a profile over ``c_i`` (61 values in ``[0, min L_i)``) with linear
least squares gives the start, then all constants are refined on the loss residuals
(``scipy.optimize.least_squares``, analytic Jacobian, tolerances 1e-15). Leave-one-out errors
refit from that optimum without each run. Needs at least M + 1 runs per target domain.

>>> rng = np.random.default_rng(0)
>>> mixtures = rng.dirichlet(np.ones(2), size=6)
>>> losses = mixing_law(mixtures, [1.5], [0.8], [[-1.0, 1.0]])
>>> fitted = fit(mixtures, losses, domains=("web", "code"), targets=("web",))
>>> np.round(fitted.t, 6).tolist(), round(fitted.quality["web"].r2, 9)
([[-1.0, 1.0]], 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares, linprog

from .._registry import CATALOG
from .._types import Interval
from ..interrupt import checkpoint
from ..law import golden_vectors
from ..references import YE2024
from ._fitting import FitQuality, fit_quality
from ._law import MixtureLaw, MixtureTraits

__all__ = ["LAW", "FittedMixingLaw", "MixtureRegion", "fit", "mixing_law", "recovery"]

FloatArray = npt.NDArray[np.float64]
_SUM_TOL = 1e-6


def mixing_law(
    proportions: npt.ArrayLike, c: npt.ArrayLike, k: npt.ArrayLike, t: npt.ArrayLike
) -> FloatArray:
    """``L_i(r)`` [nats/token] for mixtures ``proportions`` (..., M): returns (..., K)."""
    r = np.asarray(proportions, dtype=np.float64)
    c_a, k_a, t_a = (np.asarray(v, dtype=np.float64) for v in (c, k, t))
    return np.asarray(c_a + k_a * np.exp(r @ t_a.T), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class MixtureRegion:
    """The mixtures a fit has seen: ``proportions`` (n, M)."""

    proportions: FloatArray

    @property
    def lower(self) -> FloatArray:
        return np.asarray(self.proportions.min(axis=0), dtype=np.float64)

    @property
    def upper(self) -> FloatArray:
        return np.asarray(self.proportions.max(axis=0), dtype=np.float64)

    def in_box(self, mixture: npt.ArrayLike, tol: float = 1e-9) -> bool:
        """Every share within the range of that domain's shares in the fitted runs."""
        r = np.asarray(mixture, dtype=np.float64)
        return bool(np.all(r >= self.lower - tol) and np.all(r <= self.upper + tol))

    def in_hull(self, mixture: npt.ArrayLike, tol: float = 1e-9) -> bool:
        """``mixture`` is a convex combination of the fitted runs' mixtures (an LP)."""
        r = np.asarray(mixture, dtype=np.float64)
        runs = self.proportions
        a_eq = np.vstack([runs.T, np.ones(len(runs))])
        # minimise the L1 misfit |runs^T w - r| over the simplex; zero means inside
        m = runs.shape[1]
        cost = np.concatenate([np.zeros(len(runs)), np.ones(2 * m)])
        misfit = np.vstack([np.eye(m), np.zeros((1, m))])
        a_full = np.hstack([a_eq, misfit, -misfit])
        b_full = np.concatenate([r, [1.0]])
        result = linprog(cost, A_eq=a_full, b_eq=b_full, bounds=(0, None), method="highs")
        return bool(result.status == 0 and result.fun <= tol * m)


@dataclass(frozen=True, slots=True)
class FittedMixingLaw:
    """Constants fitted by :func:`fit` (gauge ``sum_j t_ij = 0``) and how well they fit.

    ``domains``: the M training domains (columns of a mixture); ``targets``: the K validation
    domains modelled; ``c``, ``k`` (K,), ``t`` (K, M); ``quality`` per target name;
    ``region``: the mixtures seen.
    """

    domains: tuple[str, ...]
    targets: tuple[str, ...]
    c: FloatArray
    k: FloatArray
    t: FloatArray
    quality: dict[str, FitQuality]
    region: MixtureRegion

    def predict(self, proportions: npt.ArrayLike) -> FloatArray:
        """Per-target losses [nats/token] at ``proportions`` (..., M) -> (..., K)."""
        return mixing_law(proportions, self.c, self.k, self.t)

    def constants(self) -> dict[str, float]:
        """Flat ``{"c[target]": ..., "k[target]": ..., "t[target,domain]": ...}``."""
        out: dict[str, float] = {}
        for i, target in enumerate(self.targets):
            out[f"c[{target}]"] = float(self.c[i])
            out[f"k[{target}]"] = float(self.k[i])
            for j, domain in enumerate(self.domains):
                out[f"t[{target},{domain}]"] = float(self.t[i, j])
        return out


def _residuals(theta: FloatArray, r: FloatArray, y: FloatArray) -> FloatArray:
    checkpoint()
    return np.asarray(theta[0] + np.exp(r @ theta[1:]) - y, dtype=np.float64)


def _jacobian(theta: FloatArray, r: FloatArray, y: FloatArray) -> FloatArray:
    grown = np.exp(r @ theta[1:])
    return np.hstack([np.ones((len(y), 1)), grown[:, None] * r])


def _refine(start: FloatArray, r: FloatArray, y: FloatArray) -> FloatArray:
    lower = np.full(len(start), -np.inf)
    lower[0] = 0.0
    result = least_squares(
        _residuals,
        start,
        jac=_jacobian,
        bounds=(lower, np.inf),
        args=(r, y),
        method="trf",
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=5000,
    )
    return np.asarray(result.x, dtype=np.float64)


def _fit_target(r: FloatArray, y: FloatArray) -> FloatArray:
    """``theta = (c, b_1..b_M)`` with ``L = c + exp(r . b)`` for one target domain."""
    floor = float(y.min())
    best, best_sse = None, np.inf
    for share in np.concatenate([np.geomspace(1e-4, 1.0, 60), [0.0]]):
        c = floor * (1.0 - share) if share > 0 else 0.0
        if c >= floor:
            continue
        b, *_ = np.linalg.lstsq(r, np.log(y - c), rcond=None)
        theta = np.concatenate([[c], b])
        sse = float(np.sum(_residuals(theta, r, y) ** 2))
        if sse < best_sse:
            best, best_sse = theta, sse
    assert best is not None
    return _refine(best, r, y)


def _validate(r: FloatArray, y: FloatArray) -> None:
    if r.ndim != 2 or y.ndim != 2 or len(r) != len(y):
        raise ValueError("proportions must be (runs, domains) and losses (runs, targets)")
    if np.any(r < -_SUM_TOL) or np.any(np.abs(r.sum(axis=1) - 1.0) > _SUM_TOL):
        raise ValueError("each mixture must be non-negative and sum to 1")
    if not np.all(np.isfinite(y)) or np.any(y <= 0):
        raise ValueError("losses must be positive and finite")
    if len(r) < r.shape[1] + 1:
        raise ValueError(f"need at least {r.shape[1] + 1} runs for {r.shape[1]} domains")


def fit(
    proportions: npt.ArrayLike,
    losses: npt.ArrayLike,
    *,
    domains: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    loo: bool = True,
) -> FittedMixingLaw:
    """Fit ``L_i(r) = c_i + k_i exp(t_i . r)`` to measured runs.

    Parameters
    ----------
    proportions : (n, M) array
        Mixture of each run (shares of the training tokens, rows sum to 1).
    losses : (n, K) or (n,) array
        Validation loss [nats/token] of each run on each target domain.
    domains, targets : names of the M training and K validation domains.
    loo : compute leave-one-out errors (n refits, each warm-started).
    """
    r = np.asarray(proportions, dtype=np.float64)
    y = np.asarray(losses, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    _validate(r, y)
    m, n_targets = r.shape[1], y.shape[1]
    domain_names = tuple(domains) if domains is not None else tuple(f"d{j}" for j in range(m))
    target_names = (
        tuple(targets) if targets is not None else tuple(f"L{i}" for i in range(n_targets))
    )
    if len(domain_names) != m or len(target_names) != n_targets:
        raise ValueError("one name per domain column and per target column is needed")
    c, log_k, t = np.empty(n_targets), np.empty(n_targets), np.empty((n_targets, m))
    quality = {}
    for i, name in enumerate(target_names):
        theta = _fit_target(r, y[:, i])
        c[i], b = theta[0], theta[1:]
        log_k[i] = b.mean()
        t[i] = b - b.mean()
        loo_errors = None
        if loo and len(r) - 1 >= m + 1:
            errors = []
            for p in range(len(r)):
                keep = np.arange(len(r)) != p
                other = _refine(theta, r[keep], y[keep, i])
                errors.append(float(_residuals(other, r[p : p + 1], y[p : p + 1, i])[0]))
            loo_errors = np.array(errors)
        predicted = theta[0] + np.exp(r @ b)
        quality[name] = fit_quality(y[:, i], predicted, m + 1, loo_errors)
    return FittedMixingLaw(
        domains=domain_names,
        targets=target_names,
        c=c,
        k=np.exp(log_k),
        t=t,
        quality=quality,
        region=MixtureRegion(r.copy()),
    )


# --- synthetic recovery checks (the golden vectors of a fit-only law) ---------------------

_PROBE = (0.2, 0.5, 0.3)


def recovery(runs: float, seed: float, noise: float, **truth: float) -> dict[str, float]:
    """Recovery check of :func:`fit` for three domains: draw ``runs`` Dirichlet(1) mixtures
    (seeded by ``seed``), add Gaussian ``noise`` [nats/token] to the losses of the law with
    constants ``truth`` (``c0..c2``, ``k0..k2``, ``t00..t22``), fit, and return the recovered
    constants, the ``probe_loss0..2`` [nats/token] at r = (0.2, 0.5, 0.3) and ``r2_min``."""
    c = np.array([truth[f"c{i}"] for i in range(3)])
    k = np.array([truth[f"k{i}"] for i in range(3)])
    t = np.array([[truth[f"t{i}{j}"] for j in range(3)] for i in range(3)])
    rng = np.random.default_rng(int(seed))
    mixtures = rng.dirichlet(np.ones(3), size=int(runs))
    losses = mixing_law(mixtures, c, k, t)
    losses = losses + noise * rng.standard_normal(losses.shape)
    fitted = fit(mixtures, losses, loo=False)
    out = {f"c{i}": float(fitted.c[i]) for i in range(3)}
    out |= {f"k{i}": float(fitted.k[i]) for i in range(3)}
    out |= {f"t{i}{j}": float(fitted.t[i, j]) for i in range(3) for j in range(3)}
    probe = fitted.predict(np.array(_PROBE))
    out |= {f"probe_loss{i}": float(probe[i]) for i in range(3)}
    out["r2_min"] = min(q.r2 for q in fitted.quality.values())
    return out


LAW = CATALOG.register(
    MixtureLaw(
        id="ye2024",
        family="data",
        kind="mixture",
        fit_only=True,
        traits=MixtureTraits(),
        title="Data mixing law: per-domain loss as an exponential of the mixture (fit-only)",
        reference=YE2024,
        equations=(
            "L_i(r_1..r_M) = c_i + k_i exp(sum_j t_ij r_j), sum_j r_j = 1  (mixing law, Sec. 3; "
            "repo: pipeline/utils.py mixture_law_)",
            "L(r) = sum_i w_i L_i(r), w_i = validation-set composition  (explicit aggregation)",
        ),
        quantities={
            "r_j": "mixture_proportion",
            "L_i": "loss_nats_per_token",
        },
        validity={
            "n_params_total": Interval(
                lower=7e7,
                upper=1.6e8,
                source="paper's mixing-law experiments: Pythia-style 70M-160M models on Pile "
                "subsets (paper summary page; not checked against the full text); the law "
                "is fitted per model size",
            ),
        },
        functions={"recovery": recovery},
        golden=golden_vectors(__file__, "ye2024"),
        notes=(
            "Fitted per model size and training length; the paper combines it with step and "
            "size laws to extrapolate (and its released pipeline uses an MLP regressor for the "
            "final mixture model).",
            "Gauge fixed by sum_j t_ij = 0: c_i + k_i is the loss at the uniform mixture.",
        ),
        caveats=(
            "Fit-only law: constants come from YOUR runs; predictions outside the mixtures you "
            "measured are extrapolations (the optimiser reports them).",
            "Valid for the model size and token count of the runs it was fitted on.",
        ),
    )
)
