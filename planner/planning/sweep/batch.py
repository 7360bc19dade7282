"""Sweep rows that differ only in their budget, planned together (issue 13).

The common sweep - budgets in FLOPs, GPU time or dollars (converted to FLOPs as a single plan
converts them), a loss law with a closed-form optimum that counts all parameters, limits on
parameters, tokens or tokens per parameter (or the fitted range) but no learning-rate cap, no
serving, data, precision or uncertainty sections - asks one question thousands of times with a
different ``C``. Here every step of :func:`make_plan`'s route runs over all rows at once: the
certified Newton solve (the budget alone active, then with each limit its start violates) and
its +10 % budget re-solve (:mod:`planner.optimize.polish_batch`, the scalar polish's floats
bit for bit), the saturation
rule's shortcut, the vocabulary/shape fixed point with one shape search per distinct count
(:mod:`.shapes`), the recipe and the checks, and the CSV record of each row is written
straight from those values.

Each step either reproduces the scalar arithmetic exactly or marks the row: a row that leaves
the common path anywhere (the polish rejects its point, the budget is saturated, the fixed
point needs another round, a vocabulary that does not fit, a non-finite number) gets ``None``
and is planned by :func:`make_plan`, which answers or raises exactly as a single plan would.
tests/planner/test_sweep_identity.py holds every row to its single plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from laws_catalog import CATALOG, AnyLaw, PosynomialLoss, ResolvedLaw
from laws_catalog.architecture import (
    model_flops_per_token,
)
from laws_catalog.hardware import Device
from laws_catalog.hyperparams import Estimate, HyperparamLaw, estimate_at, missing_inputs
from laws_catalog.loss import downstream_error, is_loss_law, posynomial
from laws_catalog.vocabulary import VocabularyAdvice

from ...deadline import checkpoint
from ...errors import InvalidRequest
from ...optimize.closed_form import separable_pair
from ...optimize.polish_batch import (
    RowMonomial,
    budget_coefficients,
    certified_rows,
    closed_form_starts,
    polish_rows,
)
from ...optimize.posynomial import Posynomial
from ...optimize.program import RELAXATION, Constraint
from ...schemas.requests import Architecture, Budget, PlanRequest, SweepRequest
from ..checks.plausibility import BOUNDS, loss_bound
from ..laws.selection import SelectedLaws, resolve, select_laws
from ..laws.validity import FIT_CAVEAT
from ..plan.account_checks import advise_vocabulary
from ..plan.budget import budget_device, budget_flops, describe_budget
from ..plan.constraints import collect_bounds
from ..plan.model_account import (
    AccountSteps,
    AdviceQuestion,
    ModelAccount,
    Question,
    ShapeQuestion,
    VocabularyQuestion,
    account_steps,
    compute_terms,
)
from ..plan.optimum import BINDING_MULTIPLIER
from ..plan.problem import BUDGET_FIELD
from ..plan.saturation import SATURATION_SHARE
from ..plan.training_recipe import _FIELD, _GLOSSARY, FALLBACK
from .collector import collector_paused
from .shapes import shapes_for_counts
from .vocabulary import ParametricVocabulary

__all__ = ["batch_records"]

_CHUNK = 512
"""Rows between deadline checkpoints in the per-row loops."""

Record = dict[str, object]


@dataclass(frozen=True)
class _Setup:
    laws: SelectedLaws
    posy: PosynomialLoss
    objective: Posynomial
    pair: tuple[float, float, float, float]
    k: float
    limits: tuple[Constraint, ...]
    """The request's limits as the plan's program states them (each one monomial)."""
    architecture: Architecture
    context_length: int
    catalog_version: str


def _setup(request: SweepRequest) -> _Setup | None:
    """The shared inputs when the request is the common question, else ``None``."""
    if request.budgets is None or request.inference is not None or request.uncertainty:
        return None
    if request.min_severity != "info" or request.constraints.max_learning_rate is not None:
        return None
    laws = select_laws(request.laws)
    if laws.allocation is not None or not is_loss_law(laws.loss.law):
        return None
    law = laws.loss.law
    if law.traits.params_quantity != "n_params_total":
        return None
    posy = posynomial(law, laws.loss.constants.name)
    objective = Posynomial.of(posy.terms)
    pair = separable_pair(objective)
    k = law.traits.flops_per_param_token
    limits = collect_bounds(
        request.constraints,
        params_quantity=law.traits.params_quantity,
        compute_terms=compute_terms(k),
        laws=[law],
    )
    if pair is None or any(RowMonomial.of(limit) is None for limit in limits):
        return None
    arch = Architecture()  # a sweep's rows take the default model and context
    context_length = PlanRequest.model_fields["context_length"].default
    if arch.vocab_size is not None or arch.tensor_parallel != 1:
        return None
    return _Setup(
        laws, posy, objective, pair, k, tuple(limits), arch, context_length, CATALOG.version
    )


def _budget_flops(budget: Budget, devices: Mapping[str, Device]) -> float | None:
    """The FLOPs a row's budget buys, converted as a single plan converts them; ``None`` where
    the conversion refuses (an unknown GPU, too small a budget: make_plan says why)."""
    try:
        if budget.gpu is not None:
            budget_device(budget, devices)
        return budget_flops(budget, devices)
    except InvalidRequest:
        return None


def _budget_cells(
    budget: Budget, flops: float, devices: Mapping[str, Device], limits: Sequence[str]
) -> Record:
    """A row's budget columns: how it was given, its GPU-hours and dollars for ``flops``, and
    the budget's label before those of the ``limits`` that bind with it."""
    kind = budget.amount_kind() or "flops"
    cells: Record = {"given_as": kind, "gpu": "", "gpu_hours": "", "dollars": ""}
    if budget.gpu is not None:
        described = describe_budget(budget, flops, devices)
        cells["gpu"] = described.gpu or ""
        cells["gpu_hours"] = _blank(described.gpu_hours)
        cells["dollars"] = _blank(described.dollars)
    return cells | {"binding_constraints": ";".join([BUDGET_FIELD[kind], *limits])}


Reply = tuple[object, Exception | None]
"""A question's answer, or the error raised for it (thrown back into the account)."""


class _Answers:
    """The questions of many accounts (:func:`.model_account.account_steps`), each kind
    asked at once: one shape search per distinct count (:mod:`.shapes`), the vocabulary
    law's root for every row (:mod:`.vocabulary`), the whole advice only where an account
    settled."""

    def __init__(self, setup: _Setup) -> None:
        self.architecture = setup.architecture
        self.vocab_law = setup.laws.vocabulary
        self.parametric = ParametricVocabulary.of(self.vocab_law)
        self.vocab_params: dict[VocabularyQuestion, float] = {}
        self.advices: dict[VocabularyQuestion, VocabularyAdvice] = {}

    def __call__(self, asked: Mapping[int, Question]) -> dict[int, Reply]:
        shape_rows = [i for i, q in asked.items() if isinstance(q, ShapeQuestion)]
        vocab_rows = [i for i, q in asked.items() if isinstance(q, VocabularyQuestion)]
        out: dict[int, Reply] = {}
        if shape_rows:
            counts = [cast(ShapeQuestion, asked[i]).n_non_embedding for i in shape_rows]
            arch = self.architecture
            shapes = shapes_for_counts(
                counts, gated_mlp=arch.gated_mlp, grouped_query=arch.grouped_query
            )
            for i, count in zip(shape_rows, counts, strict=True):
                shape = shapes.get(count)  # None outside the rule's range
                out[i] = (None, shape) if isinstance(shape, ValueError) else (shape, None)
        questions = [cast(VocabularyQuestion, asked[i]) for i in vocab_rows]
        sizes: list[float | None] = [None] * len(questions)
        if self.parametric is not None:
            sizes = self.parametric.vocab_params(
                [q.n_nv for q in questions],
                [q.flops for q in questions],
                [float(q.d_model) for q in questions],
            )
        for i, question, vocab_params in zip(vocab_rows, questions, sizes, strict=True):
            out[i] = self._size(question, vocab_params)
        for i, settled in asked.items():
            if isinstance(settled, AdviceQuestion):
                out[i] = (self._advice(settled.at), None)
        return out

    def _size(self, question: VocabularyQuestion, vocab_params: float | None) -> Reply:
        if vocab_params is not None:
            self.vocab_params[question] = vocab_params
            return vocab_params / float(question.d_model), None
        try:  # another approach, or the root search refuses: ask the law the usual way
            advice = advise_vocabulary(
                self.vocab_law, question.n_nv, question.flops, question.d_model
            )
        except InvalidRequest as exc:
            return None, exc
        self.advices[question] = advice
        return advice.vocab_size, None

    def _advice(self, question: VocabularyQuestion) -> VocabularyAdvice:
        if question in self.advices:
            return self.advices[question]
        assert self.parametric is not None
        return self.parametric.advice(
            question.n_nv, question.flops, float(question.d_model), self.vocab_params[question]
        )


def _accounts(
    setup: _Setup, rows: list[int], n_law: list[float], flops: list[float]
) -> dict[int, ModelAccount | None]:
    """Every row's account (``None`` where it raises: make_plan raises the same), its
    questions gathered across rows and answered together."""
    out: dict[int, ModelAccount | None] = {}
    waiting: dict[int, tuple[AccountSteps, Question]] = {}
    answers = _Answers(setup)

    def advance(i: int, steps: AccountSteps, reply: object, error: Exception | None) -> None:
        try:
            question = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            out[i] = stop.value
            return
        except (InvalidRequest, ValueError):
            out[i] = None
            return
        waiting[i] = (steps, question)

    for count, i in enumerate(rows):
        if count % _CHUNK == 0:
            checkpoint(f"sweep row {i + 1} of the batch (vocabulary)")
        steps = account_steps(
            n_law[i], "n_params_total", flops[i], setup.architecture, with_vocabulary_law=True
        )
        advance(i, steps, None, None)
    while waiting:
        checkpoint("the sweep's shape and vocabulary questions")
        asked = {i: question for i, (_, question) in waiting.items()}
        steps_of = {i: steps for i, (steps, _) in waiting.items()}
        waiting = {}
        for i, (reply, error) in answers(asked).items():
            advance(i, steps_of[i], reply, error)
    return out


@dataclass(slots=True)
class _Point:
    """A :class:`TrainingPoint` without its per-field validation: every value here is a
    finite positive float of a planned row (checked before the record is kept)."""

    n_params_non_embedding: float
    n_params_total: float
    n_tokens: float
    flops: float
    loss: float | None
    model_flops_per_token: float | None
    context_length: int

    def value(self, name: str) -> float | None:
        found: float | None = getattr(self, name)
        return found


@dataclass(frozen=True)
class _Recipe:
    learning_rate: float | None
    batch_size_tokens: float | None
    batch_size_sequences: int | None
    steps: int | None
    outside: bool
    """An extrapolation warning of a hyperparameter law the recipe used."""


def _hyperparam_laws(selected: ResolvedLaw[HyperparamLaw]) -> dict[str, ResolvedLaw[HyperparamLaw]]:
    """training_recipe's laws, by id."""
    return {
        law.id: selected
        if law.id == selected.law.id
        else resolve("hyperparams", law.id, HyperparamLaw, "laws.hyperparams")
        for law in CATALOG.all_laws()
        if law.family == "hyperparams"
    }


def _recipe(
    selected: ResolvedLaw[HyperparamLaw],
    laws: Mapping[str, ResolvedLaw[HyperparamLaw]],
    point: _Point,
    missing_of: dict[tuple[str, bool], dict[str, tuple[str, ...]]],
) -> _Recipe:
    """The numbers and warning of :func:`.training_recipe.training_recipe` that a CSV row
    shows, from the same formulas (each law's ``advise_fn`` on the same point)."""
    estimates: dict[str, Estimate | None] = {}

    def estimate(law_id: str) -> Estimate | None:
        if law_id not in estimates:
            resolved = laws[law_id]
            law = resolved.law
            key = (law_id, point.model_flops_per_token is None)  # the one input that may lack
            if key not in missing_of:
                missing_of[key] = missing_inputs(law, point)
            missing = missing_of[key]
            if len(missing) == len(law.traits.requires):
                estimates[law_id] = None
            elif missing:
                raise _OffPath
            else:
                estimates[law_id] = estimate_at(law, point, resolved.constants.name)
        return estimates[law_id]

    values: dict[str, float | None] = {}
    source: dict[str, str] = {}
    used: dict[str, list[str]] = {}
    for output, (fallback, _) in FALLBACK.items():
        values[output] = None
        for law_id in (selected.law.id, fallback):
            found = estimate(law_id)
            value = getattr(found, output) if found is not None else None
            if value is not None:
                values[output] = value
                source[output] = law_id
                used.setdefault(law_id, []).append(_FIELD[output])
                break
    batch = values["batch_size_tokens"]
    context = point.context_length
    sequences = max(1, round(batch / context)) if batch is not None else None
    steps = math.ceil(point.n_tokens / (sequences * context)) if sequences is not None else None
    outside = False
    for law_id, produces in used.items():
        law = laws[law_id].law
        found = estimates[law_id]
        assert found is not None
        relevant = {
            _GLOSSARY.get(name, name)
            for output, names in law.traits.requires.items()
            if _FIELD.get(output) in produces
            for name in names
        }
        inputs = {q: v for q, v in found.inputs_used.items() if q in relevant or q == "flops"}
        outside = outside or _outside(law, inputs)
    return _Recipe(values["peak_learning_rate"], batch, sequences, steps, outside)


class _OffPath(Exception):
    """A row the batch path does not reproduce (make_plan plans it)."""


def _outside(law: AnyLaw, values: Mapping[str, float]) -> bool:
    return bool(law.out_of_range(values))


def _finite(values: Iterable[object]) -> bool:
    return all(math.isfinite(v) for v in values if isinstance(v, float))


def batch_records(
    request: SweepRequest, devices: Mapping[str, Device] | None = None
) -> list[Record | None] | None:
    """The CSV record of each row planned together, ``None`` for a row make_plan must plan;
    ``None`` for the whole request when it is not the common question."""
    setup = _setup(request)
    if setup is None:
        return None
    with collector_paused():
        return _planned_together(request, setup, dict(devices or {}))


def _planned_together(
    request: SweepRequest, setup: _Setup, devices: Mapping[str, Device]
) -> list[Record | None]:
    assert request.budgets is not None
    budgets = request.budgets
    bought = [_budget_flops(b, devices) for b in budgets]
    plain = np.array([f is not None for f in bought], dtype=bool)
    flops = np.array([1.0 if f is None else f for f in bought])
    tolerance = np.array([b.loss_tolerance for b in budgets], dtype=float)
    checkpoint("the sweep's solves")
    coefficients = budget_coefficients(setup.k, flops)
    limits = [RowMonomial.of(limit) for limit in setup.limits]
    program = [_budget_row(coefficients), *(limit for limit in limits if limit is not None)]
    n0, d0 = closed_form_starts(setup.pair, coefficients)
    solved = certified_rows(setup.objective.terms, program, n0, d0)
    relaxed = polish_rows(
        setup.objective.terms,
        [_budget_row(budget_coefficients(setup.k, flops, 1.0 / RELAXATION)), *program[1:]],
        solved.n_params,
        solved.n_tokens,
        solved.multipliers,
    )
    budget_multipliers = solved.multipliers[:, 0]
    ok = plain & solved.ok & relaxed.ok & (budget_multipliers > BINDING_MULTIPLIER)
    posy, k = setup.posy, setup.k
    n_list, d_list = solved.n_params.tolist(), solved.n_tokens.tolist()
    flops_list, multipliers = flops.tolist(), budget_multipliers.tolist()
    # the loss law's own numpy expressions, on arrays (the scalar route calls them per row)
    with np.errstate(all="ignore"):
        losses = _floats(posy(solved.n_params, solved.n_tokens))
        training_list = _floats(sum(t(solved.n_params, solved.n_tokens) for t in compute_terms(k)))
        reducibles = _floats(posy.reducible(solved.n_params, solved.n_tokens))
        relaxed_losses = _floats(posy(relaxed.n_params, relaxed.n_tokens))
    values: dict[int, tuple[float, float, float, float, float]] = {}
    for i in [i for i in range(len(budgets)) if ok[i]]:
        loss, training, reducible = losses[i], training_list[i], reducibles[i]
        log_scale = posy.power * reducible**posy.power / loss
        elasticity = -multipliers[i] * log_scale * 1.0
        share = 1.0 * training / flops_list[i]
        tol = float(tolerance[i])
        if tol > 0:
            enough = math.log(1.0 + tol) / math.log(1.0 / SATURATION_SHARE)
            if not (share >= 1.0 - 1e-6 and abs(elasticity) >= enough):
                continue  # the saturation search: make_plan runs it
        values[i] = (loss, training, share, relaxed_losses[i] - loss, elasticity)
    accounts = _accounts(setup, list(values), n_list, flops_list)
    records = _records(setup, len(budgets), values, accounts, n_list, d_list, flops_list)
    for i, record in enumerate(records):
        if record is not None:
            binding = [
                label
                for limit, multiplier in zip(setup.limits, solved.multipliers[i, 1:], strict=True)
                if multiplier > BINDING_MULTIPLIER
                for label in limit.labels
            ]
            record.update(_budget_cells(budgets[i], flops_list[i], devices, binding))
    return records


def _budget_row(coefficients: npt.NDArray[np.float64]) -> RowMonomial:
    """Every row's budget ``k N D / C <= 1`` as the scalar polish reads it."""
    return RowMonomial(np.array([math.log(c) for c in coefficients.tolist()]), 1.0, 1.0)


def _records(
    setup: _Setup,
    count: int,
    values: dict[int, tuple[float, float, float, float, float]],
    accounts: dict[int, ModelAccount | None],
    n_list: list[float],
    d_list: list[float],
    flops_list: list[float],
) -> list[Record | None]:
    laws = setup.laws
    loss_law, cset = laws.loss.law, laws.loss.constants.name
    law_caveats = any(c.startswith(FIT_CAVEAT) for c in loss_law.caveats)
    lr_limit = BOUNDS["learning_rate"].limit
    vocab_limit = BOUNDS["vocab_size"].limit
    tpp_limit = BOUNDS["tokens_per_param"].limit
    assert lr_limit is not None
    assert vocab_limit is not None
    assert tpp_limit is not None
    out: list[Record | None] = [None] * count
    hyperparam_laws = _hyperparam_laws(laws.hyperparams)
    missing_of: dict[tuple[str, bool], dict[str, tuple[str, ...]]] = {}
    for done, (i, (loss, training, share, delta, _)) in enumerate(values.items()):
        if done % _CHUNK == 0:
            checkpoint(f"sweep row {i + 1} of {count}")
        account = accounts.get(i)
        if account is None or account.vocab is None:
            continue
        advice = account.vocab
        n, d, flops = n_list[i], d_list[i], flops_list[i]
        downstream = downstream_error(loss_law, loss, cset)
        shape = account.shape.shape if account.shape is not None else None
        point = _Point(
            n_params_non_embedding=account.n_non_embedding,
            n_params_total=account.total_params,
            n_tokens=d,
            flops=training,
            loss=loss,
            model_flops_per_token=None
            if shape is None
            else float(model_flops_per_token(shape, setup.context_length)),
            context_length=setup.context_length,
        )
        if not _positive(point):  # TrainingPoint would refuse it: make_plan says how
            continue
        try:
            recipe = _recipe(laws.hyperparams, hyperparam_laws, point, missing_of)
        except _OffPath:
            continue
        tokens_per_param = d / n
        codes: set[str] = {"outside_fitted_range"} if recipe.outside else set()
        law_point = {
            loss_law.traits.params_quantity: n,
            "n_tokens": d,
            "tokens_per_param": tokens_per_param,
            "flops": training,
        }
        if _outside(loss_law, law_point) or _outside(laws.vocabulary.law, advice.quantities()):
            codes.add("outside_fitted_range")
        if law_caveats or account.warnings:  # law_caveat alone: no tensor parallelism here
            codes.add("law_caveat")
        lr = recipe.learning_rate
        if (
            loss > loss_bound(account.vocab_size)[0]
            or account.vocab_size > vocab_limit
            or (lr is not None and lr > lr_limit)
            or tokens_per_param < tpp_limit
        ):
            codes.add("implausible")
        unspent = max(0.0, 1.0 - share) * flops
        record: Record = {
            "index": i,
            "given_as": "flops",  # the budget's cells: _budget_cells
            "flops": training,
            "flops_unspent": unspent,
            "gpu": "",
            "gpu_hours": "",
            "dollars": "",
            "target_loss": "",
            "params": n,
            "params_definition": loss_law.traits.params_quantity,
            "tokens": d,
            "tokens_per_param": tokens_per_param,
            "loss": loss,
            "downstream_error": "" if downstream is None else downstream,
            "params_total": account.total_params,
            "vocab_size": account.vocab_size,
            "n_layer": "" if shape is None else shape.n_layer,
            "d_model": "" if shape is None else shape.d_model,
            "learning_rate": "" if lr is None else lr,
            "batch_size_tokens": _blank(recipe.batch_size_tokens),
            "batch_size_sequences": _blank(recipe.batch_size_sequences),
            "steps": _blank(recipe.steps),
            "unique_tokens": "",
            "epochs": "",
            "parallel_streams": "",
            "decode_ms_per_token_worst": "",
            "time_to_first_token_ms": "",
            "serving_memory_per_device": "",
            "lifetime_flops": "",
            "loss_law": f"{loss_law.id}@{cset}",
            "allocation_law": "",
            "loss_change_per_10pct_more_budget": delta,
            "binding_constraints": "budget.flops",
            "warnings": ";".join(sorted(codes)),
            "error": "",
            "error_detail": "",
            "catalog_version": setup.catalog_version,
        }
        if _finite(record.values()):
            out[i] = record
    return out


def _floats(values: object) -> list[float]:
    found: list[float] = np.asarray(values, dtype=float).tolist()
    return found


def _positive(point: _Point) -> bool:
    numbers = [getattr(point, name) for name in point.__slots__]
    return all(math.isfinite(value) and value > 0 for value in numbers if isinstance(value, float))


def _blank(value: object) -> object:
    return "" if value is None else value
