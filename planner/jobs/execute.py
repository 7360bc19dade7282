"""Answer one job, whatever runs it, as an :class:`Outcome`: the status code and body the
synchronous endpoint would have given (a 4xx error body included), never an exception."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TypedDict

from pydantic import ValidationError

from laws_catalog.hardware import Device

from ..errors import PlannerError
from .kinds import JOB_KINDS, JobContext, Progress

__all__ = ["Outcome", "run_job"]

log = logging.getLogger(__name__)


class Outcome(TypedDict):
    status_code: int
    body: str
    """The JSON text of the answer (status 200) or of the error body."""


def run_job(
    kind: str,
    request_json: str,
    *,
    devices: Mapping[str, Device],
    max_sweep_points: int,
    progress: Progress,
) -> Outcome:
    from ..api.errors import validation_body

    job_kind = JOB_KINDS[kind]
    try:
        request = job_kind.request.model_validate_json(request_json)
        context = JobContext(devices, max_sweep_points, progress)
        return {"status_code": 200, "body": job_kind.answer(request, context).decode()}
    except PlannerError as exc:
        if exc.status_code >= 500:
            log.error("job %s failed: %s", kind, exc.message)
        return {"status_code": exc.status_code, "body": json.dumps(exc.to_dict())}
    except ValidationError as exc:
        return {"status_code": 422, "body": json.dumps(validation_body(exc.errors()))}
