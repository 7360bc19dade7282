"""What ``GET /v1/jobs/{id}`` reports, independent of the executor, and the executors' API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, Protocol

from .execute import Outcome

__all__ = ["JobExecutor", "JobStatus", "JobView", "QueueUnavailable"]

JobStatus = Literal["queued", "running", "finished", "failed", "expired"]


class QueueUnavailable(Exception):
    """The job queue (Redis) cannot take or report jobs right now."""


@dataclass(frozen=True)
class JobView:
    id: str
    status: JobStatus
    kind: str | None = None
    done: int = 0
    total: int = 0
    outcome: Outcome | None = None
    failure: str | None = None
    """Why a job failed outside the planner (worker crash, timeout)."""

    def to_json(self) -> bytes:
        """The status body; a result is spliced in as the raw JSON the worker produced."""
        head: dict[str, object] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
        }
        text = json.dumps(head)[:-1]
        if self.outcome is not None and self.outcome["status_code"] == 200:
            return f'{text}, "result": {self.outcome["body"]}}}'.encode()
        if self.outcome is not None:
            code = self.outcome["status_code"]
            return f'{text}, "status_code": {code}, "error": {self.outcome["body"]}}}'.encode()
        if self.failure is not None:
            error = {"error": "JobFailed", "detail": self.failure}
            return f'{text}, "status_code": 500, "error": {json.dumps(error)}}}'.encode()
        return f"{text}}}".encode()


class JobExecutor(Protocol):
    name: str

    async def submit(self, kind: str, request_json: str, rows: int) -> str:
        """Queue a validated request; return the job id."""
        ...

    async def get(self, job_id: str) -> JobView | None:
        """The job's state; None when no such job was ever issued."""
        ...

    async def close(self) -> None: ...
