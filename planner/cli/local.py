"""Answering here: the same functions the service calls, imported only when a command runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = [
    "continual",
    "fit",
    "frontier_picture",
    "loss_curve",
    "mixture",
    "plan",
    "predict",
    "sweep",
    "sweep_picture",
    "vocabulary",
]

Devices = Mapping[str, Any]
ImageFormat = Literal["svg", "png"]


def plan(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.plan.pipeline import make_plan
    from ..schemas.requests import PlanRequest

    return make_plan(PlanRequest.model_validate(body), devices)


def predict(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.questions.predict import predict as predict_loss
    from ..schemas.requests import PredictRequest

    return predict_loss(PredictRequest.model_validate(body))


def sweep(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.sweep.run import sweep as sweep_budgets
    from ..planning.sweep.run import sweep_summary_json
    from ..schemas.requests import SweepRequest
    from ..schemas.responses import SweepSummaryResponse

    request = SweepRequest.model_validate(body)
    if request.detail == "summary":
        table = sweep_summary_json(request, max_points=100_000, devices=devices)
        return SweepSummaryResponse.model_validate_json(table)
    return sweep_budgets(request, max_points=100_000, devices=devices)


def vocabulary(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.questions.vocabulary import best_vocabulary
    from ..schemas.side_questions import VocabularyRequest

    return best_vocabulary(VocabularyRequest.model_validate(body))


def mixture(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.questions.mixture import best_mixture
    from ..schemas.side_questions import MixtureRequest

    return best_mixture(MixtureRequest.model_validate(body))


def continual(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.questions.mixture import best_continual_ratio
    from ..schemas.side_questions import ContinualRequest

    return best_continual_ratio(ContinualRequest.model_validate(body))


def loss_curve(body: dict[str, Any], devices: Devices) -> Any:
    from ..planning.questions.loss_curve import loss_curve as fit_curve
    from ..schemas.side_questions import LossCurveRequest

    return fit_curve(LossCurveRequest.model_validate(body))


def fit(body: dict[str, Any], devices: Devices) -> Any:
    from ..fitting.service import fit_runs
    from ..schemas.fit import FitRequest

    return fit_runs(FitRequest.model_validate(body))


def frontier_picture(body: dict[str, Any], devices: Devices, fmt: ImageFormat) -> bytes:
    from ..plots import frontier_figure
    from ..schemas.requests import PlanRequest

    return frontier_figure(PlanRequest.model_validate(body), fmt, devices)


def sweep_picture(body: dict[str, Any], devices: Devices, fmt: ImageFormat) -> bytes:
    from ..plots import sweep_figure
    from ..schemas.requests import SweepRequest

    return sweep_figure(SweepRequest.model_validate(body), fmt, devices)
