"""precision laws. Importing this package registers every module's law.

Number formats are in :mod:`.formats`; the planner-facing questions (formats a device trains in,
loss penalty of a training format, serving loss and memory, best format under a memory limit)
are answered by :mod:`.decisions`.
"""

from . import decisions, formats, kumar2024, ouyang2024, sun2025
from ._law import FloatLayout, PrecisionLaw, PrecisionTraits
from .decisions import (
    FormatPeak,
    PrecisionEstimate,
    ServingChoice,
    ServingEstimate,
    best_serving_format,
    serving_estimate,
    supports,
    training_formats,
    training_penalty,
)
from .formats import FORMATS, NumberFormat, UnknownFormat, number_format

__all__ = [
    "FORMATS",
    "FloatLayout",
    "FormatPeak",
    "NumberFormat",
    "PrecisionEstimate",
    "PrecisionLaw",
    "PrecisionTraits",
    "ServingChoice",
    "ServingEstimate",
    "UnknownFormat",
    "best_serving_format",
    "decisions",
    "formats",
    "kumar2024",
    "number_format",
    "ouyang2024",
    "serving_estimate",
    "sun2025",
    "supports",
    "training_formats",
    "training_penalty",
]
