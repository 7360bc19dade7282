"""Big questions as background jobs: submit, then poll status, progress and result."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError

from ...errors import InvalidRequest, NotFound
from ...jobs.kinds import JOB_KINDS
from ...jobs.views import QueueUnavailable
from ...schemas.responses import ErrorBody
from ..errors import validation_body
from ..services import Services, get_services

router = APIRouter(tags=["jobs"])

ServicesDep = Annotated[Services, Depends(get_services)]
_JOB_ID = re.compile(r"[0-9a-f]{32}")
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "the job queue is unreachable"}
}


class JobSubmission(BaseModel):
    kind: str = Field(description=f"which question: one of {', '.join(JOB_KINDS)}")
    request: dict[str, Any] = Field(
        description="the body the question's synchronous endpoint (POST /v1/<kind>) takes"
    )


class JobAccepted(BaseModel):
    id: str
    kind: str
    status: str
    location: str


class JobProgress(BaseModel):
    done: int
    total: int = Field(description="rows (sweep budgets or targets; 1 for a plan)")


class JobState(BaseModel):
    id: str
    kind: str | None
    status: str = Field(description="queued, running, finished, failed or expired")
    progress: JobProgress
    result: dict[str, Any] | None = Field(
        default=None, description="finished: the synchronous endpoint's response body"
    )
    status_code: int | None = Field(
        default=None, description="failed: the status the synchronous endpoint would give"
    )
    error: ErrorBody | None = Field(default=None, description="failed: its error body")


def _unavailable(exc: QueueUnavailable) -> JSONResponse:
    body = {"error": "QueueUnavailable", "detail": str(exc)}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobAccepted,
    responses={422: {"model": ErrorBody}, **_UNAVAILABLE},
)
async def post_job(body: JobSubmission, services: ServicesDep) -> Response:
    """Queue a plan or sweep (any size up to `job_max_sweep_points`); poll the Location."""
    kind = JOB_KINDS.get(body.kind)
    if kind is None:
        raise InvalidRequest(f"no job kind {body.kind!r}", field="kind", allowed=sorted(JOB_KINDS))
    try:
        request = kind.request.model_validate(body.request)
    except ValidationError as exc:
        errors = [{**e, "loc": ("request", *e["loc"])} for e in exc.errors()]
        return JSONResponse(validation_body(errors), status_code=422)
    rows, most = kind.rows(request), services.settings.job_max_sweep_points
    if rows > most:
        raise InvalidRequest(
            f"{rows} rows, at most {most} allowed in a job",
            field="request." + ("budgets" if "budgets" in body.request else "targets"),
            allowed=f"1 to {most} entries",
        )
    try:
        job_id = await services.jobs.submit(body.kind, json.dumps(body.request), rows)
    except QueueUnavailable as exc:
        return _unavailable(exc)
    location = f"/v1/jobs/{job_id}"
    accepted = {"id": job_id, "kind": body.kind, "status": "queued", "location": location}
    return JSONResponse(accepted, status_code=202, headers={"Location": location})


@router.get(
    "/jobs/{job_id}",
    response_model=JobState,
    responses={404: {"model": ErrorBody}, **_UNAVAILABLE},
)
async def get_job(job_id: str, services: ServicesDep) -> Response:
    """Status, progress (rows done of total) and, once finished, the result or the error."""
    try:
        view = await services.jobs.get(job_id) if _JOB_ID.fullmatch(job_id) else None
    except QueueUnavailable as exc:
        return _unavailable(exc)
    if view is None:
        raise NotFound(f"no job {job_id!r}", field="job_id")
    return Response(view.to_json(), media_type="application/json")
