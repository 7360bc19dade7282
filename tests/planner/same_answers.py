"""Two answers equal number by number: floats to 1e-9 relative (unless told), everything else
exactly."""

from __future__ import annotations

import math
from typing import Any

import pytest

__all__ = ["assert_same"]


def assert_same(a: Any, b: Any, path: str = "", *, rel: float = 1e-9) -> None:
    """``a`` and ``b`` (JSON-like values) agree, floats to ``rel``; ``path`` names where they
    first differ."""
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=rel, abs=0.0) or (math.isnan(a) and math.isnan(b)), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}", rel=rel)
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]", rel=rel)
    else:
        assert a == b, path
