"""Side questions: loss curves, best vocabulary of a fixed model, data mixtures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...planning.questions.loss_curve import loss_curve
from ...planning.questions.mixture import best_continual_ratio, best_mixture
from ...planning.questions.vocabulary import best_vocabulary
from ...schemas.responses import ErrorBody
from ...schemas.side_questions import (
    ContinualRequest,
    ContinualResponse,
    LossCurveRequest,
    LossCurveResponse,
    MixtureRequest,
    MixtureResponse,
    VocabularyRequest,
    VocabularyResponse,
)
from ..services import Services, answer, get_services

router = APIRouter(tags=["side questions"])

ServicesDep = Annotated[Services, Depends(get_services)]
_ERRORS: dict[int | str, dict[str, object]] = {422: {"model": ErrorBody}}


@router.post("/loss-curve", response_model=LossCurveResponse, responses=_ERRORS)
async def post_loss_curve(body: LossCurveRequest, services: ServicesDep) -> Response:
    """Fit the LR-annealing law to your curves; predict the loss under another schedule."""
    return await answer(
        services,
        endpoint="loss-curve",
        question=body,
        compute=lambda: loss_curve(body).model_dump_json().encode(),
    )


@router.post("/vocabulary", response_model=VocabularyResponse, responses=_ERRORS)
async def post_vocabulary(body: VocabularyRequest, services: ServicesDep) -> Response:
    """Best vocabulary of a model at a budget or for a fixed token count."""
    return await answer(
        services,
        endpoint="vocabulary",
        question=body,
        compute=lambda: best_vocabulary(body).model_dump_json().encode(),
    )


@router.post("/mixture", response_model=MixtureResponse, responses=_ERRORS)
async def post_mixture(body: MixtureRequest, services: ServicesDep) -> Response:
    """Fit the data-mixing law to your runs and return the best mixture over the simplex."""
    return await answer(
        services,
        endpoint="mixture",
        question=body,
        compute=lambda: best_mixture(body).model_dump_json().encode(),
    )


@router.post("/continual-pretraining", response_model=ContinualResponse, responses=_ERRORS)
async def post_continual_pretraining(body: ContinualRequest, services: ServicesDep) -> Response:
    """Fit the D-CPT law to domain and general losses; best domain ratio for (N, D)."""
    return await answer(
        services,
        endpoint="continual-pretraining",
        question=body,
        compute=lambda: best_continual_ratio(body).model_dump_json().encode(),
    )
