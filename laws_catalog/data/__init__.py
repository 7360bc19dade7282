"""data laws: repetition (data-constrained training) and data-mixture laws.

Importing this package registers every module's law. ``multisource`` is a documented model
built on the repetition law, not a catalogue entry (see its docstring).
"""

from . import muennighoff2023, multisource, que2024, ye2024
from ._fit_only import FitOnlyLaw
from ._fitting import FitQuality
from ._law import RepetitionLaw
from ._repetition import RepetitionConstants

__all__ = [
    "FitOnlyLaw",
    "FitQuality",
    "RepetitionConstants",
    "RepetitionLaw",
    "muennighoff2023",
    "multisource",
    "que2024",
    "ye2024",
]
