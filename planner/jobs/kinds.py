"""The questions a job can answer: one registry entry per kind.

A kind names its request model and how to answer it; the answer is the exact body the
synchronous endpoint gives for the same request. Adding a kind is one line in ``JOB_KINDS``,
e.g. ``"fit": JobKind(FitRequest, answering(fit))`` for a ``fit(request) -> BaseModel``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from laws_catalog.hardware import Device

from ..schemas.requests import PlanRequest, SweepRequest

__all__ = ["JOB_KINDS", "JobContext", "JobKind", "Progress", "answering"]

Progress = Callable[[int, int], None]
"""Called with (rows done, rows total) as the work advances."""


@dataclass(frozen=True)
class JobContext:
    devices: Mapping[str, Device]
    max_sweep_points: int
    progress: Progress


@dataclass(frozen=True)
class JobKind:
    request: type[BaseModel]
    answer: Callable[[Any, JobContext], bytes]
    """The synchronous endpoint's response body for this request."""
    rows: Callable[[Any], int] = lambda _request: 1
    """How many rows the progress counts to."""


def answering(question: Callable[[Any], BaseModel]) -> Callable[[Any, JobContext], bytes]:
    """A kind's answer from a function of the request alone (one row, no devices)."""
    return lambda request, _context: question(request).model_dump_json().encode()


def _plan(request: PlanRequest, context: JobContext) -> bytes:
    from ..planning.plan.pipeline import make_plan

    return make_plan(request, context.devices).model_dump_json().encode()


def _sweep_rows(request: SweepRequest) -> int:
    return len(request.budgets or request.targets or [])


_ROW_FIELD = re.compile(r"^(budgets|targets)\[(\d+)\]")

SWEEP_CHUNKS = 50
"""A sweep job runs in about this many chunks; progress is reported after each one (chunks
large enough that whatever a sweep shares across its rows is still shared within one)."""


def _chunks(request: SweepRequest, context: JobContext) -> Iterator[tuple[int, SweepRequest]]:
    """The sweep in about SWEEP_CHUNKS parts, each with the index of its first row; progress
    is reported once a part has been answered (when the next one is asked for)."""
    from ..errors import InvalidRequest

    total = _sweep_rows(request)
    list_field = "budgets" if request.budgets is not None else "targets"
    if total > context.max_sweep_points:
        raise InvalidRequest(
            f"{list_field}: {total} entries, at most {context.max_sweep_points} allowed in a job",
            field=list_field,
            allowed=f"1 to {context.max_sweep_points} entries",
        )
    items: list[Any] = list(request.budgets or request.targets or [])
    step = max(1, -(-total // SWEEP_CHUNKS))
    context.progress(0, total)
    for start in range(0, total, step):
        yield start, request.model_copy(update={list_field: items[start : start + step]})
        context.progress(min(start + step, total), total)


def _sweep(request: SweepRequest, context: JobContext) -> bytes:
    """``sweep`` chunk by chunk (progress after each), rows renumbered as one sweep would; the
    summary table when the request asks for it (``detail``)."""
    from laws_catalog import CATALOG

    from ..planning.sweep.run import sweep
    from ..schemas.responses import PlanResponse, SweepResponse, SweepRowError

    if request.detail == "summary":
        return _sweep_summary(request, context)
    rows: list[PlanResponse | SweepRowError] = []
    for start, part in _chunks(request, context):
        for row in sweep(part, max_points=context.max_sweep_points, devices=context.devices).rows:
            rows.append(_renumbered(row, start) if isinstance(row, SweepRowError) else row)
    return SweepResponse(rows=rows, catalog_version=CATALOG.version).model_dump_json().encode()


def _sweep_summary(request: SweepRequest, context: JobContext) -> bytes:
    """The summary (``sweep_summary_json``'s bytes), chunk by chunk, each row's index the
    sweep's."""
    from laws_catalog import CATALOG

    from ..planning.sweep.run import table_columns, table_records, units_of_table
    from ..planning.sweep.summary_json import summary_json

    def rows() -> Iterator[Iterable[object]]:
        for start, part in _chunks(request, context):
            records = table_records(
                part, max_points=context.max_sweep_points, devices=context.devices
            )
            for index, record in enumerate(records, start):
                yield (record | {"index": index}).values()

    units = units_of_table(request)
    return summary_json(table_columns(request), rows(), units, CATALOG.version)


def _renumbered(row: Any, offset: int) -> Any:
    field = row.field
    if field is not None:
        field = _ROW_FIELD.sub(lambda m: f"{m.group(1)}[{int(m.group(2)) + offset}]", field)
    return row.model_copy(update={"index": row.index + offset, "field": field})


JOB_KINDS: dict[str, JobKind] = {
    "plan": JobKind(PlanRequest, _plan),
    "sweep": JobKind(SweepRequest, _sweep, _sweep_rows),
}
