"""Retrieval datastore: MassiveDS compute and memory accounting (no quality law).

MassiveDS (Shao et al. 2024) fits no law of loss or accuracy in datastore size and publishes
no per-point results, so the planner does not let a datastore change the predicted loss. It
does count what a datastore costs: its build (one retriever forward pass per token, taken
from the training budget unless the request says otherwise), its flat index, its search, and
the retrieved chunks that lengthen every prompt (which the serving limits then see).
"""

from __future__ import annotations

from dataclasses import dataclass

from laws_catalog import ResolvedLaw
from laws_catalog.inference import massiveds2024 as massiveds
from laws_catalog.inference._law import InferenceLaw

from ...schemas.inference import RetrievalSpec
from ...schemas.inference_out import RetrievalOut
from ...schemas.requests import PlanRequest
from ...schemas.responses import LawUse
from ..laws.provenance import law_use
from ..laws.selection import resolve_one_of

__all__ = ["QUALITY_EFFECT", "RetrievalCost", "retrieval_cost"]

QUALITY_EFFECT = (
    "not modelled: MassiveDS fits no law in datastore size and releases no per-point results "
    "(only figures), so the plan's loss is the model's own"
)


@dataclass(frozen=True, slots=True)
class RetrievalCost:
    spec: RetrievalSpec
    law: ResolvedLaw[InferenceLaw]
    retriever_params: float
    build_flops: float
    prompt_tokens: float
    tokens_per_chunk: float
    embedding_dim: float

    @property
    def budget_flops(self) -> float:
        """FLOPs the build takes from the training budget."""
        return self.build_flops if self.spec.count_in_budget else 0.0

    def report(self, training_flops: float) -> tuple[RetrievalOut, LawUse]:
        passages = massiveds.datastore_passages(
            self.spec.datastore_tokens, tokens_per_chunk=self.tokens_per_chunk
        )
        out = RetrievalOut(
            datastore_tokens=self.spec.datastore_tokens,
            retriever_params=self.retriever_params,
            build_flops=self.build_flops,
            build_share_of_training=self.build_flops / training_flops,
            counted_in_budget=self.spec.count_in_budget,
            passages=passages,
            flat_index_bytes=massiveds.flat_index_bytes(passages, embedding_dim=self.embedding_dim),
            search_flops_per_query=massiveds.exact_search_flops_per_query(
                passages, embedding_dim=self.embedding_dim
            ),
            retrieved_prompt_tokens=self.prompt_tokens,
            quality_effect=QUALITY_EFFECT,
        )
        use = law_use(
            self.law,
            role="retrieval",
            produces=["retrieval"],
            method="compute accounting: build 2 N_ret D_store, flat fp16 index, exact search "
            "2 dim FLOPs per passage, k chunks added to each prompt",
        )
        return out, use


def retrieval_cost(request: PlanRequest) -> RetrievalCost | None:
    spec = request.retrieval
    if spec is None:
        return None
    law = resolve_one_of(
        "inference", request.laws.retrieval, InferenceLaw, "laws.retrieval", ("massiveds2024",)
    )
    values = law.constants.values
    retriever = spec.retriever_params or values["retriever_params"]
    chunk = spec.tokens_per_chunk or values["tokens_per_chunk"]
    chunks = values["k_chunks"] if spec.retrieved_chunks is None else spec.retrieved_chunks
    return RetrievalCost(
        spec=spec,
        law=law,
        retriever_params=retriever,
        build_flops=massiveds.datastore_build_flops(retriever, spec.datastore_tokens),
        prompt_tokens=massiveds.retrieval_prompt_tokens(k_chunks=chunks, tokens_per_chunk=chunk),
        tokens_per_chunk=chunk,
        embedding_dim=float(spec.embedding_dim or values["embedding_dim"]),
    )
