"""The README's notebook snippet runs as written against a real service."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_notebook_snippet(live_url: str) -> None:
    pytest.importorskip("pandas")
    snippet = re.search(r"In a notebook:\n\n```python\n(.*?)```", README, re.S)
    assert snippet is not None
    code = snippet.group(1).replace("http://127.0.0.1:8000", live_url)
    printed = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), namespace)
    table = namespace["table"]
    assert len(table) == 4  # type: ignore[arg-type]
    assert "loss" in printed.getvalue()


def test_big_sweep_snippet(live_url: str) -> None:
    """The summary snippet, run after the notebook one (as in a notebook): the client's frame
    and the one-call pandas frame hold the same table."""
    pd = pytest.importorskip("pandas")
    first = re.search(r"In a notebook:\n\n```python\n(.*?)```", README, re.S)
    snippet = re.search(r"Thousands of budgets:.*?```python\n(.*?)```", README, re.S)
    assert first is not None
    assert snippet is not None
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for code in (first.group(1), snippet.group(1)):
            code = code.replace("http://127.0.0.1:8000", live_url)
            exec(compile(code, "README.md", "exec"), namespace)
    big, frame = namespace["big"], namespace["frame"]
    assert len(big) == 1000  # type: ignore[arg-type]
    assert list(frame.columns) == list(big.columns)  # type: ignore[attr-defined]
    pd.testing.assert_series_equal(frame["params"], big["params"])  # type: ignore[index]
    assert frame["error"].isna().all()  # type: ignore[index]
