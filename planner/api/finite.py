"""Last line against NaN and infinity in an answer.

Answer models refuse non-finite numbers when they are built (``allow_inf_nan=False``), so a
computation that produced one fails instead of sending ``null`` in a number field. This turns
that failure into a documented 422 naming the output field, not a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from ..errors import InvalidRequest

__all__ = ["NonFiniteAnswer", "refusing_non_finite"]

T = TypeVar("T")


class NonFiniteAnswer(InvalidRequest):
    """The inputs lead outside what the laws can evaluate (an answer was NaN or infinite)."""


def refusing_non_finite(compute: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        try:
            return compute()
        except ValidationError as exc:
            bad = [e for e in exc.errors() if e.get("type") == "finite_number"]
            if not bad:
                raise
            where = ".".join(str(p) for p in bad[0].get("loc", ())) or "answer"
            raise NonFiniteAnswer(
                f"the answer's {where} is not a finite number: the inputs lie outside what the "
                "selected laws can evaluate; use values nearer the laws' fitted ranges",
                field="body",
                allowed="inputs whose answer is finite",
            ) from None

    return run
