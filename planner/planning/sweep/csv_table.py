"""A sweep as a table, one row per budget: each row's record (the CSV's cells) and the CSV.

The same records make the CSV and the summary JSON (:mod:`.summary_json`): a record maps every
column, in order, to its value, ``""`` for a blank cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from ...schemas.responses import (
    PlanResponse,
    SweepResponse,
    SweepRowError,
    SweepSummaryResponse,
)
from .uncertainty_csv import INTERVAL_FIELDS, interval_cells, interval_columns

__all__ = [
    "CSV_COLUMNS",
    "Record",
    "blank",
    "csv_text",
    "sweep_columns",
    "sweep_csv",
    "sweep_record",
    "sweep_records",
    "table_units",
]

Record = dict[str, object]

CSV_COLUMNS = (
    "index",
    "given_as",
    "flops",
    "flops_unspent",
    "gpu",
    "gpu_hours",
    "dollars",
    "target_loss",
    "params",
    "params_definition",
    "tokens",
    "tokens_per_param",
    "loss",
    "downstream_error",
    "params_total",
    "vocab_size",
    "n_layer",
    "d_model",
    "learning_rate",
    "batch_size_tokens",
    "batch_size_sequences",
    "steps",
    "unique_tokens",
    "epochs",
    "parallel_streams",
    "decode_ms_per_token_worst",
    "time_to_first_token_ms",
    "serving_memory_per_device",
    "lifetime_flops",
    "loss_law",
    "allocation_law",
    "loss_change_per_10pct_more_budget",
    "binding_constraints",
    "warnings",
    "error",
    "error_detail",
    "catalog_version",
)


def _law(plan: PlanResponse, role: str) -> str:
    for use in plan.provenance:
        if use.role == role:
            return f"{use.law}@{use.constant_set}"
    return ""


def blank(value: object) -> object:
    """A cell: ``""`` where the value is missing."""
    return "" if value is None else value


def _row(index: int, plan: PlanResponse) -> dict[str, object]:
    budget_margin = next(
        (
            m.delta
            for m in plan.marginal_values
            if m.resource.startswith("budget.") and m.relaxation == "+10%"
        ),
        "",
    )
    served = plan.inference
    streams = served.parallel_streams if served is not None else None
    lifetime = served.lifetime if served is not None else None
    worst = served.worst_decode_s_per_token if served is not None else None
    first = served.time_to_first_token_s if served is not None else None
    return {
        "index": index,
        "given_as": plan.budget.given_as,
        "flops": plan.plan.flops,
        "flops_unspent": blank(plan.budget.flops_unspent),
        "gpu": plan.budget.gpu or "",
        "gpu_hours": plan.budget.gpu_hours if plan.budget.gpu_hours is not None else "",
        "dollars": plan.budget.dollars if plan.budget.dollars is not None else "",
        "target_loss": (plan.target or {}).get("loss", ""),
        "params": plan.plan.params,
        "params_definition": plan.plan.params_definition,
        "tokens": plan.plan.tokens,
        "tokens_per_param": plan.plan.tokens_per_param,
        "loss": plan.plan.loss,
        "downstream_error": plan.plan.downstream_error
        if plan.plan.downstream_error is not None
        else "",
        "params_total": blank(plan.plan.params_total),
        "vocab_size": blank(plan.plan.vocab_size),
        "n_layer": blank(plan.plan.shape.n_layer if plan.plan.shape else None),
        "d_model": blank(plan.plan.shape.d_model if plan.plan.shape else None),
        "learning_rate": blank(plan.plan.learning_rate),
        "batch_size_tokens": blank(plan.plan.batch_size_tokens),
        "batch_size_sequences": blank(plan.plan.batch_size_sequences),
        "steps": blank(plan.plan.steps),
        "unique_tokens": blank(plan.plan.unique_tokens),
        "epochs": blank(plan.plan.epochs),
        "parallel_streams": blank(streams.streams if streams is not None else None),
        "decode_ms_per_token_worst": blank(None if worst is None else worst * 1e3),
        "time_to_first_token_ms": blank(None if first is None else first * 1e3),
        "serving_memory_per_device": blank(served.memory.per_device if served else None),
        "lifetime_flops": blank(lifetime.total_flops if lifetime is not None else None),
        "loss_law": _law(plan, "loss"),
        "allocation_law": _law(plan, "allocation"),
        "loss_change_per_10pct_more_budget": budget_margin,
        "binding_constraints": ";".join(plan.binding_constraints),
        "warnings": ";".join(sorted({w.code for w in plan.warnings})),
        "error": "",
        "error_detail": "",
        "catalog_version": plan.catalog_version,
    }


_TABLE_UNITS = {
    "index": "row of the request's budgets or targets, from 0",
    "flops_unspent": "FLOPs of the budget left unspent (within budget.loss_tolerance of the "
    "loss the whole budget buys)",
    "gpu_hours": "GPU-hours on gpu at the budget's number format and MFU",
    "dollars": "US dollars at the budget's price per GPU-hour",
    "n_layer": "transformer layers of the model's shape",
    "d_model": "model width of the shape (hidden size)",
    "unique_tokens": "tokens: unique data available",
    "epochs": "passes over the unique data (tokens / unique_tokens)",
    "parallel_streams": "parallel streams P (ParScale)",
    "decode_ms_per_token_worst": "milliseconds per generated token, slowest request",
    "time_to_first_token_ms": "milliseconds",
    "serving_memory_per_device": "bytes per device: weights, KV cache and prefill logits",
    "lifetime_flops": "FLOPs: training plus inference over the model's life",
    "uncertainty_level": "fraction: the central interval's probability",
    "uncertainty_samples": "samples of the loss law's constants behind the intervals",
}
"""Units of the columns that are not a plan's own fields (those take the plan's units)."""


def table_units(columns: Sequence[str], plan_units: Mapping[str, str]) -> dict[str, str]:
    """The unit of each numeric column of the table, from the units of the plans it lists
    (``PlanResponse.units``, the same for every row of one sweep) and the table's own."""
    loss = plan_units["loss"]
    units = {
        **_TABLE_UNITS,
        **plan_units,
        "target_loss": loss,
        "loss_change_per_10pct_more_budget": f"change of the loss ({loss}) with 10 % more budget",
    }
    for name in INTERVAL_FIELDS:
        if name in units:
            for side in ("low", "high"):
                units[f"{name}_{side}"] = f"{units[name]}; the interval's {side} end"
    return {column: units[column] for column in columns if column in units}


def sweep_columns(uncertain: bool) -> tuple[str, ...]:
    """The CSV's columns: the fixed ones, and ``*_low``/``*_high`` when intervals were asked."""
    return CSV_COLUMNS + (interval_columns() if uncertain else ())


def sweep_record(
    index: int,
    row: PlanResponse | SweepRowError | Record,
    columns: tuple[str, ...],
    catalog_version: str,
) -> Record:
    """The row's cells under ``columns``, in their order (``""`` where blank); a record of
    the batch path (:mod:`.batch`) is already one."""
    if isinstance(row, dict):
        cells = row
    elif isinstance(row, PlanResponse):
        cells = _row(index, row)
        if len(columns) > len(CSV_COLUMNS):
            cells |= interval_cells(row)
    else:
        cells = {
            "index": row.index,
            "error": row.error,
            "error_detail": row.detail,
            "catalog_version": catalog_version,
        }
    if tuple(cells) == columns:
        return cells
    return {column: blank(cells.get(column)) for column in columns}


def _has_intervals(rows: Iterable[PlanResponse | SweepRowError]) -> bool:
    return any(isinstance(row, PlanResponse) and row.uncertainty for row in rows)


def sweep_records(response: SweepResponse) -> list[Record]:
    """One flat record per sweep row, with the CSV's columns (blank where not applicable)."""
    columns = sweep_columns(_has_intervals(response.rows))
    return [
        sweep_record(index, row, columns, response.catalog_version)
        for index, row in enumerate(response.rows)
    ]


def csv_text(columns: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """The header and one CSV line per row of cells (in column order), written as they come."""
    out = io.StringIO()
    lines = csv.writer(out, lineterminator="\n")
    lines.writerow(columns)
    lines.writerows(rows)
    return out.getvalue()


def sweep_csv(response: SweepResponse | SweepSummaryResponse) -> str:
    """The CSV of a sweep answer, full or summary (the same text either way)."""
    if isinstance(response, SweepSummaryResponse):
        return csv_text(response.columns, response.rows)
    return csv_text(
        sweep_columns(_has_intervals(response.rows)),
        (record.values() for record in sweep_records(response)),
    )
