"""Vocabulary-size laws. Importing this package registers every module's law.

>>> from laws_catalog import CATALOG
>>> from laws_catalog.vocabulary import VocabularyLaw
>>> law = CATALOG.resolve("vocabulary", "tao2024@parametric", VocabularyLaw).law
>>> advice = law.advise(7e9, d_model=4096)
>>> round(advice.vocab_size), f"{advice.flops:.3g}"
(59548, '7.05e+21')
"""

from . import (
    tao2024,
)
from ._law import VocabularyAdvice, VocabularyLaw

__all__ = ["VocabularyAdvice", "VocabularyLaw", "tao2024"]
