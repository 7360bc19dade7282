"""The catalogue: registration, lookup by ``family/id`` and ``ID@CONSTANT_SET`` references."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._types import ConstantSet
from .law import Law

AnyLaw = Law[Any]
"""A registered law of any family."""

__all__ = [
    "CATALOG",
    "AnyLaw",
    "Catalog",
    "CatalogLookupError",
    "ResolvedLaw",
    "UnknownConstantSet",
    "UnknownLaw",
    "WrongFamily",
]

L = TypeVar("L", bound=AnyLaw)
L_co = TypeVar("L_co", bound=AnyLaw, covariant=True)


class CatalogLookupError(LookupError):
    """A law reference could not be resolved; ``allowed`` lists what would have worked."""

    def __init__(self, message: str, *, allowed: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = allowed


class UnknownLaw(CatalogLookupError):
    """No law with that id in the family."""


class WrongFamily(CatalogLookupError):
    """The id exists, but only in other families (e.g. an allocation used as a loss law)."""


class UnknownConstantSet(CatalogLookupError):
    """The law exists but has no constant set of that name."""


@dataclass(frozen=True, slots=True)
class ResolvedLaw(Generic[L_co]):
    """A law with one of its constant sets chosen."""

    law: L_co
    constants: ConstantSet

    @property
    def ref(self) -> str:
        return f"{self.law.id}@{self.constants.name}"


class Catalog:
    """All registered laws, keyed by ``family/id``."""

    def __init__(self) -> None:
        self._laws: dict[str, AnyLaw] = {}
        self._version: str | None = None
        self._loaded = False

    def load_all(self) -> None:
        """Import every family package once (each registers its laws on import).

        Lookups call this, so the catalogue is complete whichever module was imported first,
        while importing one light module of the package (say its reference types) stays cheap.
        """
        if self._loaded:
            return
        self._loaded = True
        import importlib

        from . import FAMILIES

        for family in FAMILIES:
            importlib.import_module(f"laws_catalog.{family}")

    def register(self, law: L) -> L:
        if law.key in self._laws:
            raise ValueError(f"law {law.key} registered twice")
        self._laws[law.key] = law
        self._version = None
        return law

    def all_laws(self) -> list[AnyLaw]:
        self.load_all()
        return sorted(self._laws.values(), key=lambda law: (law.family, law.id))

    def families(self) -> list[str]:
        self.load_all()
        return sorted({law.family for law in self._laws.values()})

    def ids(self, family: str) -> list[str]:
        self.load_all()
        return sorted(law.id for law in self._laws.values() if law.family == family)

    def find(self, law_id: str) -> list[AnyLaw]:
        """Every entry with this id, across families (one paper, several laws)."""
        return [law for law in self.all_laws() if law.id == law_id]

    def get(self, family: str, law_id: str) -> AnyLaw:
        self.load_all()
        law = self._laws.get(f"{family}/{law_id}")
        if law is not None:
            return law
        elsewhere = [other.family for other in self.find(law_id)]
        if elsewhere:
            raise WrongFamily(
                f"{law_id!r} is in the catalogue as {', '.join(elsewhere)}, not as {family}",
                allowed=self.ids(family),
            )
        raise UnknownLaw(f"no {family} law {law_id!r}", allowed=self.ids(family))

    def resolve(self, family: str, ref: str, expected: type[L]) -> ResolvedLaw[L]:
        """Resolve ``"ID"`` or ``"ID@CONSTANT_SET"`` within a family."""
        law_id, _, set_name = ref.partition("@")
        law = self.get(family, law_id)
        if not isinstance(law, expected) or law.fit_only:
            raise WrongFamily(
                f"{law.key} is a {law.kind} law; expected {expected.__name__}",
                allowed=self.ids(family),
            )
        try:
            constants = law.constant_set(set_name or None)
        except KeyError:
            raise UnknownConstantSet(
                f"{law_id} has no constant set {set_name!r}",
                allowed=[f"{law_id}@{name}" for name in law.constant_set_names()],
            ) from None
        return ResolvedLaw(law=law, constants=constants)

    @property
    def version(self) -> str:
        """Content hash of every law's description: changes whenever a constant changes."""
        if self._version is None:
            payload = json.dumps(
                [law.describe() for law in self.all_laws()], sort_keys=True, default=str
            )
            self._version = hashlib.sha256(payload.encode()).hexdigest()[:12]
        return self._version


CATALOG = Catalog()
