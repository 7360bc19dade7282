"""Provenance records and unit descriptions attached to every answer."""

from __future__ import annotations

from laws_catalog import AnyLaw, ResolvedLaw
from laws_catalog.loss import LossLaw
from laws_catalog.quantities import quantity

from ...schemas.responses import LawRole, LawUse
from .selection import SelectedLaws

__all__ = ["law_use", "plan_units", "units_for"]


def law_use(
    resolved: ResolvedLaw[AnyLaw],
    *,
    role: LawRole,
    produces: list[str],
    method: str,
    equations: list[str] | None = None,
) -> LawUse:
    law, constants = resolved.law, resolved.constants
    return LawUse(
        role=role,
        law=law.id,
        family=law.family,
        constant_set=constants.name,
        evidence=constants.evidence,
        constants=dict(constants.values),
        reference=law.reference,
        equations=equations if equations is not None else list(law.equations),
        produces=produces,
        method=method,
        caveats=list(law.caveats),
    )


def _describe(name: str) -> str:
    q = quantity(name)
    return f"{q.unit} ({name}): {q.definition}"


def units_for(
    loss_law: LossLaw,
    params_quantity: str,
    k: float,
    *,
    vocabulary_in_flops: bool = False,
) -> dict[str, str]:
    flops = (
        f"FLOPs: training compute counted as C = {k:g} * (params + vocab_size * d_model) * "
        "tokens (the law's N excludes the vocabulary, whose output head is a matmul)"
        if vocabulary_in_flops
        else f"FLOPs: training compute counted as C = {k:g} * params * tokens"
    )
    units = {
        "params": _describe(params_quantity),
        "tokens": _describe("n_tokens"),
        "tokens_per_param": _describe("tokens_per_param"),
        "flops": flops,
        "loss": f"nats/token on {loss_law.traits.evaluation}",
        "params_non_embedding": "parameters: everything but the token embedding and output "
        "head (shape rule's counting: matrices and norm gains, no biases)",
        "params_embedding": "parameters: vocab_size * d_model, once if tied, twice if not",
        "params_total": "parameters: params_non_embedding + params_embedding",
        "vocab_size": "tokenizer entries (rounded to a multiple of 64)",
        "learning_rate": "peak learning rate of lr_schedule (AdamW unless the law says otherwise)",
        "batch_size_tokens": "tokens per optimizer step",
        "batch_size_sequences": "sequences of context_length tokens per step (rounded)",
        "critical_batch_size_tokens": "tokens per step (McCandlish et al. 2018 definition)",
        "steps": "optimizer steps: ceil(tokens / (batch_size_sequences * context_length))",
        "model_flops_per_token": "FLOPs/token: DeepSeek's M (non-embedding, with attention)",
    }
    if loss_law.traits.downstream is not None:
        units["downstream_error"] = f"fraction: {loss_law.traits.downstream.suite}"
    return units


def plan_units(laws: SelectedLaws) -> dict[str, str]:
    """The units of a plan's numbers under ``laws``: its parameters are the allocation law's
    count when one allocates, else the loss law's; a count without the vocabulary adds the
    vocabulary's FLOPs to the budget's accounting."""
    counted = laws.allocation.law.traits if laws.allocation is not None else laws.loss.law.traits
    return units_for(
        laws.loss.law,
        counted.params_quantity,
        counted.flops_per_param_token,
        vocabulary_in_flops=counted.params_quantity != "n_params_total",
    )
