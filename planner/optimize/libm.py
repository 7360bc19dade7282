"""``math.log`` and ``math.exp`` over arrays, element by element.

The batch paths reproduce scalar code bit for bit. numpy's own ``log`` and ``exp`` may round
differently from the C library's in the last bit, so where the scalar code calls ``math``,
the batch calls it too, once per element; numpy does the additions, products and quotients,
which are IEEE-exact either way.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["exps", "logs"]

Floats = npt.NDArray[np.float64]


def logs(values: Floats) -> Floats:
    """``math.log`` of each element."""
    return np.array([math.log(v) for v in values.tolist()], dtype=float)


def exps(values: Floats) -> Floats:
    """``math.exp`` of each element."""
    return np.array([math.exp(v) for v in values.tolist()], dtype=float)
