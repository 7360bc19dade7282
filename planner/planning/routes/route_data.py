"""Budget (or target) with limited unique data: how much to repeat, and from which source.

The repetition law (default Muennighoff et al. 2023) discounts repeated tokens and excess
parameters; its effective-data term is not a posynomial, so the plan is solved exactly on the
boundary of the feasible region in log space (:mod:`planner.optimize.repetition`,
:mod:`planner.optimize.data_mix`). The decay constants R_D*, R_N* are applied to the chosen
loss law's own constants (any law of the form E + A/N^a + B/D^b); with the law's own base
(``loss/muennighoff2023``) this is exactly the published law, otherwise it is a transplant and
the answer says so.
"""

from __future__ import annotations

import math

from laws_catalog import CATALOG, ResolvedLaw
from laws_catalog.data import RepetitionConstants, RepetitionLaw, repetition_constants
from laws_catalog.data.multisource import CAVEATS as MULTISOURCE_CAVEATS
from laws_catalog.data.multisource import DataSource as SourceModel
from laws_catalog.data.multisource import unique_pool
from laws_catalog.loss import LossLaw, is_loss_law, posynomial

from ...deadline import checkpoint
from ...errors import InvalidRequest, PlanInfeasible, TargetUnreachable
from ...optimize.data_mix import TokenSplit, solve_data_mix
from ...optimize.repetition import LIMIT_FOR_KEYWORD, solve_repetition
from ...schemas.requests import DataSpec
from ...schemas.responses import AnswerWarning, MarginalValue, SourceOut
from ..laws.provenance import law_use
from ..laws.validity import range_warnings
from ..plan.answer import DataOutcome, RouteAnswer
from ..plan.constraints import NO_BUDGET_FLOPS, named_limits
from ..plan.problem import PlanProblem
from .source_quality import SourceLaw, caveats, source_laws

__all__ = ["plan_with_data", "repetition_constants"]

METHOD = (
    "arg-min of the repetition-discounted loss on the boundary of the feasible region in "
    "(ln N, ln D): bracketing grid + Brent on the exact derivative (the loss is convex there)"
)
RELAXATION = 1.1
_QUALITY_ROUNDS = 12
_QUALITY_SETTLED = 1e-9
_KEYWORD = {v: k for k, v in LIMIT_FOR_KEYWORD.items()}


def discounted_constants(
    loss: ResolvedLaw[LossLaw], repetition: ResolvedLaw[RepetitionLaw]
) -> tuple[RepetitionConstants, bool]:
    """The repetition law's decay on the loss law's constants; True when transplanted."""
    published = repetition_constants(repetition.law, repetition.constants.name)
    traits = repetition.law.traits
    base_set = traits.base_constant_sets.get(repetition.constants.name)
    if loss.law.key == f"loss/{traits.base_loss}" and loss.constants.name == base_set:
        return published, False
    posy = posynomial(loss.law, loss.constants.name)
    if not (posy.is_separable_pair() and posy.power == 1.0):
        allowed = [
            law.id
            for law in CATALOG.all_laws()
            if is_loss_law(law)
            and posynomial(law).is_separable_pair()
            and posynomial(law).power == 1.0
        ]
        raise InvalidRequest(
            f"laws.loss: {loss.ref} is not of the form E + A/N^alpha + B/D^beta, which the "
            "repetition law discounts",
            field="laws.loss",
            allowed=allowed,
        )
    t_n, t_d = posy.terms
    constants = RepetitionConstants(
        e=posy.offset,
        a=t_n.coefficient,
        b=t_d.coefficient,
        alpha=-t_n.n_exponent,
        beta=-t_d.d_exponent,
        rd_star=published.rd_star,
        rn_star=published.rn_star,
    )
    return constants, True


class _DataQuestion:
    """One data question, re-solvable with a relaxed budget, limit or data amount."""

    def __init__(
        self,
        constants: RepetitionConstants,
        spec: DataSpec,
        limits: dict[str, tuple[float, list[str]]],
        k: float,
    ) -> None:
        self.constants, self.spec, self.k = constants, spec, k
        self.labels = {name: labels for name, (_, labels) in limits.items()}
        self.values = {name: value for name, (value, _) in limits.items()}
        self.qualities = {s.name: s.quality for s in spec.sources or []}
        self.quality_from = {s.name: "request" for s in spec.sources or []}

    def sources(self, scale: float = 1.0, only: str | None = None) -> list[SourceModel]:
        assert self.spec.sources is not None
        return [
            SourceModel(
                s.name,
                s.unique_tokens * (scale if only in (None, s.name) else 1.0),
                self.qualities[s.name],
            )
            for s in self.spec.sources
        ]

    def unique(self, scale: float = 1.0) -> float:
        if self.spec.unique_tokens is not None:
            return self.spec.unique_tokens * scale
        return unique_pool(self.sources(scale))

    def solve(
        self, values: dict[str, float] | None = None, scale: float = 1.0, only: str | None = None
    ) -> tuple[float, float, float, tuple[str, ...], DataOutcome]:
        """(N, D, loss, binding limit names, outcome) under ``values`` (default: the request's)."""
        values = self.values if values is None else values
        c = self.constants
        if self.spec.unique_tokens is not None:
            unique = self.spec.unique_tokens * scale
            n, d, binding = solve_repetition(c, unique, values, self.k)
            loss = float(c.loss(n, d, unique))
            outcome = DataOutcome(
                unique_tokens=unique,
                epochs=d / unique,
                effective_tokens=float(c.effective_tokens(unique, d)),
                effective_params=float(c.effective_params(unique, n)),
                loss=loss,
                loss_without_repetition=float(c.loss_from_effective(n, d)),
            )
            return n, d, loss, binding, outcome
        sources = self.sources(scale, only)
        plan = solve_data_mix(c, TokenSplit(sources, c), values, self.k, "")
        outcome = DataOutcome(
            unique_tokens=sum(s.unique_tokens for s in sources),
            epochs=plan.tokens / sum(s.unique_tokens for s in sources),
            effective_tokens=plan.effective_tokens,
            effective_params=plan.effective_params,
            loss=plan.loss,
            loss_without_repetition=float(c.loss_from_effective(plan.params, plan.tokens)),
            sources=[
                SourceOut(
                    name=p.name,
                    unique_tokens=s.unique_tokens,
                    quality=s.quality,
                    quality_from=self.quality_from[s.name],
                    tokens=p.tokens,
                    share=p.share,
                    epochs=p.epochs,
                    effective_tokens=p.effective_tokens,
                )
                for p, s in zip(plan.sources, sources, strict=True)
            ],
        )
        names = tuple(LIMIT_FOR_KEYWORD[b] for b in plan.binding)
        return plan.params, plan.tokens, plan.loss, names, outcome


def _margins(
    question: _DataQuestion, n: float, d: float, loss: float, binding: tuple[str, ...]
) -> list[MarginalValue]:
    margins = []
    for name in binding:
        relaxed = dict(question.values)
        upper = name.endswith("_max")
        relaxed[name] = relaxed[name] * (RELAXATION if upper else 1 / RELAXATION)
        new_loss = question.solve(relaxed)[2]
        for label in question.labels[name]:
            margins.append(
                MarginalValue(
                    resource=label,
                    relaxation="+10%" if upper else "-10%",
                    effect_on="loss",
                    delta=new_loss - loss,
                )
            )
    if question.spec.unique_tokens is not None:
        more = question.solve(scale=RELAXATION)[2]
        margins.append(
            MarginalValue(
                resource="data.unique_tokens",
                relaxation="+10%",
                effect_on="loss",
                delta=more - loss,
            )
        )
        unique = question.spec.unique_tokens
        epoch = float(question.constants.loss(n, d + unique, unique))
        if d < unique:  # not repeating yet: "one more epoch" would mean a whole new pass
            return margins
        margins.append(
            MarginalValue(
                resource="epochs",
                relaxation="+1 epoch at the planned N",
                effect_on="loss",
                delta=epoch - loss,
                extra_flops=question.k * n * unique,
            )
        )
    else:
        assert question.spec.sources is not None
        count = len(question.spec.sources)
        for i, source in enumerate(question.spec.sources):
            checkpoint(f"the marginal value of data source {i + 1} of {count}")
            more = question.solve(scale=RELAXATION, only=source.name)[2]
            margins.append(
                MarginalValue(
                    resource=f"data.sources[{source.name}].unique_tokens",
                    relaxation="+10%",
                    effect_on="loss",
                    delta=more - loss,
                )
            )
    return margins


def _floor(question: _DataQuestion) -> float:
    """The loss no budget can beat with this much unique data (the law's plateau)."""
    c = question.constants
    unique = question.unique()
    n_cap = float(c.optimal_params_for_tokens(unique)) * (1 + c.rn_star)
    d_cap = unique * (1 + c.rd_star)
    return float(c.loss_from_effective(n_cap, d_cap))


def _out_of_reach(question: _DataQuestion, target: float) -> TargetUnreachable:
    """The limits that keep ``target`` out of reach and the lowest loss they allow (the best
    plan at 1e40 FLOPs, where the loss has long stopped falling)."""
    _, _, lowest, binding, _ = question.solve({**question.values, "c_max": 1e40})
    limits = [label for name in binding if name != "c_max" for label in question.labels[name]]
    data = "data.unique_tokens" if question.spec.unique_tokens is not None else "data.sources"
    conflicting = [*limits, data]
    return TargetUnreachable(
        f"target loss {target:.4g} cannot be reached within {', '.join(conflicting)}: the lowest "
        f"loss they allow is {lowest:.5g}, {lowest - target:.3g} nats above the target; relax "
        "them or aim higher",
        field="target.loss",
        allowed=f"> {lowest:.6g}",
        conflicting=conflicting,
    )


def _least_budget(question: _DataQuestion, target: float, start: float) -> float:
    """Smallest budget whose best plan reaches ``target`` (bisection in ln C; the optimal
    loss falls monotonically with the budget)."""

    def loss_at(budget: float) -> float:
        checkpoint("the least budget reaching the target (bisection)")
        return question.solve({**question.values, "c_max": budget})[2]

    lo, hi = start, start
    while loss_at(hi) > target:
        lo, hi = hi, hi * 10
        if hi > 1e40:
            raise _out_of_reach(question, target)
    while loss_at(lo) <= target and lo > 1e6:
        hi, lo = lo, lo / 10
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if loss_at(mid) <= target:
            hi = mid
        else:
            lo = mid
        if hi / lo - 1 < 1e-12:
            break
    return hi


def _solve_question(
    question: _DataQuestion, target_loss: float | None, repetition_ref: str
) -> tuple[float, float, float, tuple[str, ...], DataOutcome]:
    """Solve for the budget, or first find the least budget reaching ``target_loss``."""
    if target_loss is not None:
        floor = _floor(question)
        if target_loss <= floor:
            raise TargetUnreachable(
                f"target loss {target_loss:.4g} is below {floor:.4g}, the lowest loss "
                f"{question.unique():.4g} unique tokens allow under {repetition_ref} at any "
                "budget",
                field="target.loss",
                allowed=f"> {floor:.6g}",
            )
        question.values["c_max"] = _least_budget(question, target_loss, 1e20)
    return question.solve()


def _settle_qualities(question: _DataQuestion, laws: list[SourceLaw], outcome: DataOutcome) -> bool:
    """Re-evaluate law-set qualities at the planned tokens; True when one moved."""
    moved = False
    planned = {s.name: s.tokens for s in outcome.sources or []}
    for law in laws:
        tokens = planned.get(law.name, 0.0)
        if tokens <= 0:
            continue  # unused source: keep its one-pass quality
        quality = law.quality(question.constants, tokens)
        if abs(quality / question.qualities[law.name] - 1.0) > _QUALITY_SETTLED:
            moved = True
        question.qualities[law.name] = quality
    return moved


def plan_with_data(
    problem: PlanProblem,
    flops: float | None,
    target_loss: float | None = None,
    *,
    margins: bool = True,
) -> RouteAnswer:
    """Plan for ``flops`` (or the least budget reaching ``target_loss``) with the problem's
    limited data; ``margins=False`` skips the relaxation re-solves (a probe for the loss
    alone)."""
    assert problem.data is not None
    spec, repetition = problem.data.spec, problem.data.repetition
    budget_label = problem.budget_label
    loss = problem.laws.loss
    law = loss.law
    constants, transplanted = discounted_constants(loss, repetition)
    k = law.traits.flops_per_param_token
    limits = named_limits(
        problem.limits,
        params_quantity=law.traits.params_quantity,
        laws=[law],
        budget=(flops if flops is not None else NO_BUDGET_FLOPS, budget_label),
    )
    question = _DataQuestion(constants, spec, limits, k)
    laws_of_sources = source_laws(spec)
    for source_law in laws_of_sources:  # start from one pass over each such source
        name = source_law.name
        unique = next(s.unique_tokens for s in spec.sources or [] if s.name == name)
        question.qualities[name] = source_law.quality(constants, unique)
        question.quality_from[name] = source_law.law.ref
    try:
        for _ in range(_QUALITY_ROUNDS):
            n, d, value, binding, outcome = _solve_question(question, target_loss, repetition.ref)
            if not _settle_qualities(question, laws_of_sources, outcome):
                break
    except PlanInfeasible as exc:
        names = exc.conflicting
        labels = [label for name in names for label in question.labels.get(name, [name])]
        raise PlanInfeasible(
            "these limits cannot hold together: " + ", ".join(labels), conflicting=labels
        ) from None
    bound_labels = [label for name in binding for label in question.labels[name]]
    if target_loss is not None:
        bound_labels = ["target", *[b for b in bound_labels if b != budget_label]]
    found = _margins(question, n, d, value, binding) if target_loss is None and margins else []
    produces = ["params", "tokens", "tokens_per_param", "loss", "epochs", "effective_tokens"]
    provenance = [
        law_use(loss, role="loss", produces=["loss_without_repetition"], method=METHOD),
        law_use(repetition, role="repetition", produces=produces, method=METHOD).model_copy(
            update={
                "constants": {
                    "E": constants.e,
                    "A": constants.a,
                    "B": constants.b,
                    "alpha": constants.alpha,
                    "beta": constants.beta,
                    "rd_star": constants.rd_star,
                    "rn_star": constants.rn_star,
                }
            }
        ),
    ]
    warnings: list[AnswerWarning] = []
    point = {
        "n_params_total": n,
        "n_tokens": d,
        "n_unique_tokens": outcome.unique_tokens,
        "epochs": outcome.epochs,
    }
    warnings += range_warnings(repetition.law, point)
    if transplanted:
        warnings.append(
            AnswerWarning(
                code="law_caveat",
                message=f"{repetition.ref}'s decay constants (R_D*, R_N*) were fitted on its "
                f"own C4 base law; here they discount {loss.ref}'s constants",
                law=repetition.law.key,
            )
        )
    if spec.sources is not None:
        warnings += [
            AnswerWarning(code="law_caveat", message=text, law="multisource")
            for text in MULTISOURCE_CAVEATS
        ]
        warnings += caveats(laws_of_sources)
        provenance += [
            law_use(
                source_law.law,
                role="data_quality",
                produces=[f"data_mix[{source_law.name}].quality"],
                method="the source's data term B_s D^-b_s set equal to the plan's B (q D)^-b at "
                "the source's planned tokens",
            )
            for source_law in laws_of_sources
        ]
    return RouteAnswer(
        n_params=n,
        n_tokens=d,
        training_flops=k * n * d,
        status="optimal",
        method=METHOD,
        binding=tuple(bound_labels),
        margins=tuple(found),
        provenance=tuple(provenance),
        warnings=tuple(warnings),
        data=outcome,
        loss=value,
    )
