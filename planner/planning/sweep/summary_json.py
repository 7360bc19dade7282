"""The summary sweep (``detail: "summary"``): the CSV's table as typed JSON.

The body is byte for byte ``SweepSummaryResponse(columns=..., rows=..., catalog_version=...)
.model_dump_json()``, written straight from the rows' records (:mod:`.csv_table`), so the rows
planned together (:mod:`.batch`) never become plans: a 10,000-row summary costs what the CSV
costs. Numbers stay numbers, text stays text, and a blank cell is null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic_core import to_json

__all__ = ["summary_json"]


def summary_json(
    columns: Sequence[str],
    rows: Iterable[Iterable[object]],
    units: Mapping[str, str],
    catalog_version: str,
) -> bytes:
    """``{"columns": [...], "rows": [[...], ...], "units": {...}, "catalog_version": ...}``;
    each row's cells in column order, ``""`` (the CSV's blank) written as null."""
    cells = [[None if value == "" else value for value in row] for row in rows]
    return to_json(
        {
            "columns": list(columns),
            "rows": cells,
            "units": dict(units),
            "catalog_version": catalog_version,
        }
    )
