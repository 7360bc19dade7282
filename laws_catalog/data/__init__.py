"""data laws: repetition (data-constrained training) and data-mixture laws.

Importing this package registers every module's law. ``multisource`` is a documented model
built on the repetition law, not a catalogue entry (see its docstring).
"""

from . import muennighoff2023, multisource, que2024, ye2024
from ._fitting import FitQuality
from ._law import (
    MixtureLaw,
    MixtureTraits,
    RepetitionLaw,
    RepetitionTraits,
    constant_values,
    repetition_constants,
    resolve_constants,
    with_base_constants,
)
from ._repetition import RepetitionConstants

__all__ = [
    "FitQuality",
    "MixtureLaw",
    "MixtureTraits",
    "RepetitionConstants",
    "RepetitionLaw",
    "RepetitionTraits",
    "constant_values",
    "muennighoff2023",
    "multisource",
    "que2024",
    "repetition_constants",
    "resolve_constants",
    "with_base_constants",
    "ye2024",
]
