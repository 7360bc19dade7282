"""Runs as CSV (columns ``params,tokens,loss[,run]``), for spreadsheets and the CLI."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..errors import InvalidRequest
from ..schemas.fit import MAX_FIT_POINTS

__all__ = ["CSV_COLUMNS", "runs_from_csv"]

CSV_COLUMNS = ("params", "tokens", "loss", "run")
_REQUIRED = ("params", "tokens", "loss")


def _number(text: str, line: int, column: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        raise InvalidRequest(
            f"line {line}, column {column}: {text!r} is not a number",
            field=f"line {line}.{column}",
            allowed="a positive finite number",
        ) from None


def runs_from_csv(text: str) -> list[dict[str, Any]]:
    """The ``runs`` list of a fit request; row ``i`` of the result is data line ``i + 2``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in _REQUIRED if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        what = f"missing {missing}" if missing else f"unknown {unknown}"
        raise InvalidRequest(
            f"CSV header: {what} columns (got {header})",
            field="csv header",
            allowed=f"columns {', '.join(CSV_COLUMNS)} (run optional)",
        )
    reader.fieldnames = header
    runs: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        if len(runs) >= MAX_FIT_POINTS:
            raise InvalidRequest(
                f"CSV: more than {MAX_FIT_POINTS} data lines",
                field="runs",
                allowed=f"at most {MAX_FIT_POINTS} points",
            )
        if None in row:
            raise InvalidRequest(
                f"line {line}: more fields than the header's {len(header)} columns",
                field=f"line {line}",
            )
        item: dict[str, Any] = {
            name: _number((row.get(name) or "").strip(), line, name) for name in _REQUIRED
        }
        name = (row.get("run") or "").strip()
        if name:
            item["run"] = name
        runs.append(item)
    if not runs:
        raise InvalidRequest("CSV: no data lines", field="runs", allowed="at least one run")
    return runs
