"""Vocabulary-size laws. Importing this package registers every module's law.

>>> from laws_catalog import CATALOG
>>> from laws_catalog.vocabulary import VocabularyLaw, advise
>>> law = CATALOG.resolve("vocabulary", "tao2024@parametric", VocabularyLaw).law
>>> answer = advise(law, 7e9, d_model=4096)
>>> round(answer.vocab_size), f"{answer.flops:.3g}"
(59548, '7.05e+21')
"""

from . import (
    tao2024,
)
from ._law import VocabularyAdvice, VocabularyLaw, VocabularyTraits, advise, advise_for_tokens

__all__ = [
    "VocabularyAdvice",
    "VocabularyLaw",
    "VocabularyTraits",
    "advise",
    "advise_for_tokens",
    "tao2024",
]
