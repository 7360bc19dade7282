"""Retrieval-datastore compute accounting of MassiveDS (Shao et al. 2024, arXiv 2407.12854).

Accounting only, no law: the paper fits no parametric law in datastore size (nor a joint law
in model size, pretraining tokens and datastore size) and its repository holds no per-point
results, only figures. What it does specify (Appendix B.4, section 4.3) is how it counts
compute, which is what is shipped here:

* pretraining: ``6 N_LM D_pretrain``; datastore build with a flat index: ``2 N_ret D_store``
  (one retriever forward pass per datastore token); "training-time compute" is their sum and
  excludes inference;
* inference side (derived): each query prepends k retrieved chunks of <= 256 words
  (~284 Llama-2 tokens each), a flat fp16 index holds ``passages * 768 * 2`` bytes and an
  exact inner-product search costs ``2 * 768 * passages`` FLOPs per query.

>>> f"{datastore_build_flops(177e6, 1441.2e9):.4g}"
'5.102e+20'
"""

from __future__ import annotations

from scipy.stats import binom

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import SHAO2024
from ._law import InferenceLaw, InferenceTraits

__all__ = [
    "LAW",
    "build_flops",
    "compute_ratio",
    "datastore_build_flops",
    "datastore_passages",
    "datastore_share",
    "exact_search_flops_per_query",
    "flat_index_bytes",
    "index_size",
    "ivf_pq_bytes_per_vector",
    "pretraining_flops",
    "prompt_overhead",
    "retrieval_prefill_flops",
    "retrieval_prompt_tokens",
    "subsample_retrieval_probability",
    "tail_bound",
    "training_time_compute",
]


def pretraining_flops(n_params: float, n_tokens: float) -> float:
    """``6 N D`` [FLOPs] (forward 2ND + backward 4ND)."""
    return 6.0 * n_params * n_tokens


def datastore_build_flops(retriever_params: float, datastore_tokens: float) -> float:
    """``2 N_ret D_store`` [FLOPs]: one retriever forward pass per token; flat index only."""
    return 2.0 * retriever_params * datastore_tokens


def training_time_compute(
    n_params: float, n_tokens: float, retriever_params: float, datastore_tokens: float
) -> float:
    """MassiveDS's x-axis: pretraining plus datastore construction [FLOPs] (inference excluded)."""
    return pretraining_flops(n_params, n_tokens) + datastore_build_flops(
        retriever_params, datastore_tokens
    )


def retrieval_prompt_tokens(*, k_chunks: float, tokens_per_chunk: float) -> float:
    """Prompt tokens retrieval adds per query: k chunks x tokens per chunk (paper: 3 x 284.2)."""
    return k_chunks * tokens_per_chunk


def retrieval_prefill_flops(
    reader_params: float, *, k_chunks: float, tokens_per_chunk: float
) -> float:
    """Extra reader prefill FLOPs per query, ``2 N_reader * added prompt tokens``."""
    tokens = retrieval_prompt_tokens(k_chunks=k_chunks, tokens_per_chunk=tokens_per_chunk)
    return 2.0 * reader_params * tokens


def datastore_passages(datastore_tokens: float, *, tokens_per_chunk: float) -> float:
    """Number of indexed passages (chunks of <= 256 words)."""
    return datastore_tokens / tokens_per_chunk


def flat_index_bytes(passages: float, bytes_per_dim: float = 2.0, *, embedding_dim: float) -> float:
    """Uncompressed (FAISS IndexFlatIP-style) index size [bytes]: passages x dim x bytes."""
    return passages * embedding_dim * bytes_per_dim


def exact_search_flops_per_query(passages: float, *, embedding_dim: float) -> float:
    """Exact inner-product search: ``2 * dim`` FLOPs per indexed passage (and a full index read)."""
    return 2.0 * embedding_dim * passages


def ivf_pq_bytes_per_vector(n_subquantizers: float = 16, n_bits: float = 8) -> float:
    """Product-quantised code size [bytes/vector]; repo v1 defaults give 16 (vs 1,536 fp16)."""
    return int(n_subquantizers) * int(n_bits) / 8.0


def subsample_retrieval_probability(
    subsample_ratio: float, *, candidates_K: float, k_chunks: float
) -> float:
    """P[Binomial(K, p) >= k]: a p-subsample of the K candidates still holds k chunks (Table 4)."""
    return float(binom.sf(int(k_chunks) - 1, int(candidates_K), subsample_ratio))


_PAPER = ConstantSet(
    name="paper",
    values={
        "retriever_params": 177e6,
        "embedding_dim": 768,
        "k_chunks": 3,
        "chunk_words": 256,
        "candidates_K": 1000,
        "datastore_tokens": 1441.2e9,
        "tokens_per_chunk": 284.242478,
    },
    source="section 4/Appendix B (Contriever-MSMARCO 177M, k = 3, K = 1000, 256-word chunks), "
    "Table 2 (1441.2B Llama-2 tokens), repo config projection_size 768; tokens_per_chunk = "
    "1e9 / 3,518,123 passages per billion tokens (repo README note)",
    evidence=Evidence.DERIVED,
    note="All values are from the paper or repo except tokens_per_chunk, derived from a "
    "commented-out README line (its timing part is not used).",
)


def build_flops(datastore_tokens: float, *, retriever_params: float) -> dict[str, float]:
    """:func:`datastore_build_flops` with the paper's retriever, as ``flops``."""
    return {"flops": datastore_build_flops(retriever_params, datastore_tokens)}


def compute_ratio(
    small_params: float,
    large_params: float,
    n_tokens: float,
    datastore_tokens: float,
    *,
    retriever_params: float,
) -> dict[str, float]:
    """Training-time compute of a small model with a datastore over a large model's
    pretraining, as ``ratio``."""
    small = training_time_compute(small_params, n_tokens, retriever_params, datastore_tokens)
    return {"ratio": small / pretraining_flops(large_params, n_tokens)}


def datastore_share(
    n_params: float, n_tokens: float, *, retriever_params: float, datastore_tokens: float
) -> dict[str, float]:
    """Build FLOPs of the paper's datastore over a model's pretraining FLOPs, as ``share``."""
    build = datastore_build_flops(retriever_params, datastore_tokens)
    return {"share": build / pretraining_flops(n_params, n_tokens)}


def tail_bound(subsample_ratio: float, *, candidates_K: float, k_chunks: float) -> dict[str, float]:
    """:func:`subsample_retrieval_probability` as ``probability``."""
    found = subsample_retrieval_probability(
        subsample_ratio, candidates_K=candidates_K, k_chunks=k_chunks
    )
    return {"probability": found}


def index_size(
    bytes_per_dim: float,
    n_subquantizers: float,
    n_bits: float,
    *,
    datastore_tokens: float,
    tokens_per_chunk: float,
    embedding_dim: float,
) -> dict[str, float]:
    """Passages, flat index bytes, exact-search FLOPs per query and PQ code bytes of the
    paper's datastore."""
    passages = datastore_passages(datastore_tokens, tokens_per_chunk=tokens_per_chunk)
    return {
        "passages": passages,
        "flat_index_bytes": flat_index_bytes(passages, bytes_per_dim, embedding_dim=embedding_dim),
        "search_flops_per_query": exact_search_flops_per_query(
            passages, embedding_dim=embedding_dim
        ),
        "ivf_pq_bytes_per_vector": ivf_pq_bytes_per_vector(n_subquantizers, n_bits),
    }


def prompt_overhead(
    reader_params: float, *, k_chunks: float, tokens_per_chunk: float
) -> dict[str, float]:
    """Prompt ``tokens`` retrieval adds per query and their reader ``prefill_flops``."""
    tokens = retrieval_prompt_tokens(k_chunks=k_chunks, tokens_per_chunk=tokens_per_chunk)
    return {"tokens": tokens, "prefill_flops": 2.0 * reader_params * tokens}


LAW = CATALOG.register(
    InferenceLaw(
        id="massiveds2024",
        family="inference",
        kind="accounting",
        title="MassiveDS retrieval datastore: compute accounting (no fitted law)",
        reference=SHAO2024,
        equations=(
            "FLOPs_pretrain = 6 N_LM D_pretrain  (Appendix B.4)",
            "FLOPs_datastore = 2 N_retriever D_datastore  (flat index; Appendix B.4)",
            "training-time compute = FLOPs_pretrain + FLOPs_datastore (inference excluded, 4.3)",
            "prompt overhead = k x tokens per chunk (k = 3, 256-word chunks ~ 284 tokens)",
            "flat index bytes = passages x 768 x 2; exact search = 2 x 768 x passages FLOPs/query",
            "P[subsample keeps >= k of the top K] = P[Binomial(K, p) >= k]  (Table 4)",
        ),
        quantities={
            "N_LM": "n_params_total",
            "D_pretrain": "n_tokens",
            "N_retriever": "retriever_params",
            "D_datastore": "datastore_tokens",
            "C_store": "datastore_flops",
        },
        validity={
            "retriever_params": Interval(
                lower=110e6, upper=177e6, source="Table 6: DRAGON/GTR-Base 110M, Contriever 177M"
            ),
            "datastore_tokens": Interval(
                lower=14.412e9,
                upper=1441.2e9,
                source="subsampling ratios 0.01-1 of the 1441.2B-token MassiveDS (Table 2)",
            ),
            "n_params_total": Interval(
                lower=1e9, upper=13e9, source="readers: Pythia 1B-12B, OLMo 1B/7B, Llama-2 7B/13B"
            ),
        },
        constant_sets=(_PAPER,),
        default_constant_set="paper",
        traits=InferenceTraits(),
        functions={
            fn.__name__: fn
            for fn in (
                build_flops,
                compute_ratio,
                datastore_build_flops,
                datastore_passages,
                datastore_share,
                exact_search_flops_per_query,
                flat_index_bytes,
                index_size,
                ivf_pq_bytes_per_vector,
                pretraining_flops,
                prompt_overhead,
                retrieval_prefill_flops,
                retrieval_prompt_tokens,
                subsample_retrieval_probability,
                tail_bound,
                training_time_compute,
            )
        },
        golden=golden_vectors(__file__, "massiveds2024"),
        notes=(
            "No scaling law is shipped: the paper reports monotone, non-saturating trends "
            "('log-linear' per the NeurIPS abstract) but fits no law, and the repository holds "
            "no per-point results; a law could only be fitted to digitised figures.",
            "Published comparison points: Llama-2 7B + MassiveDS beats Llama-2 13B LM-only on "
            "RedPajama perplexity; TriviaQA 64.1 -> 77.0 for Llama-2 7B (Table 3); Pythia-1B + "
            "a 100B-token store matches Pythia-12B on TriviaQA/NQ (Appendix C).",
            "Datastore sizes on the paper's plots are before post-hoc filtering (overstated by "
            "a constant factor).",
            "Singh et al. 2026 (arXiv 2604.00715) give functional forms for retrieval-aware "
            "laws, but their constants were not found.",
        ),
        caveats=(
            "Accounting only: the catalogue has no law for how much a datastore lowers loss or "
            "error; MassiveDS's gains are published as figures, not a fit.",
            "Training-time compute excludes inference: retrieval adds ~850 prompt tokens per "
            "query and an index search.",
        ),
    )
)
