"""Loss curves under any LR schedule: fit the LR-annealing law to a user's curves, or predict
with a pre-fitted multi-power law, and predict the loss of another schedule."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from laws_catalog import CATALOG, AnyLaw, Evidence, ResolvedLaw
from laws_catalog.loss_curve import LossCurveLaw, predict, tissue2024
from laws_catalog.loss_curve.schedules import lr_schedule

from ...deadline import checkpoint
from ...errors import InvalidRequest
from ...schemas.responses import AnswerWarning, LawUse
from ...schemas.side_questions import (
    CurveSpec,
    FittedConstant,
    LossCurveFitOut,
    LossCurvePrediction,
    LossCurveRequest,
    LossCurveResponse,
)
from ..laws.provenance import law_use
from ..laws.selection import resolve

__all__ = ["loss_curve"]

DEFAULT_POINTS = 50


def _schedule(spec: CurveSpec) -> npt.NDArray[np.float64]:
    checkpoint("a learning-rate schedule")
    if spec.learning_rate is not None:
        return np.asarray(spec.learning_rate, dtype=np.float64)
    assert spec.schedule is not None
    s = spec.schedule
    try:
        return lr_schedule(
            s.kind,
            s.total_steps,
            s.peak_lr,
            warmup_steps=s.warmup_steps,
            final_lr_fraction=s.final_lr_fraction,
            cooldown_fraction=s.cooldown_fraction,
        )
    except ValueError as exc:
        raise InvalidRequest(f"schedule: {exc}", field="predict.schedule") from None


def _prediction_steps(request: LossCurveRequest, length: int) -> npt.NDArray[np.int64]:
    if request.at_steps is not None:
        steps = np.asarray(sorted(set(request.at_steps)), dtype=np.int64)
        if steps.size and steps[-1] >= length:
            raise InvalidRequest(
                f"at_steps must lie below the predicted schedule's {length} updates",
                field="at_steps",
                allowed=f"0 <= step < {length}",
            )
        return steps
    return np.unique(np.linspace(0, length - 1, DEFAULT_POINTS).round().astype(np.int64))


def _fit_law(request: LossCurveRequest, law: AnyLaw) -> LossCurveResponse:
    lrs = [_schedule(c) for c in request.curves]
    try:
        fitted = tissue2024.fit(
            [np.asarray(c.steps) for c in request.curves],
            lrs,
            [np.asarray(c.loss) for c in request.curves],
            decay=request.decay,
        )
    except ValueError as exc:
        raise InvalidRequest(f"curves: {exc}", field="curves") from None
    warnings: list[AnswerWarning] = []
    prediction = None
    if request.predict is not None:
        schedule = _schedule(request.predict)
        steps = _prediction_steps(request, schedule.size)
        try:
            predicted = tissue2024.predict_schedule(fitted, schedule, steps)
        except ValueError as exc:
            raise InvalidRequest(f"predict: {exc}", field="predict") from None
        prediction = LossCurvePrediction(
            steps=[int(s) for s in predicted.steps],
            loss=[float(v) for v in predicted.loss],
            standard_error=[float(v) for v in predicted.standard_error],
        )
        area = np.cumsum(schedule)[steps]
        low, high = fitted.forward_area_range
        if area.max() > high * (1 + 1e-9) or area.min() < low * (1 - 1e-9):
            warnings.append(
                AnswerWarning(
                    code="outside_fitted_range",
                    message=f"the predicted schedule's forward area reaches "
                    f"[{area.min():.4g}, {area.max():.4g}] beyond the fitted "
                    f"[{low:.4g}, {high:.4g}]: the power law in S1 is extrapolated",
                    law=law.key,
                    quantity="forward_area",
                )
            )
    use = LawUse(
        role="loss_curve",
        law=law.id,
        family=law.family,
        constant_set="fitted_to_request",
        evidence=Evidence.FITTED_HERE,
        constants=fitted.constants,
        reference=law.reference,
        equations=list(law.equations),
        produces=["constants", "prediction"],
        method="nonlinear least squares on the request's curves (alpha profiled, then "
        "Levenberg-Marquardt); standard errors from s^2 (J^T J)^-1. The published constants "
        "were not found, so this law fits only.",
        caveats=list(law.caveats),
    )
    return LossCurveResponse(
        law=law.id,
        fit_only=True,
        constants={
            name: FittedConstant(value=value, standard_error=fitted.standard_errors[name])
            for name, value in fitted.constants.items()
        },
        fit=LossCurveFitOut(
            r_squared=fitted.r_squared,
            rmse=fitted.rmse,
            n_points=fitted.n_points,
            step_range=fitted.step_range,
        ),
        prediction=prediction,
        provenance=[use],
        warnings=warnings,
        catalog_version=CATALOG.version,
    )


def _predict(
    resolved: ResolvedLaw[LossCurveLaw],
    schedule: npt.NDArray[np.float64],
    steps: npt.ArrayLike,
    field: str,
) -> npt.NDArray[np.float64]:
    try:
        return predict(resolved.law, schedule, resolved.constants.name, np.asarray(steps))
    except ValueError as exc:
        raise InvalidRequest(f"{field}: {exc}", field=field) from None


def _prefitted(request: LossCurveRequest) -> LossCurveResponse:
    resolved = resolve("loss_curve", request.law, LossCurveLaw, "law")
    values = dict(resolved.constants.values)
    evaluation = None
    if request.curves:
        residuals = []
        observed = []
        for curve in request.curves:
            predicted = _predict(resolved, _schedule(curve), curve.steps, "curves")
            residuals.append(predicted - np.asarray(curve.loss))
            observed.append(np.asarray(curve.loss))
        r = np.concatenate(residuals)
        y = np.concatenate(observed)
        total = float(np.sum((y - y.mean()) ** 2))
        evaluation = LossCurveFitOut(
            r_squared=1.0 - float(np.sum(r**2)) / total if total > 0 else float("nan"),
            rmse=float(np.sqrt(np.mean(r**2))),
            n_points=int(r.size),
            step_range=(
                min(c.steps[0] for c in request.curves),
                max(c.steps[-1] for c in request.curves),
            ),
        )
    prediction = None
    if request.predict is not None:
        schedule = _schedule(request.predict)
        steps = _prediction_steps(request, schedule.size)
        predicted = _predict(resolved, schedule, steps, "predict")
        prediction = LossCurvePrediction(
            steps=[int(s) for s in steps], loss=[float(v) for v in predicted]
        )
    return LossCurveResponse(
        law=resolved.law.id,
        fit_only=False,
        constants={name: FittedConstant(value=v) for name, v in values.items()},
        fit=None,
        evaluation_on_curves=evaluation,
        prediction=prediction,
        provenance=[
            law_use(
                resolved,
                role="loss_curve",
                produces=["prediction"],
                method=f"{resolved.ref} with its published constants (no fit)",
            )
        ],
        warnings=[],
        catalog_version=CATALOG.version,
    )


def loss_curve(request: LossCurveRequest) -> LossCurveResponse:
    law_id = request.law.partition("@")[0]
    found = [law for law in CATALOG.find(law_id) if law.family == "loss_curve"]
    if not found:
        allowed = [law.id for law in CATALOG.all_laws() if law.family == "loss_curve"]
        raise InvalidRequest(f"law: no loss-curve law {law_id!r}", field="law", allowed=allowed)
    law = found[0]
    if law.fit_only:
        if "@" in request.law:
            raise InvalidRequest(f"law: {law_id} is fit-only: it has no constant sets", field="law")
        if not request.curves:
            raise InvalidRequest(
                f"curves: {law_id} has no published constants; give measured curves to fit",
                field="curves",
            )
        return _fit_law(request, law)
    return _prefitted(request)
