"""What a hyperparameter law declares (family ``hyperparams``), and how the planner calls it.

A planner calls every law the same way: build one :class:`TrainingPoint` from the planned
model and data, call :func:`advise` with the law, and get a :class:`HyperparamAdvice`. Each law
exposes ``estimate``, a function of the TrainingPoint fields it reads (by parameter name) with
its constants as keyword-only arguments. Batch sizes are always in tokens;
:meth:`HyperparamAdvice.batch_size_sequences` converts them to sequences of the plan's context
length. Each law declares which outputs it gives and which inputs each output needs
(``requires``) and the learning-rate schedule its fit assumes (``schedule``, returned with
every answer because a peak LR means little without it).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Literal, Protocol, get_args

from pydantic import Field, computed_field

from ..law import Law, Traits

__all__ = [
    "Estimate",
    "HyperparamAdvice",
    "HyperparamLaw",
    "HyperparamOutput",
    "HyperparamTraits",
    "MissingInput",
    "PointInput",
    "TrainingPoint",
    "TrainingPoints",
    "advise",
    "PointValues",
    "advise_many",
    "estimate_at",
    "missing_inputs",
]

HyperparamOutput = Literal["peak_learning_rate", "batch_size_tokens", "critical_batch_size_tokens"]
PointInput = Literal[
    "n_params_non_embedding",
    "n_params_total",
    "n_tokens",
    "flops",
    "loss",
    "model_flops_per_token",
    "context_length",
]

# TrainingPoint field -> glossary quantity (for fitted-range checks and provenance)
_GLOSSARY_NAME: dict[str, str] = {
    "n_params_non_embedding": "n_params_non_embedding",
    "n_params_total": "n_params_total",
    "n_tokens": "n_tokens",
    "flops": "flops",
    "loss": "loss_nats_per_token",
    "model_flops_per_token": "model_flops_per_token",
    "context_length": "context_length",
}


def _positive(name: str, value: float) -> None:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (real and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingPoint:
    """The planned training run a hyperparameter law is evaluated at.

    Parameters
    ----------
    n_params_non_embedding
        Parameters without token/position embeddings and output head [parameters].
    n_params_total
        All trainable parameters [parameters].
    n_tokens
        Training tokens, all epochs [tokens].
    flops
        The plan's training compute [FLOPs] (its own convention, usually 6ND).
    loss
        Predicted final loss [nats/token] of the plan's loss law, or ``None``. Laws that read
        a loss (Kaplan, MiniCPM) were fitted on their own evaluation data and tokenizer.
    model_flops_per_token
        DeepSeek's M = 72 n_layer d^2 + 12 n_layer d l_seq [FLOPs/token], or ``None``.
    context_length
        Training sequence length [tokens/sequence].
    """

    n_params_non_embedding: float
    n_params_total: float
    n_tokens: float
    flops: float
    loss: float | None = None
    model_flops_per_token: float | None = None
    context_length: int

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                _positive(item.name, value)
        if not isinstance(self.context_length, numbers.Integral):
            raise ValueError(f"context_length must be an integer, got {self.context_length!r}")

    def value(self, name: PointInput) -> float | None:
        """One input by name (``None`` when an optional input was not given)."""
        found: float | None = getattr(self, name)
        return found

    def quantities(self) -> dict[str, float]:
        """The given inputs keyed by glossary quantity name."""
        out = {}
        for name, glossary_name in _GLOSSARY_NAME.items():
            value = getattr(self, name)
            if value is not None:
                out[glossary_name] = float(value)
        return out


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a law's ``estimate`` returns; :func:`advise` adds the schedule and the checks."""

    peak_learning_rate: float | None = None
    batch_size_tokens: float | None = None
    critical_batch_size_tokens: float | None = None
    notes: tuple[str, ...] = ()
    inputs_used: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingPoints:
    """Many training points at once (each field an array, or ``None``), for sampling.

    The fields are :class:`TrainingPoint`'s; :func:`advise_many` evaluates a law's ``estimate``
    on whole arrays when it is written in array-friendly arithmetic, else point by point
    through :meth:`at`.
    """

    n_params_non_embedding: Any
    n_params_total: Any
    n_tokens: Any
    flops: Any
    loss: Any = None
    model_flops_per_token: Any = None
    context_length: int

    def value(self, name: PointInput) -> Any:
        return getattr(self, name)

    def __len__(self) -> int:
        return len(self.n_tokens)

    def at(self, i: int) -> TrainingPoint:
        def item(name: str) -> float | None:
            column = getattr(self, name)
            return None if column is None else float(column[i])

        return TrainingPoint(
            n_params_non_embedding=float(self.n_params_non_embedding[i]),
            n_params_total=float(self.n_params_total[i]),
            n_tokens=float(self.n_tokens[i]),
            flops=float(self.flops[i]),
            loss=item("loss"),
            model_flops_per_token=item("model_flops_per_token"),
            context_length=self.context_length,
        )


@dataclass(frozen=True, slots=True)
class HyperparamAdvice:
    """A law's answer for one training point.

    ``peak_learning_rate`` [1], ``batch_size_tokens`` and ``critical_batch_size_tokens``
    [tokens/step] are ``None`` where the law gives no such output (or cannot at this point;
    ``notes`` then say why). ``schedule`` is the LR schedule the law's fit assumed.
    ``inputs_used`` maps glossary quantity names to the values the formula actually used (for
    fitted-range checks, e.g. DeepSeek's C = M D rather than the plan's 6ND).
    """

    peak_learning_rate: float | None
    batch_size_tokens: float | None
    critical_batch_size_tokens: float | None
    schedule: str
    notes: tuple[str, ...]
    inputs_used: dict[str, float] = field(default_factory=dict)

    def batch_size_sequences(self, context_length: int) -> float | None:
        """``batch_size_tokens`` in sequences of ``context_length`` tokens (unrounded)."""
        return _per_sequence(self.batch_size_tokens, context_length)

    def critical_batch_size_sequences(self, context_length: int) -> float | None:
        """``critical_batch_size_tokens`` in sequences of ``context_length`` tokens."""
        return _per_sequence(self.critical_batch_size_tokens, context_length)


def _per_sequence(tokens: float | None, context_length: int) -> float | None:
    _positive("context_length", context_length)
    return None if tokens is None else tokens / context_length


class MissingInput(ValueError):
    """No output of the law can be computed: an input it needs was not given."""

    def __init__(self, law_key: str, missing: Mapping[str, tuple[str, ...]]) -> None:
        wanted = sorted({name for names in missing.values() for name in names})
        super().__init__(
            f"{law_key} needs {', '.join(wanted)} in the TrainingPoint "
            f"(for {', '.join(sorted(missing))})"
        )
        self.law_key = law_key
        self.missing = dict(missing)


class HyperparamTraits(Traits):
    """What a hyperparameter law declares: the inputs of each output, the schedule it assumes."""

    requires: dict[HyperparamOutput, tuple[PointInput, ...]] = Field(
        min_length=1, description="each output the law gives -> the TrainingPoint inputs it needs"
    )
    schedule: str = Field(description="learning-rate schedule and optimizer the fit assumed")
    loss_evaluation: str | None = Field(
        default=None,
        description="the loss a loss-reading law was fitted on (data, tokenizer); a loss from "
        "another law is in other units",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def provides(self) -> tuple[HyperparamOutput, ...]:
        """The outputs this law gives (keys of ``requires``)."""
        return tuple(self.requires)


HyperparamLaw = Law[HyperparamTraits]
"""A law of the hyperparams family: its ``estimate`` function gives its outputs at a point."""


@cache
def _point_inputs(fn: Callable[..., Any]) -> tuple[PointInput, ...]:
    """The TrainingPoint fields ``fn`` takes (its parameters before the constants)."""
    params = inspect.signature(fn).parameters.values()
    return tuple(
        p.name  # type: ignore[misc]
        for p in params
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name in _GLOSSARY_NAME
    )


_Prepared = tuple[
    "HyperparamLaw", Callable[..., Estimate], tuple[PointInput, ...], dict[str, float]
]
_PREPARED: dict[tuple[int, str | None], _Prepared] = {}


class PointValues(Protocol):
    """Anything that gives a training point's inputs by name (one point or arrays of them)."""

    def value(self, name: PointInput, /) -> Any: ...


def estimate_at(law: HyperparamLaw, point: PointValues, constant_set: str | None) -> Estimate:
    """``law.call("estimate", ...)`` at ``point``, its inputs and constants looked up once per
    law and set (a sweep asks every law at every row; uncertainty at every sample)."""
    key = (id(law), constant_set)
    found = _PREPARED.get(key)
    if found is None or found[0] is not law:
        fn = law.functions["estimate"]
        constants = {k: law.constants(constant_set)[k] for k in _keyword_only(fn)}
        found = (law, fn, _point_inputs(fn), constants)
        _PREPARED[key] = found
    _, fn, names, constants = found
    return fn(**{name: point.value(name) for name in names}, **constants)


def _keyword_only(fn: Callable[..., Any]) -> list[str]:
    params = inspect.signature(fn).parameters.values()
    return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def missing_inputs(law: HyperparamLaw, point: PointValues) -> dict[str, tuple[str, ...]]:
    """Outputs of ``law`` that cannot be computed at ``point`` -> the inputs they lack."""
    missing: dict[str, tuple[str, ...]] = {}
    for output, needs in law.traits.requires.items():
        absent = tuple(name for name in needs if point.value(name) is None)
        if absent:
            missing[output] = absent
    return missing


def advise(
    law: HyperparamLaw, point: TrainingPoint, constant_set: str | None = None
) -> HyperparamAdvice:
    """Peak LR and batch sizes at ``point``; raises :class:`MissingInput` if none can be had.

    Outputs whose inputs are missing are ``None`` with a note; the others are computed.
    """
    requires = law.traits.requires
    missing = missing_inputs(law, point)
    if len(missing) == len(requires):
        raise MissingInput(law.key, missing)
    estimate = estimate_at(law, point, constant_set)
    values: dict[str, float | None] = {}
    for output in get_args(HyperparamOutput):
        value = getattr(estimate, output)
        if value is not None and output not in requires:
            raise RuntimeError(f"{law.key} returned {output}, which it does not declare")
        values[output] = None if output in missing else value
    notes = list(estimate.notes)
    notes += [
        f"{output} not computed: needs {', '.join(names)}" for output, names in missing.items()
    ]
    return HyperparamAdvice(
        peak_learning_rate=values["peak_learning_rate"],
        batch_size_tokens=values["batch_size_tokens"],
        critical_batch_size_tokens=values["critical_batch_size_tokens"],
        schedule=law.traits.schedule,
        notes=tuple(notes),
        inputs_used=dict(estimate.inputs_used),
    )


def advise_many(
    law: HyperparamLaw, points: TrainingPoints, constant_set: str | None = None
) -> dict[str, Any]:
    """Each output as an array over ``points`` (``None`` where the law cannot give it).

    The law's ``estimate`` runs once on whole arrays when its arithmetic allows (a power law
    does); one that branches or calls :mod:`math` on its inputs runs point by point.
    Raises :class:`MissingInput` like :func:`advise`.
    """
    import numpy as np

    requires = law.traits.requires
    missing = missing_inputs(law, points)
    if len(missing) == len(requires):
        raise MissingInput(law.key, missing)
    outputs = [o for o in requires if o not in missing]
    try:
        with np.errstate(all="raise"):
            estimate = estimate_at(law, points, constant_set)
            found = {
                o: np.broadcast_to(np.asarray(getattr(estimate, o), dtype=float), (len(points),))
                for o in outputs
            }
    except (TypeError, ValueError, FloatingPointError):
        advice = [advise(law, points.at(i), constant_set) for i in range(len(points))]
        found = {o: np.array([getattr(a, o) for a in advice], dtype=float) for o in outputs}
    return {o: found.get(o) for o in get_args(HyperparamOutput)}
