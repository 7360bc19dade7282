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
