"""The one record every catalogue law is: metadata, constant sets, public functions, checks.

A law module defines the paper's equations as public pure functions of named quantities whose
fitted constants are keyword-only arguments, each with a docstring giving the equation number,
units and reference; then it registers one :class:`Law` naming those functions. Its golden
vectors live beside it in ``<module>.golden.json`` (loaded by :func:`golden_vectors`), each
naming one of the law's functions as its ``check``, so one battery runs every check of every
law the same way (:meth:`Law.run_check`). What a family needs beyond the record (the
parameter convention of a loss law, the base law of a repetition law, ...) is declared in the
law's ``traits``, a small frozen record per family.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._types import ConstantSet, GoldenVector, Interval, Reference

__all__ = [
    "Law",
    "OutOfRange",
    "Traits",
    "golden_vectors",
    "outputs",
]


class Traits(BaseModel):
    """What one family needs to know about a law beyond the common record (subclassed once
    per family, declarative only: behaviour lives in the law's functions)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


TraitsT = TypeVar("TraitsT", bound=Traits, covariant=True)


@dataclass(frozen=True, slots=True)
class OutOfRange:
    """One quantity outside a law's fitted range, and by what factor (>= 1)."""

    quantity: str
    value: float
    interval: Interval
    factor: float


def _excess(value: float, lower: float, upper: float) -> float:
    """How far past ``[lower, upper]`` ``value`` lies, as a ratio (inf across zero)."""
    if value > upper:
        return value / upper if upper > 0 else math.inf
    return lower / value if value > 0 and lower > 0 else math.inf


class Law(BaseModel, Generic[TraitsT]):
    """A published law: who, where, what it predicts, on what range, with which constants."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: str
    kind: str
    title: str
    reference: Reference
    equations: tuple[str, ...] = Field(min_length=1)
    quantities: dict[str, str] = Field(
        description="role in the equations -> glossary quantity name (units come from there)"
    )
    validity: dict[str, Interval] = Field(
        description="glossary quantity -> fitted range; leaving it gives a warning"
    )
    constant_sets: tuple[ConstantSet, ...] = ()
    default_constant_set: str | None = None
    auxiliary_constants: tuple[ConstantSet, ...] = Field(
        default=(),
        description="constants every constant set shares (e.g. a tokenizer fit): passed to the "
        "law's functions along with the chosen set's",
    )
    fit_only: bool = Field(
        default=False,
        description="a published form without trustworthy published constants: users fit it "
        "to their own runs; its golden vectors are recovery checks on synthetic data",
    )
    traits: TraitsT
    functions: dict[str, Callable[..., Any]] = Field(
        exclude=True,
        description="the law's public functions by name: named quantities in, constants as "
        "keyword-only arguments; golden vectors name them as their check",
    )
    golden: tuple[GoldenVector, ...] = Field(min_length=1)
    notes: tuple[str, ...] = ()
    caveats: tuple[str, ...] = Field(
        default=(), description="shown in every answer that uses this law"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Law[TraitsT]:
        names = [c.name for c in self.constant_sets]
        if len(set(names)) != len(names):
            raise ValueError(f"law {self.id}: duplicate constant set names {names}")
        if self.fit_only:
            if names or self.default_constant_set is not None:
                raise ValueError(f"law {self.id}: a fit-only law carries no constant sets")
        elif self.default_constant_set not in names:
            raise ValueError(
                f"law {self.id}: default set {self.default_constant_set!r} not in {names}"
            )
        for vec in self.golden:
            if vec.constant_set is not None and vec.constant_set not in names:
                raise ValueError(
                    f"law {self.id}: golden vector names unknown set {vec.constant_set}"
                )
            if vec.check not in self.functions:
                raise ValueError(
                    f"law {self.id}: golden vector checks {vec.check!r}, which is not one of "
                    f"its functions {sorted(self.functions)}"
                )
        return self

    @property
    def key(self) -> str:
        """Unique catalogue key: ``family/id`` (one paper can give laws in several families)."""
        return f"{self.family}/{self.id}"

    def constant_set(self, name: str | None = None) -> ConstantSet:
        wanted = name or self.default_constant_set
        for cset in self.constant_sets:
            if cset.name == wanted:
                return cset
        raise KeyError(wanted)

    def constant_set_names(self) -> list[str]:
        return [c.name for c in self.constant_sets]

    def constants(self, constant_set: str | None = None) -> Mapping[str, float]:
        """The numbers of one constant set (none for a fit-only law)."""
        if self.fit_only:
            return {}
        return self.constant_set(constant_set).values

    def call(self, function: str, /, constant_set: str | None = None, **quantities: Any) -> Any:
        """``function`` of this law at ``quantities``, with one constant set's numbers (and the
        auxiliary constants) passed to the keyword-only parameters it declares."""
        fn = self.functions[function]
        constants = self.constants(constant_set)
        if self.auxiliary_constants:
            shared = {k: v for aux in self.auxiliary_constants for k, v in aux.values.items()}
            constants = shared | dict(constants)
        return fn(**quantities, **_constants_for(fn, constants))

    def run_check(self, vector: GoldenVector) -> dict[str, float]:
        """What a golden vector asks for: its ``check`` function at its inputs, as numbers."""
        result = self.call(vector.check, vector.constant_set, **vector.inputs)
        return outputs(result, vector.check)

    def out_of_range(self, values: Mapping[str, float]) -> list[OutOfRange]:
        """Every quantity of ``values`` outside this law's fitted range (the one range check)."""
        found = []
        for quantity, interval in self.validity.items():
            value = values.get(quantity)
            if value is None or interval.contains(value):
                continue
            factor = _excess(value, interval.lower, interval.upper)
            found.append(OutOfRange(quantity, value, interval, factor))
        return found

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (what ``GET /v1/laws/{id}`` shows)."""
        out = self.model_dump(mode="json")
        out.update(out.pop("traits"))  # a family's declarations read as the law's own fields
        out["functions"] = {name: _summary(fn) for name, fn in sorted(self.functions.items())}
        return out


def _summary(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ")


@cache
def _keyword_only(fn: Callable[..., Any]) -> tuple[frozenset[str], bool]:
    """(names of ``fn``'s keyword-only parameters, whether it takes ``**kwargs``)."""
    params = inspect.signature(fn).parameters.values()
    names = frozenset(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)
    return names, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _constants_for(fn: Callable[..., Any], constants: Mapping[str, float]) -> dict[str, float]:
    names, takes_all = _keyword_only(fn)
    if takes_all:
        return dict(constants)
    return {k: v for k, v in constants.items() if k in names}


def outputs(result: Any, name: str) -> dict[str, float]:
    """A law function's result as named numbers: a number is named after the function, a
    mapping keeps its keys, a dataclass its fields (a nested mapping field is merged in)."""
    if isinstance(result, Mapping):
        return {str(k): float(v) for k, v in result.items()}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        out: dict[str, float] = {}
        for key, value in dataclasses.asdict(result).items():
            if isinstance(value, Mapping):
                out.update({str(k): float(v) for k, v in value.items()})
            elif isinstance(value, int | float):
                out[key] = float(value)
        return out
    if isinstance(result, int | float) or hasattr(result, "__float__"):
        return {name: float(result)}
    raise TypeError(f"{name} returned {type(result).__name__}, not a number, mapping or record")


def golden_vectors(module_file: str, law_id: str) -> tuple[GoldenVector, ...]:
    """The golden vectors of ``law_id`` from ``<module>.golden.json`` beside its module.

    The file maps each law id of the module to a list of vectors; every vector gives its
    source (table, figure or equation of the paper, or file@commit of the authors' code).
    """
    path = Path(module_file).with_suffix(".golden.json")
    with path.open(encoding="utf-8") as data:
        table: dict[str, list[dict[str, Any]]] = json.load(data)
    return tuple(GoldenVector.model_validate(row) for row in table[law_id])
