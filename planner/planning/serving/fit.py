"""Solve one variant so that its concrete model meets the serving limits.

The limits enter the geometric program as ``N <= N_max`` computed on the smooth shape rule
(:mod:`.limits`): latency and memory then grow monotonically with N, so a tighter
limit never allows a larger model. The plan is then laid out (vocabulary, concrete shape:
integer layers and heads) and checked with the concrete shape's own dimensions. If the
vocabulary moved, or the concrete shape breaks a limit (its KV cache can be a little wider
than the smooth rule's), the caps are recomputed with that information (the tightest of the
smooth rule and every concrete shape that broke it) and the variant re-solved. A plan whose
concrete model meets every limit is accepted once the vocabulary no longer moves the caps or
no limit binds; the check always uses the plan's own shape and vocabulary, so an accepted plan
meets its limits exactly, typically within about 1 % below a binding one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ...optimize.program import Constraint
from ...schemas.requests import Architecture
from ...schemas.responses import AnswerWarning
from ..plan.model_account import ModelAccount
from .limits import LimitSpec, serving_bounds, violated
from .model import ServedModelMap, ServingSetup, ShapeDims

__all__ = ["ServingContext", "concrete_map", "solve_within_limits"]

_ROUNDS = 8
_DEFAULT_VOCAB = 32_768
_ACCEPT_AFTER = 3
"""The vocabulary law reads the width of the concrete shape, which jumps with N: after this
many rounds a plan that meets every limit is accepted even if its vocabulary still moves."""
_SETTLED = 1e-5
"""Relative change of N_max below which a new vocabulary does not warrant a re-solve (the loss
moves by ~1e-7; the concrete check itself always uses the plan's own vocabulary)."""


def _same_limits(before: list[Constraint], after: list[Constraint]) -> bool:
    if len(before) != len(after):
        return False
    return all(
        a.limit is not None and b.limit is not None and abs(b.limit / a.limit - 1.0) <= _SETTLED
        for a, b in zip(before, after, strict=True)
    )


S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class ServingContext:
    """The request's serving setup and limits, with how the plan's N maps to a model."""

    setup: ServingSetup
    limits: list[LimitSpec]
    params_quantity: str
    architecture: Architecture
    settled_vocab: list[int] = field(default_factory=list)
    """Vocabularies earlier variants of this request settled on: the next one starts there."""

    def smooth_map(self, vocab_size: int, streams: int) -> ServedModelMap:
        return ServedModelMap(self.params_quantity, self.architecture, vocab_size, streams)


def concrete_map(
    context: ServingContext, account: ModelAccount, streams: int, n_law: float | None = None
) -> ServedModelMap:
    """The plan's own model (law N ``n_law``): its vocabulary and, when it has one, its
    concrete shape."""
    served = context.smooth_map(account.vocab_size, streams)
    if account.shape is None:
        return served
    shape = account.shape.shape
    dims = ShapeDims(shape.n_layer, shape.d_model, shape.n_heads, shape.n_kv_heads, shape.d_head)
    return replace(served, dims=dims, origin=n_law)


def solve_within_limits(
    context: ServingContext | None,
    streams: int,
    solve: Callable[[list[Constraint]], tuple[S, ModelAccount]],
    n_of: Callable[[S], float],
) -> tuple[S, ModelAccount, list[AnswerWarning]]:
    """``solve(extra_bounds)`` until the concrete model meets every limit."""
    if context is None or not context.limits:
        solution, account = solve([])
        return solution, account, []
    vocab = context.architecture.vocab_size or (
        context.settled_vocab[-1] if context.settled_vocab else _DEFAULT_VOCAB
    )
    maps = [context.smooth_map(vocab, streams)]
    bounds = serving_bounds(context.limits, maps)
    for round_ in range(_ROUNDS):
        solution, account = solve(bounds)
        n = n_of(solution)
        concrete = concrete_map(context, account, streams, n)
        broken = violated(context.limits, concrete.shape(n))
        binding = any(n >= c.limit * (1.0 - _SETTLED) for c in bounds if c.limit is not None)
        moved = account.vocab_size != vocab
        if not broken and (not moved or not binding or round_ + 1 >= _ACCEPT_AFTER):
            context.settled_vocab.append(account.vocab_size)
            return solution, account, []
        if moved:
            vocab = account.vocab_size
            maps = [replace(m, vocab_size=vocab) for m in maps]
        if broken:
            maps.append(concrete)
        previous, bounds = bounds, serving_bounds(context.limits, maps)
        if not broken and _same_limits(previous, bounds):
            context.settled_vocab.append(account.vocab_size)
            return solution, account, []
    warnings = [
        AnswerWarning(
            code="law_caveat",
            severity="warning",
            message=f"inference.{limit.field}: the concrete shape's rounding leaves the plan "
            f"slightly over the limit after {_ROUNDS} rounds (see inference.limits)",
        )
        for limit in broken
    ]
    return solution, account, warnings
