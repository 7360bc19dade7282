"""Budget + allocation law: the published N_opt(C), with limits applied as overrides."""

from __future__ import annotations

import math
from collections.abc import Sequence

from laws_catalog import PowerTerm, ResolvedLaw
from laws_catalog.allocation import AllocationLaw, allocate
from laws_catalog.loss import LossLaw
from laws_catalog.loss import loss as law_loss

from ...errors import PlanInfeasible
from ...optimize.program import Constraint
from ...schemas.responses import AnswerWarning, MarginalValue
from ..laws.provenance import law_use
from ..plan.account_checks import VocabularyDoesNotFit
from ..plan.answer import RouteAnswer
from ..plan.constraints import collect_bounds
from ..plan.limit_causes import vocabulary_cause
from ..plan.model_account import ModelAccount, account_model, vocabulary_flop_params
from ..plan.problem import PlanProblem

__all__ = ["plan_by_allocation"]

_SETTLE_ROUNDS = 20


def _ratio_edge(flops: float, k: float, ratio: float, extra: float) -> float:
    """The N at which D/N = ratio when D = C/(k(N + extra)): N(N + extra) = C/(k ratio)."""
    product = flops / (k * ratio)
    return (math.sqrt(extra * extra + 4.0 * product) - extra) / 2.0


def _params_interval(
    bounds: Sequence[Constraint], flops: float, k: float, extra: float = 0.0
) -> tuple[float, list[str], float, list[str]]:
    """Range of N that spends the whole budget (D = C/(k(N + extra)), ``extra`` the
    vocabulary's FLOP parameters) within every bound."""
    low, low_labels, high, high_labels = 0.0, [], math.inf, []
    for constraint in bounds:
        value = constraint.limit
        if value is None:
            continue
        edges = {
            "n_min": ("low", value),
            "n_max": ("high", value),
            "d_max": ("low", flops / (k * value) - extra),
            "d_min": ("high", flops / (k * value) - extra),
            "r_max": ("low", _ratio_edge(flops, k, value, extra)),
            "r_min": ("high", _ratio_edge(flops, k, value, extra)),
        }
        side, edge = edges.get(constraint.key, ("", 0.0))
        if side == "low" and edge > low:
            low, low_labels = edge, list(constraint.labels)
        elif side == "high" and edge < high:
            high, high_labels = edge, list(constraint.labels)
        elif constraint.key in ("c_range_max", "c_min") and not (
            (constraint.key == "c_range_max" and flops <= value * (1 + 1e-12))
            or (constraint.key == "c_min" and flops >= value * (1 - 1e-12))
        ):
            raise PlanInfeasible(
                "an allocation rule spends the whole budget, which "
                + ", ".join(constraint.labels)
                + " forbids",
                conflicting=list(constraint.labels),
            )
    return low, low_labels, high, high_labels


def plan_by_allocation(problem: PlanProblem, flops: float) -> RouteAnswer:
    """N from the allocation law at ``flops`` training FLOPs, D from the budget."""
    laws, budget_label = problem.laws, problem.budget_label
    allocation, loss = laws.allocation, laws.loss
    assert allocation is not None
    law = allocation.law
    k = law.traits.flops_per_param_token
    alloc = allocate(law, flops, allocation.constants.name)
    bounds = collect_bounds(
        problem.limits,
        params_quantity=law.traits.params_quantity,
        compute_terms=(PowerTerm(k, 1.0, 1.0),),
        laws=[law],
    )
    low, low_labels, high, high_labels = _params_interval(bounds, flops, k)
    if low > high * (1 + 1e-12):
        labels = [*low_labels, *high_labels]
        raise PlanInfeasible(
            "an allocation rule spends the whole budget, which these limits prevent: "
            + ", ".join(labels)
            + "; omit laws.allocation to let the optimiser plan under them",
            conflicting=labels,
        )
    n_params, n_tokens, binding = alloc.n_params, alloc.n_tokens, [budget_label]
    warnings: list[AnswerWarning] = []
    broken = _broken(bounds, n_params, n_tokens)
    if broken:
        n_params = min(max(n_params, low), high)
        moved = [label for c in broken for label in c.labels]
        if n_params != alloc.n_params:
            moved = low_labels if n_params == low else high_labels
        binding += moved
        warnings.append(
            AnswerWarning(
                code="allocation_overridden",
                message=f"{allocation.ref} allocates {alloc.n_params:.4g} parameters and "
                f"{alloc.n_tokens:.4g} tokens; {', '.join(moved)} moved the plan to "
                f"{n_params:.4g} parameters (tokens from the budget)",
                law=law.key,
            )
        )
    n_params, account, extra = _laid_out(problem, law, bounds, flops, n_params, moved=bool(broken))
    if broken:
        n_tokens = flops / (k * (n_params + extra))
        method = f"N from {allocation.ref} moved by the limits, D = C / ({k:g} N)"
        if extra:
            method += " with the vocabulary's FLOPs V d in N"
    else:
        method = f"N and D from {allocation.ref} as published"
    accounted = k * (n_params + extra) * n_tokens
    gap = accounted / flops - 1.0
    if not broken and abs(gap) > 1e-3:
        warnings.append(_accounting_warning(allocation.ref, law.key, k, extra, flops, accounted))
    if law.traits.params_quantity != loss.law.traits.params_quantity:
        warnings.append(
            AnswerWarning(
                code="convention_mismatch",
                message=f"{allocation.ref} counts {law.traits.params_quantity} but {loss.ref} "
                f"expects {loss.law.traits.params_quantity}; the loss is evaluated without "
                "conversion",
                law=loss.law.key,
            )
        )
    return RouteAnswer(
        n_params=n_params,
        n_tokens=n_tokens,
        training_flops=flops,
        status="closed_form",
        method=method,
        binding=tuple(binding),
        margins=(
            _budget_margin(allocation, loss, bounds, flops, n_params, n_tokens, budget_label),
        ),
        provenance=(
            law_use(
                allocation,
                role="allocation",
                produces=["params", "tokens", "tokens_per_param", *sorted(alloc.extras)],
                method=method,
            ),
            law_use(
                loss,
                role="loss",
                produces=["loss"],
                method=f"{loss.ref} evaluated at the allocated (N, D)",
            ),
        ),
        warnings=tuple(warnings),
        published_extras=alloc.extras if n_params == alloc.n_params else {},
        flops_accounted=accounted,
        account=account,
        loss=law_loss(loss.law, n_params, n_tokens, loss.constants.name),
    )


def _laid_out(
    problem: PlanProblem,
    law: AllocationLaw,
    bounds: Sequence[Constraint],
    flops: float,
    n_params: float,
    *,
    moved: bool,
) -> tuple[float, ModelAccount, float]:
    """The model at ``n_params`` (its vocabulary and FLOP-bearing extra parameters); when the
    limits moved N, N moved again until the vocabulary's FLOPs, which also come out of the
    budget, settle."""
    k = law.traits.flops_per_param_token
    vocab = None if problem.architecture.vocab_size is not None else problem.laws.vocabulary

    def accounted_at(n: float) -> tuple[ModelAccount, float]:
        try:
            found = account_model(n, law.traits.params_quantity, flops, problem.architecture, vocab)
        except VocabularyDoesNotFit as exc:
            raise vocabulary_cause(exc, bounds) from None
        return found, vocabulary_flop_params(found, law.traits.params_quantity)

    account, extra = accounted_at(n_params)
    for _ in range(_SETTLE_ROUNDS if moved and extra else 0):
        low, _, high, _ = _params_interval(bounds, flops, k, extra)
        moved_to = min(max(n_params, low), high)
        if math.isclose(moved_to, n_params, rel_tol=1e-12):
            break
        n_params = moved_to
        account, extra = accounted_at(n_params)
    return n_params, account, extra


def _broken(bounds: Sequence[Constraint], n: float, d: float) -> list[Constraint]:
    """The bounds the point (N, D) breaks (beyond round-off); budget ranges excluded."""
    out = []
    for c in bounds:
        if c.key in ("c_range_max", "c_min") or c.limit is None:
            continue
        value = {"n": n, "d": d, "r": d / n}.get(c.key[0])
        if value is None:
            continue
        upper = c.key.endswith("_max")
        if (value > c.limit * (1 + 1e-12)) if upper else (value < c.limit * (1 - 1e-12)):
            out.append(c)
    return out


def _accounting_warning(
    ref: str, key: str, k: float, extra: float, flops: float, accounted: float
) -> AnswerWarning:
    counted = f"{k:g} (N + V d) D" if extra else f"{k:g} N D"
    return AnswerWarning(
        code="flops_accounting_gap",
        message=f"{ref}'s own (N, D) is kept as published: the budget is {flops:.4g} FLOPs by "
        f"the paper's accounting, {accounted:.4g} FLOPs by the planner's {counted} "
        f"({accounted / flops - 1.0:+.1%}); plan.flops is the paper's, "
        "plan.flops_accounted the planner's",
        law=key,
        value=accounted / flops - 1.0,
        quantity="flops",
    )


def _budget_margin(
    allocation: ResolvedLaw[AllocationLaw],
    loss: ResolvedLaw[LossLaw],
    bounds: Sequence[Constraint],
    flops: float,
    n_params: float,
    n_tokens: float,
    label: str,
) -> MarginalValue:
    """Loss change when the budget grows 10 % and the allocation rule is followed again."""
    law = allocation.law
    k = law.traits.flops_per_param_token
    base = law_loss(loss.law, n_params, n_tokens, loss.constants.name)
    more = flops * 1.1
    delta = None
    try:
        low, _, high, _ = _params_interval(bounds, more, k)
    except PlanInfeasible:
        low, high = math.inf, 0.0  # 10 % more would leave the allowed compute range
    if low <= high:
        alloc = allocate(law, more, allocation.constants.name)
        n_more, d_more = alloc.n_params, alloc.n_tokens
        if _broken(bounds, n_more, d_more):
            n_more = min(max(n_more, low), high)
            d_more = more / (k * n_more)
        delta = law_loss(loss.law, n_more, d_more, loss.constants.name) - base
    return MarginalValue(
        resource=label, relaxation="+10%", effect_on="loss", delta=delta, elasticity=None
    )
