"""Many budgets or targets in one request; rows that fail carry their error, not the request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from laws_catalog import CATALOG
from laws_catalog.hardware import Device

from ...deadline import checkpoint
from ...errors import InvalidRequest, PlannerError
from ...schemas.requests import SweepRequest
from ...schemas.responses import PlanResponse, SweepResponse, SweepRowError
from ..laws.provenance import plan_units
from ..laws.selection import select_laws
from ..plan.pipeline import make_plan
from .batch import batch_records
from .csv_table import Record, csv_text, sweep_columns, sweep_record, table_units
from .json_rows import json_rows
from .summary_json import summary_json

__all__ = [
    "sweep",
    "sweep_json",
    "sweep_rows",
    "sweep_summary_json",
    "sweep_table",
    "table_columns",
    "table_records",
    "units_of_table",
]


def _checked(request: SweepRequest, max_points: int) -> str:
    """The row list's field name, once the request may be planned at all."""
    list_field = "budgets" if request.budgets is not None else "targets"
    count = len(request.budgets or request.targets or [])
    if count > max_points:
        raise InvalidRequest(
            f"{list_field}: {count} entries, at most {max_points} allowed",
            field=list_field,
            allowed=f"1 to {max_points} entries",
        )
    select_laws(request.laws)  # an unknown law fails the whole request, once
    return list_field


def sweep_rows(
    request: SweepRequest,
    *,
    max_points: int,
    devices: Mapping[str, Device] | None = None,
    indices: Sequence[int] | None = None,
) -> Iterator[PlanResponse | SweepRowError]:
    """The rows of :func:`sweep` one at a time (a CSV writer keeps none of them); only the
    rows at ``indices`` when given."""
    list_field = _checked(request, max_points)
    items = request.budgets or request.targets or []
    chosen = list(range(len(items))) if indices is None else list(indices)
    plans = request.plan_requests(None if indices is None else chosen)
    # make_plan is pure: equal rows share one answer (kept only for rows that repeat, so a
    # CSV sweep holds no plan longer than its line). Rows differ only in their budget or
    # target (the rest is the sweep's own), so that is the key.
    keys = [items[index].model_dump_json() for index in chosen]
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    answered: dict[str, PlanResponse] = {}
    for index, key, plan_request in zip(chosen, keys, plans, strict=True):
        checkpoint(f"sweep row {index + 1} of {len(items)}")
        if key in answered:  # a copy: later steps may annotate rows one by one
            yield answered[key].model_copy(deep=True)
            continue
        try:
            plan = make_plan(plan_request, devices)
            if key in repeated:
                answered[key] = plan
            yield plan
        except PlannerError as exc:
            if exc.status_code >= 500:
                raise
            body = exc.to_dict()
            field = body.get("field")
            if field is not None and field.split(".")[0] in ("budget", "target"):
                body["field"] = f"{list_field}[{index}]." + field.split(".", 1)[-1]
            yield SweepRowError(index=index, **body)


def sweep(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> SweepResponse:
    rows = list(sweep_rows(request, max_points=max_points, devices=devices))
    return SweepResponse(rows=rows, catalog_version=CATALOG.version)


def table_columns(request: SweepRequest) -> tuple[str, ...]:
    """The columns of the sweep's table (its CSV, its summary)."""
    return sweep_columns(request.uncertainty is not None)


def units_of_table(request: SweepRequest) -> dict[str, str]:
    """The units of the table's numeric columns under the sweep's laws (every row's)."""
    return table_units(table_columns(request), plan_units(select_laws(request.laws)))


def table_records(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> Iterator[Record]:
    """Each row's record (:func:`.csv_table.sweep_record`, the cells under
    :func:`table_columns`), in row order: the rows that differ only in their budget planned
    together (:mod:`.batch`, no plan built for them), each other row by ``make_plan`` as it
    is reached. The one source of the CSV and the summary JSON."""
    _checked(request, max_points)
    together = batch_records(request, devices)
    if together is None:
        together = [None] * len(request.budgets or request.targets or [])
    return _merged(request, together, max_points=max_points, devices=devices)


def _merged(
    request: SweepRequest,
    together: Sequence[Record | None],
    *,
    max_points: int,
    devices: Mapping[str, Device] | None,
) -> Iterator[Record]:
    columns = table_columns(request)
    left = [index for index, record in enumerate(together) if record is None]
    planned = sweep_rows(request, max_points=max_points, devices=devices, indices=left)
    for index, record in enumerate(together):
        row = record if record is not None else next(planned)
        yield sweep_record(index, row, columns, CATALOG.version)


def sweep_table(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> str:
    """The sweep as CSV, each row written as soon as it is planned."""
    records = table_records(request, max_points=max_points, devices=devices)
    return csv_text(table_columns(request), (record.values() for record in records))


def sweep_summary_json(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> bytes:
    """The sweep as the CSV's table in JSON (``detail: "summary"``, SweepSummaryResponse)."""
    records = table_records(request, max_points=max_points, devices=devices)
    return summary_json(
        table_columns(request),
        (record.values() for record in records),
        units_of_table(request),
        CATALOG.version,
    )


def sweep_json(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> bytes:
    """:func:`sweep` serialised (the same bytes), each row written as soon as it is planned."""
    rows = sweep_rows(request, max_points=max_points, devices=devices)
    return json_rows(rows, CATALOG.version)
