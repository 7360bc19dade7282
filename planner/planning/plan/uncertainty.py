"""Intervals on a plan: re-plan over samples of the loss law's constants.

When no limit binds, the plan's (N, D) is the closed-form optimum of a two-term law under
``k N D = C`` (Hoffmann et al. 2022, Eq. 4), so every sample is solved in one array pass and
the learning rate is read from the plan's hyperparameter law at each sample's model. Otherwise
each sample is re-planned in full (at most :data:`MAX_RESOLVED` of them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from laws_catalog import CATALOG
from laws_catalog.hardware import Device
from laws_catalog.hyperparams import HyperparamLaw, MissingInput, TrainingPoints, advise_many
from laws_catalog.loss import posynomial

from ...errors import PlannerError
from ...schemas.fitted_law import FittedLaw, FittedRange
from ...schemas.requests import PlanRequest
from ...schemas.responses import PlanResponse
from ...schemas.uncertainty import UncertaintyOut, UncertaintyRequest
from ..laws.selection import SelectedLaws, select_laws
from .constant_samples import ConstantSamples, constant_samples

__all__ = ["MAX_RESOLVED", "plan_with_uncertainty"]

FloatArray = npt.NDArray[np.float64]
Planner = Callable[[PlanRequest, Mapping[str, Device] | None], PlanResponse]

MAX_RESOLVED = 200
"""Samples re-planned in full when the closed form does not apply (bounds the request's time)."""
_SAME = 1e-3
_HELD = (
    "the hyperparameter law's own constants are held at their point values; the vocabulary "
    "and width behind the non-embedding count are the point plan's"
)


def _interval(values: FloatArray, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _closed_form_applies(request: PlanRequest, point: PlanResponse, laws: SelectedLaws) -> bool:
    if request.data is not None or laws.allocation is not None:
        return False
    if request.target is not None and request.target.loss is None:
        return False
    if request.inference is not None or request.retrieval is not None:
        return False
    if request.precision is not None and request.precision.training is not None:
        return False
    if request.constraints.stay_in_fitted_range:
        return False
    if any(name.split(".")[0] not in ("budget", "target") for name in point.binding_constraints):
        return False
    posy = posynomial(laws.loss.law, laws.loss.constants.name)
    if not posy.is_separable_pair() or posy.power != 1.0:
        return False
    t_n, t_d = posy.terms
    values = (posy.offset, t_n.coefficient, -t_n.n_exponent, t_d.coefficient, -t_d.d_exponent)
    pair = tuple(np.array([v]) for v in values)
    n, _ = _optimum(request, point, laws, pair)
    return bool(abs(n[0] / point.plan.params - 1) < _SAME)


def _optimum(
    request: PlanRequest,
    point: PlanResponse,
    laws: SelectedLaws,
    pair: tuple[FloatArray, ...],
) -> tuple[FloatArray, FloatArray]:
    """Each sample's optimum in closed form (NaN where a target is below its floor).

    Budget: N^(a+b) = a c_N C^b / (b c_D k^b) (Hoffmann et al. 2022, Eq. 4). Target loss L:
    the same first-order condition a c_N N^-a = b c_D D^-b with the two terms summing to
    L - E, so c_N N^-a = (L - E) b/(a+b) and c_D D^-b = (L - E) a/(a+b).
    """
    e, c_n, a, c_d, b = pair
    k = laws.loss.law.traits.flops_per_param_token
    if request.target is None:
        flops = point.plan.flops
        log_n = (np.log(a * c_n) + b * np.log(flops) - np.log(b * c_d) - b * np.log(k)) / (a + b)
        n = np.exp(log_n)
        return n, flops / (k * n)
    assert request.target.loss is not None
    gap = request.target.loss - e
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(gap > 0, (c_n * (a + b) / (gap * b)) ** (1 / a), np.nan)
        d = np.where(gap > 0, (c_d * (a + b) / (gap * a)) ** (1 / b), np.nan)
    return n, d


def _within_limits(request: PlanRequest, n: FloatArray, d: FloatArray) -> bool:
    c = request.constraints
    checks = (
        (c.max_params, n, np.less_equal),
        (c.min_params, n, np.greater_equal),
        (c.max_tokens, d, np.less_equal),
        (c.min_tokens, d, np.greater_equal),
        (c.max_tokens_per_param, d / n, np.less_equal),
        (c.min_tokens_per_param, d / n, np.greater_equal),
    )
    return all(limit is None or bool(np.all(op(v, limit))) for limit, v, op in checks)


def _learning_rates(
    point: PlanResponse,
    laws: SelectedLaws,
    n: FloatArray,
    d: FloatArray,
    loss: FloatArray,
    flops: FloatArray,
) -> tuple[FloatArray | None, FloatArray | None]:
    """The point plan's learning-rate and batch laws at each sample's model."""
    lr_use = next((u for u in point.provenance if "learning_rate" in u.produces), None)
    batch_use = next((u for u in point.provenance if "batch_size_tokens" in u.produces), None)
    plan = point.plan
    embedding = plan.params_embedding or 0.0
    total_based = laws.loss.law.traits.params_quantity == "n_params_total"
    non_embedding = n - embedding if total_based else n
    total = n if total_based else n + embedding
    if np.any(non_embedding <= 0):
        return None, None
    scale = non_embedding / (plan.params_non_embedding or non_embedding[0])
    m = plan.model_flops_per_token

    points = TrainingPoints(
        n_params_non_embedding=non_embedding,
        n_params_total=total,
        n_tokens=d,
        flops=flops,
        loss=loss,
        model_flops_per_token=None if m is None else m * scale,
        context_length=plan.context_length or 2048,
    )

    def evaluate(use_law: str, use_set: str, output: str) -> FloatArray | None:
        resolved = CATALOG.resolve("hyperparams", f"{use_law}@{use_set}", HyperparamLaw)
        try:
            values = advise_many(resolved.law, points, resolved.constants.name)[output]
        except MissingInput:
            return None
        if values is None or not np.all(np.isfinite(values)):
            return None
        return np.asarray(values, dtype=np.float64)

    lrs = (
        evaluate(lr_use.law, lr_use.constant_set, "peak_learning_rate")
        if lr_use is not None
        else None
    )
    batches = (
        evaluate(batch_use.law, batch_use.constant_set, "batch_size_tokens")
        if batch_use is not None
        else None
    )
    return lrs, batches


def _closed_form(
    request: PlanRequest,
    point: PlanResponse,
    laws: SelectedLaws,
    samples: ConstantSamples,
    level: float,
) -> UncertaintyOut | None:
    pair = samples.pair()
    n_all, d_all = _optimum(request, point, laws, pair)
    reached = np.isfinite(n_all)
    if not reached.any():
        return None
    n, d = n_all[reached], d_all[reached]
    if not _within_limits(request, n, d):
        return None
    e, c_n, a, c_d, b = (v[reached] for v in pair)
    loss = e + c_n * n**-a + c_d * d**-b
    k = laws.loss.law.traits.flops_per_param_token
    intervals = {
        "params": _interval(n, level),
        "tokens": _interval(d, level),
        "tokens_per_param": _interval(d / n, level),
    }
    if request.target is None:
        intervals["loss"] = _interval(loss, level)
    else:
        intervals["flops"] = _interval(k * n * d, level)
    lrs, batches = _learning_rates(point, laws, n, d, loss, k * n * d)
    notes = [
        "each sample's optimum in closed form (Hoffmann et al. 2022, Eq. 4 and its dual for a "
        "target loss); no limit binds at the point plan or at any sample"
    ]
    unreached = int((~reached).sum())
    if unreached:
        notes.append(
            f"{unreached} samples have an irreducible loss at or above the target and are left out"
        )
    if lrs is not None:
        intervals["learning_rate"] = _interval(lrs, level)
    if batches is not None:
        intervals["batch_size_tokens"] = _interval(batches, level)
    if lrs is not None or batches is not None:
        notes.append(_HELD)
    return UncertaintyOut(
        level=level,
        method="closed_form_vectorised",
        samples=int(reached.sum()),
        source=samples.source,
        intervals=intervals,
        notes=notes,
    )


def _sample_law(samples: ConstantSamples, index: int, point_law: FittedLaw | None) -> FittedLaw:
    """One sample as an inline law (the fitted range is the point law's, when it has one)."""
    wide = FittedRange(
        params=(1.0, 1e16), tokens=(1.0, 1e18), tokens_per_param=(1e-6, 1e9), flops=(1.0, 1e40)
    )
    return FittedLaw(
        form=samples.form,
        constants=samples.row(index),
        params_definition=point_law.params_definition if point_law else "n_params_total",
        flops_per_param_token=point_law.flops_per_param_token if point_law else 6.0,
        fitted_range=point_law.fitted_range if point_law else wide,
        runs=1,
        points=1,
        runs_sha256=point_law.runs_sha256 if point_law else "0" * 64,
    )


def _re_solved(
    request: PlanRequest,
    devices: Mapping[str, Device] | None,
    planner: Planner,
    samples: ConstantSamples,
    level: float,
    point_law: FittedLaw | None,
) -> UncertaintyOut:
    used = samples.first(min(samples.count, MAX_RESOLVED))
    rows: dict[str, list[float]] = {}
    failed = 0
    for index in range(used.count):
        laws = request.laws.model_copy(update={"loss": _sample_law(used, index, point_law)})
        try:
            plan = planner(request.model_copy(update={"laws": laws}), devices).plan
        except PlannerError:
            failed += 1
            continue
        for name in (
            "params",
            "tokens",
            "tokens_per_param",
            "flops",
            "loss",
            "learning_rate",
            "batch_size_tokens",
            "downstream_error",
        ):
            value = getattr(plan, name)
            if value is not None:
                rows.setdefault(name, []).append(float(value))
    notes = ["the full plan (limits, vocabulary, every stage) re-solved for each sample"]
    if used.count < samples.count:
        notes.append(f"re-solving is capped at {MAX_RESOLVED} samples per plan")
    if failed:
        notes.append(f"{failed} samples gave no plan (infeasible or unreachable) and are left out")
    return UncertaintyOut(
        level=level,
        method="re_solved",
        samples=used.count - failed,
        source=samples.source,
        intervals={k: _interval(np.asarray(v), level) for k, v in rows.items() if v},
        notes=notes,
    )


def plan_with_uncertainty(
    request: PlanRequest, devices: Mapping[str, Device] | None, planner: Planner
) -> PlanResponse:
    """The point plan, plus intervals over the loss law's constant samples."""
    asked: UncertaintyRequest | None = request.uncertainty
    assert asked is not None
    point_request = request.model_copy(update={"uncertainty": None})
    point = planner(point_request, devices)
    laws = select_laws(request.laws)
    fitted = request.laws.loss if isinstance(request.laws.loss, FittedLaw) else None
    found = constant_samples(laws.loss, fitted)
    if isinstance(found, str):
        out = UncertaintyOut(
            level=asked.level, method="none", samples=0, source=None, intervals={}, notes=[found]
        )
        return point.model_copy(update={"uncertainty": out})
    samples = found.first(asked.samples)
    result = None
    if _closed_form_applies(request, point, laws):
        result = _closed_form(request, point, laws, samples, asked.level)
    if result is None:
        result = _re_solved(point_request, devices, planner, samples, asked.level, fitted)
    if asked.samples > found.count:
        result.notes.append(
            f"{asked.samples} samples asked, {found.count} available: all of them were used"
        )
    return point.model_copy(update={"uncertainty": result})
