"""Sweep rows that differ only in their budget, planned together (issue 13).

The common sweep - budgets in FLOPs, GPU time or dollars (converted to FLOPs as a single plan
converts them), a loss law with a closed-form optimum or an allocation law, limits on
parameters, tokens or tokens per parameter (or the fitted range; for a loss law that counts
all parameters) but no learning-rate cap, no serving, data, precision or uncertainty sections -
asks one question thousands of times with a different ``C``. Here every step of
:func:`make_plan`'s route runs over all rows at once: the optima (:mod:`.optima`: the certified
solves, the vocabulary's FLOPs settled for a law that counts non-embedding parameters, the
+10 % budget re-solve, the scalar floats bit for bit) or the published allocation
(:mod:`.allocation`), the saturation rule, the model accounts (:mod:`.accounts`: the
vocabulary/shape fixed point with one shape search per distinct count), the recipe and the
checks, and the CSV record of each row is written straight from those values.

Each step either reproduces the scalar arithmetic exactly or marks the row: a row that leaves
the common path anywhere (the polish rejects its point, the budget is saturated, the fixed
point needs another round, a vocabulary that does not fit, a non-finite number) gets ``None``
and is planned by :func:`make_plan`, which answers or raises exactly as a single plan would.
tests/planner/test_sweep_identity.py holds every row to its single plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from laws_catalog import CATALOG, AnyLaw, PosynomialLoss, ResolvedLaw
from laws_catalog.allocation import AllocationLaw
from laws_catalog.architecture import model_flops_per_token
from laws_catalog.hardware import Device
from laws_catalog.hyperparams import Estimate, HyperparamLaw, estimate_at, missing_inputs
from laws_catalog.loss import downstream_error, is_loss_law, posynomial

from ...deadline import checkpoint
from ...errors import InvalidRequest
from ...optimize.closed_form import separable_pair
from ...optimize.polish_batch import RowPosynomial
from ...optimize.posynomial import Posynomial
from ...optimize.program import Constraint
from ...schemas.requests import Architecture, Budget, PlanRequest, SweepRequest
from ...schemas.severity import (
    Severity,
    at_least,
    extrapolation_severity,
    gravest,
    severity_of,
)
from ..checks.plausibility import BOUNDS, loss_bound
from ..laws.selection import SelectedLaws, resolve, select_laws
from ..laws.validity import FIT_CAVEAT
from ..plan.budget import budget_device, budget_flops, describe_budget
from ..plan.constraints import collect_bounds
from ..plan.model_account import ModelAccount, compute_terms, vocabulary_flop_params
from ..plan.optimum import BINDING_MULTIPLIER
from ..plan.problem import BUDGET_FIELD
from ..plan.saturation import SATURATION_SHARE
from ..plan.training_recipe import _FIELD, _GLOSSARY, FALLBACK
from ..routes.gp import _flops
from .accounts import accounts_together
from .allocation import allocated_rows
from .collector import collector_paused
from .csv_table import Record, blank
from .optima import row_optima

__all__ = ["batch_records"]

_CHUNK = 512
"""Rows between deadline checkpoints in the per-row loops."""


@dataclass(frozen=True)
class _Setup:
    laws: SelectedLaws
    posy: PosynomialLoss
    objective: Posynomial
    pair: tuple[float, float, float, float]
    k: float
    limits: tuple[Constraint, ...]
    """The request's limits as the plan's program states them (each one monomial)."""
    allocation: ResolvedLaw[AllocationLaw] | None
    """The allocation law that plans the rows instead of the loss law's optimum."""
    min_severity: Severity
    architecture: Architecture
    context_length: int
    catalog_version: str


def _setup(request: SweepRequest) -> _Setup | None:
    """The shared inputs when the request is the common question, else ``None``."""
    if request.budgets is None or request.inference is not None or request.uncertainty:
        return None
    if request.constraints.max_learning_rate is not None:
        return None
    laws = select_laws(request.laws)
    if not is_loss_law(laws.loss.law):
        return None
    if laws.allocation is not None:
        allocation = laws.allocation.law
        if collect_bounds(
            request.constraints,
            params_quantity=allocation.traits.params_quantity,
            compute_terms=compute_terms(allocation.traits.flops_per_param_token),
            laws=[allocation],
        ):
            return None  # limits move the published allocation: make_plan
    law = laws.loss.law
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
    if pair is None or any(_monomial(limit) is None for limit in limits):
        return None
    if limits and law.traits.params_quantity != "n_params_total":
        return None  # the budget counts the vocabulary: a second term beside the limits
    arch = Architecture()  # a sweep's rows take the default model and context
    context_length = PlanRequest.model_fields["context_length"].default
    if arch.vocab_size is not None or arch.tensor_parallel != 1:
        return None
    return _Setup(
        laws,
        posy,
        objective,
        pair,
        k,
        tuple(limits),
        laws.allocation,
        request.min_severity,
        arch,
        context_length,
        CATALOG.version,
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
        cells["gpu_hours"] = blank(described.gpu_hours)
        cells["dollars"] = blank(described.dollars)
    return cells | {"binding_constraints": ";".join([BUDGET_FIELD[kind], *limits])}


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
    extrapolation: float
    """The largest extrapolation factor of a hyperparameter law the recipe used (0: none)."""


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
    extrapolation = 0.0
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
        extrapolation = max(extrapolation, _extrapolation(law, inputs))
    return _Recipe(values["peak_learning_rate"], batch, sequences, steps, extrapolation)


class _OffPath(Exception):
    """A row the batch path does not reproduce (make_plan plans it)."""


def _extrapolation(law: AnyLaw, values: Mapping[str, float]) -> float:
    """The largest factor by which ``values`` leave ``law``'s fitted range (0: inside)."""
    return max((item.factor for item in law.out_of_range(values)), default=0.0)


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


@dataclass(frozen=True)
class _Planned:
    """What the route gives each row the batch planned: ``values`` holds (loss, training
    FLOPs, budget share spent, loss change at 110 % of the budget) by row."""

    values: dict[int, tuple[float, float, float, float]]
    flops: list[float]
    """Each row's budget in FLOPs."""
    n_params: list[float]
    n_tokens: list[float]
    accounts: Mapping[int, ModelAccount | None]
    params_quantity: str
    binding: dict[int, list[str]]
    """The labels of the limits that bind with the budget."""
    codes: dict[int, set[str]]
    """The route's own warning codes."""


def _planned_together(
    request: SweepRequest, setup: _Setup, devices: Mapping[str, Device]
) -> list[Record | None]:
    assert request.budgets is not None
    budgets = request.budgets
    bought = [_budget_flops(b, devices) for b in budgets]
    flops = np.array([1.0 if f is None else f for f in bought])
    tolerance = [b.loss_tolerance for b in budgets]
    rows = [i for i, f in enumerate(bought) if f is not None]
    checkpoint("the sweep's solves")
    if setup.allocation is not None:
        planned = _by_allocation(setup, setup.allocation, flops.tolist(), tolerance, rows)
    else:
        planned = _by_optimum(setup, flops, tolerance, rows)
    records = _records(setup, len(budgets), planned)
    for i, record in enumerate(records):
        if record is not None:
            cells = _budget_cells(budgets[i], float(flops[i]), devices, planned.binding.get(i, []))
            record.update(cells)
    return records


def _accounts_of(
    setup: _Setup, params_quantity: str, flops: list[float]
) -> Callable[[list[int], list[float]], dict[int, ModelAccount | None]]:
    def accounts_of(rows: list[int], n_law: list[float]) -> dict[int, ModelAccount | None]:
        return accounts_together(
            rows,
            n_law,
            flops,
            params_quantity=params_quantity,
            architecture=setup.architecture,
            vocab_law=setup.laws.vocabulary,
        )

    return accounts_of


def _by_optimum(
    setup: _Setup, flops: npt.NDArray[np.float64], tolerance: list[float], rows: list[int]
) -> _Planned:
    """The loss law's optimum of every row (:mod:`.optima`), the rows the saturation rule
    keeps whole (its shortcut: the budget binds and its elasticity is large enough)."""
    quantity = setup.laws.loss.law.traits.params_quantity
    flops_list = flops.tolist()
    accounts_of = _accounts_of(setup, quantity, flops_list)

    def counted(account: ModelAccount) -> float:
        return vocabulary_flop_params(account, quantity)

    limits = [_monomial(limit) for limit in setup.limits]
    optima = row_optima(
        setup.objective.terms,
        setup.pair,
        setup.k,
        [limit for limit in limits if limit is not None],
        flops,
        settle=None if quantity == "n_params_total" else (accounts_of, counted),
    )
    budget_multipliers = optima.multipliers[:, 0]
    ok = optima.ok & (budget_multipliers > BINDING_MULTIPLIER)
    posy, k = setup.posy, setup.k
    n_list, d_list = optima.n_params.tolist(), optima.n_tokens.tolist()
    multipliers = budget_multipliers.tolist()
    # the loss law's own numpy expressions, on arrays (the scalar route calls them per row)
    with np.errstate(all="ignore"):
        losses = _floats(posy(optima.n_params, optima.n_tokens))
        reducibles = _floats(posy.reducible(optima.n_params, optima.n_tokens))
        relaxed_losses = _floats(posy(optima.relaxed_n_params, optima.relaxed_n_tokens))
        if optima.accounts:  # the budget counts each row's settled vocabulary
            training_list = [
                _flops(compute_terms(k, counted(optima.accounts[i])), n_list[i], d_list[i])
                if i in optima.accounts
                else math.nan
                for i in range(len(flops_list))
            ]
        else:
            training_list = _floats(
                sum(t(optima.n_params, optima.n_tokens) for t in compute_terms(k))
            )
    values: dict[int, tuple[float, float, float, float]] = {}
    for i in [i for i in rows if ok[i]]:
        loss, training, reducible = losses[i], training_list[i], reducibles[i]
        log_scale = posy.power * reducible**posy.power / loss
        elasticity = -multipliers[i] * log_scale * 1.0
        share = 1.0 * training / flops_list[i]
        tol = tolerance[i]
        if tol > 0:
            enough = math.log(1.0 + tol) / math.log(1.0 / SATURATION_SHARE)
            if not (share >= 1.0 - 1e-6 and abs(elasticity) >= enough):
                continue  # the saturation search: make_plan runs it
        values[i] = (loss, training, share, relaxed_losses[i] - loss)
    accounts: Mapping[int, ModelAccount | None] = optima.accounts or accounts_of(
        list(values), n_list
    )
    binding = {
        i: [
            label
            for limit, multiplier in zip(setup.limits, optima.multipliers[i, 1:], strict=True)
            if multiplier > BINDING_MULTIPLIER
            for label in limit.labels
        ]
        for i in values
    }
    return _Planned(values, flops_list, n_list, d_list, accounts, quantity, binding, {})


def _by_allocation(
    setup: _Setup,
    allocation: ResolvedLaw[AllocationLaw],
    flops: list[float],
    tolerance: list[float],
    rows: list[int],
) -> _Planned:
    """The allocation law's (N, D) of every row (:mod:`.allocation`), with the route's
    warnings: the budget by the planner's FLOP accounting against the paper's, and a loss law
    counting parameters another way."""
    law = allocation.law
    quantity, k = law.traits.params_quantity, law.traits.flops_per_param_token
    found = allocated_rows(allocation, setup.laws.loss, flops, tolerance, rows)
    n_list, d_list = [1.0] * len(flops), [1.0] * len(flops)
    for i, row in found.items():
        n_list[i], d_list[i] = row.n_params, row.n_tokens
    accounts = _accounts_of(setup, quantity, flops)(list(found), n_list)
    mismatch = quantity != setup.laws.loss.law.traits.params_quantity
    codes: dict[int, set[str]] = {}
    for i, row in found.items():
        account = accounts.get(i)
        if account is None:
            continue
        accounted = k * (row.n_params + vocabulary_flop_params(account, quantity)) * row.n_tokens
        codes[i] = {"convention_mismatch"} if mismatch else set()
        if abs(accounted / flops[i] - 1.0) > 1e-3:
            codes[i].add("flops_accounting_gap")
    values = {i: (row.loss, flops[i], 1.0, row.loss_change) for i, row in found.items()}
    return _Planned(values, flops, n_list, d_list, accounts, quantity, {}, codes)


def _monomial(limit: Constraint) -> RowPosynomial | None:
    """A limit as the batch polish reads it, when it is one monomial."""
    found = RowPosynomial.of(limit)
    return found if found is not None and found.gradient is not None else None


def _records(setup: _Setup, count: int, planned: _Planned) -> list[Record | None]:
    laws = setup.laws
    loss_law, cset = laws.loss.law, laws.loss.constants.name
    ranged: list[AnyLaw] = [loss_law]
    allocated = ""
    if setup.allocation is not None:
        ranged.insert(0, setup.allocation.law)
        allocated = f"{setup.allocation.law.id}@{setup.allocation.constants.name}"
    law_caveats = any(c.startswith(FIT_CAVEAT) for law in ranged for c in law.caveats)
    lr_limit = BOUNDS["learning_rate"].limit
    vocab_limit = BOUNDS["vocab_size"].limit
    tpp_limit = BOUNDS["tokens_per_param"].limit
    assert lr_limit is not None
    assert vocab_limit is not None
    assert tpp_limit is not None
    out: list[Record | None] = [None] * count
    hyperparam_laws = _hyperparam_laws(laws.hyperparams)
    missing_of: dict[tuple[str, bool], dict[str, tuple[str, ...]]] = {}
    for done, (i, (loss, training, share, delta)) in enumerate(planned.values.items()):
        if done % _CHUNK == 0:
            checkpoint(f"sweep row {i + 1} of {count}")
        account = planned.accounts.get(i)
        if account is None or account.vocab is None:
            continue
        advice = account.vocab
        n, d = planned.n_params[i], planned.n_tokens[i]
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
        severities: dict[str, Severity] = {c: severity_of(c) for c in planned.codes.get(i, ())}
        law_point = {
            planned.params_quantity: n,
            "n_tokens": d,
            "tokens_per_param": tokens_per_param,
            "flops": training,
        }
        # a law's warnings merge into one whose severity follows its largest extrapolation
        worst = max(
            recipe.extrapolation,
            _extrapolation(laws.vocabulary.law, advice.quantities()),
            *(_extrapolation(law, law_point) for law in ranged),
        )
        if worst > 0:
            severities["outside_fitted_range"] = extrapolation_severity(worst)
        caveats: list[Severity] = [w.severity for w in account.warnings]  # law_caveat alone
        if law_caveats:
            caveats.append("warning")  # a fit's own caveats (laws.validity.fit_warnings)
        if caveats:
            severities["law_caveat"] = gravest(caveats)
        lr = recipe.learning_rate
        broken = [
            bound.severity
            for bound, breaks in (
                (BOUNDS["loss"], loss > loss_bound(account.vocab_size)[0]),
                (BOUNDS["vocab_size"], account.vocab_size > vocab_limit),
                (BOUNDS["learning_rate"], lr is not None and lr > lr_limit),
                (BOUNDS["tokens_per_param"], tokens_per_param < tpp_limit),
            )
            if breaks
        ]
        if broken:
            severities["implausible"] = gravest(broken)
        codes = [c for c, found in severities.items() if at_least(found, setup.min_severity)]
        unspent = max(0.0, 1.0 - share) * planned.flops[i]
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
            "params_definition": planned.params_quantity,
            "tokens": d,
            "tokens_per_param": tokens_per_param,
            "loss": loss,
            "downstream_error": "" if downstream is None else downstream,
            "params_total": account.total_params,
            "vocab_size": account.vocab_size,
            "n_layer": "" if shape is None else shape.n_layer,
            "d_model": "" if shape is None else shape.d_model,
            "learning_rate": "" if lr is None else lr,
            "batch_size_tokens": blank(recipe.batch_size_tokens),
            "batch_size_sequences": blank(recipe.batch_size_sequences),
            "steps": blank(recipe.steps),
            "unique_tokens": "",
            "epochs": "",
            "parallel_streams": "",
            "decode_ms_per_token_worst": "",
            "time_to_first_token_ms": "",
            "serving_memory_per_device": "",
            "lifetime_flops": "",
            "loss_law": f"{loss_law.id}@{cset}",
            "allocation_law": allocated,
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
