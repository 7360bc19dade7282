"""A summary sweep (``detail: "summary"``) holds the CSV's cells, typed."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

__all__ = ["INTEGER_COLUMNS", "TEXT_COLUMNS", "assert_summary_is_csv"]

TEXT_COLUMNS = frozenset(
    {
        "given_as",
        "gpu",
        "params_definition",
        "loss_law",
        "allocation_law",
        "binding_constraints",
        "warnings",
        "error",
        "error_detail",
        "catalog_version",
        "uncertainty_method",
    }
)
INTEGER_COLUMNS = frozenset(
    {
        "index",
        "vocab_size",
        "n_layer",
        "d_model",
        "batch_size_sequences",
        "steps",
        "parallel_streams",
        "uncertainty_samples",
    }
)


def assert_summary_is_csv(summary: bytes | str | dict[str, Any], csv_text: str) -> dict[str, Any]:
    """Every cell of the summary is the CSV's cell: null where the CSV is blank, else a value
    whose ``str`` is the CSV's text (the CSV writes ``str`` of the same record's value, so a
    float is the same float bit for bit); text columns are strings, the others JSON numbers
    (integers where the column counts things), and every column holding numbers has its
    unit. Returns the parsed summary."""
    body = summary if isinstance(summary, dict) else json.loads(summary)
    lines = list(csv.reader(io.StringIO(csv_text)))
    columns = body["columns"]
    assert columns == lines[0]
    assert len(body["rows"]) == len(lines) - 1
    for number, (row, line) in enumerate(zip(body["rows"], lines[1:], strict=True)):
        assert len(row) == len(columns), number
        for column, value, cell in zip(columns, row, line, strict=True):
            where = f"row {number} {column}: {value!r} vs {cell!r}"
            if value is None:
                assert cell == "", where
                continue
            assert value != "", where  # a blank cell is null, never ""
            assert str(value) == cell, where
            if column in TEXT_COLUMNS:
                assert isinstance(value, str), where
            elif column in INTEGER_COLUMNS:
                assert type(value) is int, where
            else:
                assert type(value) in (int, float), where
                assert column in body["units"], f"{column} has numbers but no unit"
    return body
