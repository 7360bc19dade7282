"""Inference-side entries: serving cost model, parallel streams, retrieval, lifetime cost.

Importing this package registers every module's catalogue record:

* ``roofline``: latency per token, time to first token, memory, throughput (cost model);
  ``limits``: the largest parameter count under a latency or memory limit;
* ``parscale2025``: loss of P parallel streams and their training/serving costs;
* ``massiveds2024``: retrieval-datastore compute accounting (no fitted law exists);
* ``sardana2024``: lifetime training + inference FLOPs and dollars, with a reference solver.
"""

from . import (
    limits,
    massiveds2024,
    parscale2025,
    roofline,
    sardana2024,
)
from ._law import InferenceLaw
from ._serving import (
    Accelerators,
    Efficiency,
    MemoryBreakdown,
    RequestCost,
    ServedModel,
    ServingEstimate,
    ServingPrecision,
    StepCost,
)

__all__ = [
    "Accelerators",
    "Efficiency",
    "InferenceLaw",
    "MemoryBreakdown",
    "ServedModel",
    "RequestCost",
    "ServingEstimate",
    "ServingPrecision",
    "StepCost",
    "limits",
    "massiveds2024",
    "parscale2025",
    "roofline",
    "sardana2024",
]
