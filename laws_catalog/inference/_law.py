"""What the inference family declares about an entry (nothing beyond the common record).

These entries (a serving cost model, a parallel-stream law, compute accounting, lifetime
cost) are not loss laws in (N, D), so the planner does not optimise over them directly; it
calls their module functions and cites the record (law key, constant set, evidence) in its
provenance. The ``kind`` of the record says which of the four it is.
"""

from __future__ import annotations

from ..law import Law, Traits

__all__ = ["InferenceLaw", "InferenceTraits"]


class InferenceTraits(Traits):
    """An inference-family entry declares nothing beyond the common record."""


InferenceLaw = Law[InferenceTraits]
"""An entry of the inference family."""
