"""Catalogue of published LLM scaling laws: formulas, named constant sets, references, ranges.

>>> from laws_catalog import CATALOG
>>> CATALOG.get("loss", "besiroglu2024").reference.arxiv
'2404.10102'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below are loaded on first use (see ``__getattr__``)
    from . import (
        allocation,
        data,
        hardware,
        hyperparams,
        inference,
        loss,
        loss_curve,
        precision,
        vocabulary,
    )
    from ._registry import (
        CATALOG,
        AnyLaw,
        Catalog,
        CatalogLookupError,
        ResolvedLaw,
        UnknownConstantSet,
        UnknownLaw,
        WrongFamily,
    )
    from ._types import ConstantSet, Evidence, GoldenVector, Interval, Reference
    from .allocation import Allocation, AllocationLaw
    from .law import Law, Traits
    from .loss import LossLaw, PosynomialLoss, PowerTerm
    from .quantities import GLOSSARY, Quantity

_HOME = {
    "CATALOG": "._registry",
    "AnyLaw": "._registry",
    "Law": ".law",
    "Traits": ".law",
    "Catalog": "._registry",
    "CatalogLookupError": "._registry",
    "ResolvedLaw": "._registry",
    "UnknownConstantSet": "._registry",
    "UnknownLaw": "._registry",
    "WrongFamily": "._registry",
    "ConstantSet": "._types",
    "Evidence": "._types",
    "GoldenVector": "._types",
    "Interval": "._types",
    "Reference": "._types",
    "Allocation": ".allocation",
    "AllocationLaw": ".allocation",
    "LossLaw": ".loss",
    "PosynomialLoss": ".loss",
    "PowerTerm": ".loss",
    "GLOSSARY": ".quantities",
    "Quantity": ".quantities",
}
FAMILIES = (
    "allocation",
    "data",
    "hardware",
    "hyperparams",
    "inference",
    "loss",
    "loss_curve",
    "precision",
    "vocabulary",
)


def __getattr__(name: str) -> object:
    """Import on first use, so ``from laws_catalog import Reference`` stays light (no SciPy).

    The catalogue registers every family's laws the first time it is looked up
    (:meth:`Catalog.load_all`), whichever module asked first.
    """
    if name in FAMILIES:
        return importlib.import_module(f".{name}", __name__)
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "CATALOG",
    "GLOSSARY",
    "Allocation",
    "AllocationLaw",
    "AnyLaw",
    "Catalog",
    "CatalogLookupError",
    "ConstantSet",
    "Evidence",
    "GoldenVector",
    "Interval",
    "Law",
    "LossLaw",
    "PosynomialLoss",
    "PowerTerm",
    "Quantity",
    "Reference",
    "ResolvedLaw",
    "Traits",
    "UnknownConstantSet",
    "UnknownLaw",
    "WrongFamily",
    "allocation",
    "data",
    "hardware",
    "hyperparams",
    "inference",
    "loss",
    "loss_curve",
    "precision",
    "vocabulary",
]
