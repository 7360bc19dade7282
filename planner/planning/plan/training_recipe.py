"""How to train the planned model: peak learning rate, batch size, critical batch, steps.

Computed after the solve from the planned (N, D, C, loss) and the model's shape. The selected
hyperparameter law answers what it can; an output it does not give (Step Law has no critical
batch, MiniCPM no learning rate) comes from a named fallback law, traced like any other number.
Every hyperparameter law's answer is listed beside the chosen one so disagreements are visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from laws_catalog import CATALOG, ResolvedLaw
from laws_catalog.architecture import model_flops_per_token
from laws_catalog.hyperparams import (
    HyperparamAdvice,
    HyperparamLaw,
    MissingInput,
    TrainingPoint,
    advise,
)

from ...schemas.responses import AnswerWarning, HyperparamRow, LawRole, LawUse
from ..laws.provenance import law_use
from ..laws.selection import resolve
from ..laws.validity import range_warnings
from .model_account import ModelAccount

__all__ = ["TrainingRecipe", "training_recipe"]

#: output -> (fallback law id, provenance role) when the selected law does not give it
FALLBACK: dict[str, tuple[str, LawRole]] = {
    "peak_learning_rate": ("steplaw2025", "hyperparams"),
    "batch_size_tokens": ("steplaw2025", "hyperparams"),
    "critical_batch_size_tokens": ("kaplan2020", "critical_batch"),
}
_GLOSSARY = {"loss": "loss_nats_per_token"}  # TrainingPoint input -> glossary quantity
_FIELD = {
    "peak_learning_rate": "learning_rate",
    "batch_size_tokens": "batch_size_tokens",
    "critical_batch_size_tokens": "critical_batch_size_tokens",
}


@dataclass
class TrainingRecipe:
    learning_rate: float | None
    lr_schedule: str | None
    batch_size_tokens: float | None
    batch_size_sequences: int | None
    critical_batch_size_tokens: float | None
    steps: int | None
    model_flops_per_token: float | None
    rows: list[HyperparamRow]
    provenance: list[LawUse] = field(default_factory=list)
    warnings: list[AnswerWarning] = field(default_factory=list)


def _resolve(ref: str) -> ResolvedLaw[HyperparamLaw]:
    return resolve("hyperparams", ref, HyperparamLaw, "laws.hyperparams")


def _advise(resolved: ResolvedLaw[HyperparamLaw], point: TrainingPoint) -> HyperparamAdvice | None:
    try:
        return advise(resolved.law, point, resolved.constants.name)
    except MissingInput:
        return None


def _row(
    resolved: ResolvedLaw[HyperparamLaw],
    advice: HyperparamAdvice | None,
    context_length: int,
    missing_note: str,
) -> HyperparamRow:
    if advice is None:
        return HyperparamRow(
            law=resolved.law.id,
            constant_set=resolved.constants.name,
            learning_rate=None,
            batch_size_tokens=None,
            batch_size_sequences=None,
            critical_batch_size_tokens=None,
            schedule=resolved.law.traits.schedule,
            notes=[missing_note],
        )
    return HyperparamRow(
        law=resolved.law.id,
        constant_set=resolved.constants.name,
        learning_rate=advice.peak_learning_rate,
        batch_size_tokens=advice.batch_size_tokens,
        batch_size_sequences=advice.batch_size_sequences(context_length),
        critical_batch_size_tokens=advice.critical_batch_size_tokens,
        schedule=advice.schedule,
        notes=list(advice.notes),
    )


def training_recipe(
    selected: ResolvedLaw[HyperparamLaw],
    account: ModelAccount,
    *,
    n_tokens: float,
    flops: float,
    loss: float,
    context_length: int,
) -> TrainingRecipe:
    """Hyperparameters for the planned model, from the selected law with traced fallbacks."""
    m = (
        float(model_flops_per_token(account.shape.shape, context_length))
        if account.shape is not None
        else None
    )
    point = TrainingPoint(
        n_params_non_embedding=account.n_non_embedding,
        n_params_total=account.total_params,
        n_tokens=n_tokens,
        flops=flops,
        loss=loss,
        model_flops_per_token=m,
        context_length=context_length,
    )
    all_laws = [
        selected if law.id == selected.law.id else _resolve(law.id)
        for law in CATALOG.all_laws()
        if law.family == "hyperparams"
    ]
    advice = {r.law.id: _advise(r, point) for r in all_laws}
    rows = [
        _row(r, advice[r.law.id], context_length, "needs the model shape (no shape for this size)")
        for r in all_laws
    ]
    values: dict[str, float | None] = {}
    source: dict[str, str] = {}
    used: dict[str, list[str]] = {}
    roles: dict[str, LawRole] = {}
    for output, (fallback, role) in FALLBACK.items():
        values[output] = None
        for law_id in (selected.law.id, fallback):
            found = advice.get(law_id)
            value = getattr(found, output) if found is not None else None
            if value is not None:
                values[output] = value
                source[output] = law_id
                used.setdefault(law_id, []).append(_FIELD[output])
                roles[law_id] = "hyperparams" if law_id == selected.law.id else role
                break
    batch = values["batch_size_tokens"]
    sequences = max(1, round(batch / context_length)) if batch is not None else None
    steps = math.ceil(n_tokens / (sequences * context_length)) if sequences is not None else None
    if sequences is not None:
        used[source["batch_size_tokens"]].extend(["batch_size_sequences", "steps"])
    provenance, warnings = [], []
    by_id = {r.law.id: r for r in all_laws}
    for law_id, produces in used.items():
        resolved = by_id[law_id]
        found = advice[law_id]
        assert found is not None
        fallback_note = (
            ""
            if law_id == selected.law.id
            else f"; used because {selected.law.id} gives no {', '.join(produces)}"
        )
        provenance.append(
            law_use(
                resolved,
                role=roles[law_id],
                produces=produces,
                method=f"{resolved.ref} at the planned model (schedule: {found.schedule})"
                + fallback_note,
            )
        )
        relevant = {
            _GLOSSARY.get(name, name)
            for output, field_name in _FIELD.items()
            if field_name in produces
            for name in resolved.law.traits.requires.get(output, ())  # type: ignore[call-overload]
        }
        inputs = {q: v for q, v in found.inputs_used.items() if q in relevant or q == "flops"}
        warnings += range_warnings(resolved.law, inputs)
    lr_law = source.get("peak_learning_rate")
    return TrainingRecipe(
        learning_rate=values["peak_learning_rate"],
        lr_schedule=by_id[lr_law].law.traits.schedule if lr_law is not None else None,
        batch_size_tokens=batch,
        batch_size_sequences=sequences,
        critical_batch_size_tokens=values["critical_batch_size_tokens"],
        steps=steps,
        model_flops_per_token=m,
        rows=rows,
        provenance=provenance,
        warnings=warnings,
    )
