r"""Transformer shapes for a parameter count, and exact parameter, FLOP and KV-cache counts.

Not a registered law: a sizing rule plus exact arithmetic, so the planner can turn the N a loss
law returns into a concrete (n_layer, d_model, heads, d_ff) and state what that shape really
costs. Sources:

- aspect ratio d_model/n_layer: trend of the 50 shapes of Chinchilla Table A9 (Hoffmann et al.
  2022, arXiv:2203.15556), continued up to the 128 of GPT-3 175B and Llama-2-7B (Llama-2-70B:
  102) above the table's largest model, see :func:`target_aspect_ratio`;
- d_head 64/128 and d_ff = 4 d_model: Chinchilla Table A9; d_ff = 8/3 d_model rounded up to a
  multiple of 256 for gated (SwiGLU) MLPs: Shazeer 2020 (arXiv:2002.05202) and Llama 2
  (arXiv:2307.09288); n_kv_heads = n_heads/8 for grouped-query attention: Ainslie et al. 2023
  (arXiv:2305.13245) and Llama-2-70B;
- counting: Kaplan et al. 2020 (arXiv:2001.08361) section 2.1 for parameters, DeepSeek LLM 2024
  (arXiv:2401.02954) section 2.2 for M, Chinchilla Appendix F for exact training FLOPs, the
  standard K and V cache size for KV bytes.

**Counting convention** of :func:`non_embedding_params` (one convention everywhere here): the
attention matrices W_q (d_model x n_heads d_head), W_k and W_v (d_model x n_kv_heads d_head
each) and W_o (n_heads d_head x d_model); the MLP matrices (2 d_model d_ff, or 3 d_model d_ff
when gated); one weight vector of d_model for each of the two norms of a layer and for the
final norm (RMSNorm gains, or LayerNorm gains; no biases anywhere, no positional parameters:
rotary or no position embedding assumed). Token embedding and output head are counted by
:func:`embedding_params`.

>>> choice = shape_for_non_embedding_params(1e9)
>>> s = choice.shape
>>> (s.n_layer, s.d_model, s.n_heads, s.n_kv_heads, s.d_head, s.d_ff)
(26, 1792, 14, 14, 128, 7168)
>>> choice.n_params_non_embedding, round(choice.relative_deviation, 5)
(1002009344, 0.00201)
>>> model_flops_per_token(s, context_length=2048)
7156531200
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._types import Reference
from .references import DEEPSEEK2024, HOFFMANN2022, KAPLAN2020
from .shape_search import ASPECT_BANDS, closest_shape_cell, gated_d_ff, kv_heads

__all__ = [
    "AINSLIE2023",
    "BROWN2020",
    "CHINCHILLA_TABLE_A9",
    "KARPATHY_NANOGPT",
    "SHAZEER2020",
    "TOUVRON2023",
    "ModelShape",
    "ShapeChoice",
    "chinchilla_a9_shape",
    "chinchilla_reported_params",
    "embedding_params",
    "model_flops_per_token",
    "non_embedding_matmul_params",
    "non_embedding_params",
    "shape_choice",
    "shape_for_non_embedding_params",
    "target_aspect_ratio",
    "total_params",
    "training_flops_per_token",
]

REFERENCES = (HOFFMANN2022, KAPLAN2020, DEEPSEEK2024)

TOUVRON2023 = Reference(
    authors="H. Touvron, L. Martin, K. Stone, et al.",
    title="Llama 2: Open Foundation and Fine-Tuned Chat Models",
    year=2023,
    arxiv="2307.09288",
)
BROWN2020 = Reference(
    authors="T. B. Brown, B. Mann, N. Ryder, et al.",
    title="Language Models are Few-Shot Learners",
    year=2020,
    arxiv="2005.14165",
)
AINSLIE2023 = Reference(
    authors="J. Ainslie, J. Lee-Thorp, M. de Jong, et al.",
    title="GQA: Training Generalized Multi-Query Transformer Models from Multi-Head Checkpoints",
    year=2023,
    arxiv="2305.13245",
)
SHAZEER2020 = Reference(
    authors="N. Shazeer",
    title="GLU Variants Improve Transformer",
    year=2020,
    arxiv="2002.05202",
)
KARPATHY_NANOGPT = Reference(
    authors="A. Karpathy",
    title="nanoGPT scaling_laws.ipynb (reproduction of Chinchilla Tables A4 and A9)",
    year=2023,
    url="https://github.com/karpathy/nanoGPT/blob/master/scaling_laws.ipynb",
)


@dataclass(frozen=True, slots=True)
class ModelShape:
    """A dense decoder-only transformer shape.

    ``n_heads * d_head`` is the attention width; it usually equals ``d_model`` but need not
    (six Chinchilla Table A9 rows differ). ``n_kv_heads`` divides ``n_heads`` (grouped-query
    attention when smaller). ``gated_mlp`` means three d_model x d_ff matrices (SwiGLU).
    """

    n_layer: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_head: int
    d_ff: int
    gated_mlp: bool = False

    def __post_init__(self) -> None:
        sizes = (self.n_layer, self.d_model, self.n_heads, self.n_kv_heads, self.d_head, self.d_ff)
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in sizes):
            raise ValueError(f"shape sizes must be positive integers, got {self}")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(
                f"n_kv_heads={self.n_kv_heads} must divide n_heads={self.n_heads} "
                "(each key/value head serves a whole group of query heads)"
            )

    @property
    def attention_width(self) -> int:
        """n_heads * d_head (the width of the query projection)."""
        return self.n_heads * self.d_head

    @property
    def aspect_ratio(self) -> float:
        """d_model / n_layer."""
        return self.d_model / self.n_layer


def non_embedding_matmul_params(shape: ModelShape) -> int:
    """Weights of the attention and MLP matrices of all layers (norms excluded).

    For a classic shape (n_heads d_head = d_model, MHA, d_ff = 4 d_model) this is Kaplan's
    12 n_layer d_model^2.
    """
    d = shape.d_model
    attention = d * (shape.n_heads + 2 * shape.n_kv_heads) * shape.d_head
    attention += shape.attention_width * d
    mlp = (3 if shape.gated_mlp else 2) * d * shape.d_ff
    return shape.n_layer * (attention + mlp)


def non_embedding_params(shape: ModelShape) -> int:
    """Exact non-embedding parameter count under the module's counting convention.

    Matrices of :func:`non_embedding_matmul_params` plus two norm weight vectors of d_model per
    layer and the final norm's; no biases, no positional parameters.
    """
    return non_embedding_matmul_params(shape) + (2 * shape.n_layer + 1) * shape.d_model


def embedding_params(shape: ModelShape, vocab_size: int, tied: bool) -> int:
    """Token embedding plus output head: V d_model if they share one matrix, else 2 V d_model."""
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be positive, got {vocab_size}")
    return (1 if tied else 2) * vocab_size * shape.d_model


def total_params(shape: ModelShape, vocab_size: int, tied: bool) -> int:
    """All trainable parameters (the ``n_params_total`` convention of the glossary)."""
    return non_embedding_params(shape) + embedding_params(shape, vocab_size, tied)


def model_flops_per_token(shape: ModelShape, context_length: int) -> int:
    """DeepSeek's M [FLOPs/token]: non-embedding training FLOPs including attention.

    M = 6 x (non-embedding matmul weights) + 12 n_layer (n_heads d_head) l_seq. The attention
    term counts Q K^T and A V at 2 l_seq n_heads d_head FLOPs each per token in the forward
    pass, over the whole context (no causal halving), times 3 for forward plus backward;
    vocabulary (embedding, logits) and norms are excluded. For a classic 4d-FFN MHA shape this
    is DeepSeek's M = 72 n_layer d_model^2 + 12 n_layer d_model l_seq (arXiv:2401.02954, 2.2).
    """
    if context_length < 1:
        raise ValueError(f"context_length must be positive, got {context_length}")
    attention = 12 * shape.n_layer * shape.attention_width * context_length
    return 6 * non_embedding_matmul_params(shape) + attention


def training_flops_per_token(
    shape: ModelShape,
    vocab_size: int,
    context_length: int,
    *,
    include_embedding_and_logits: bool = True,
) -> int:
    """Exact training FLOPs per token by Chinchilla's Appendix F accounting.

    Forward, per token of a length-S sequence: embedding 2 V d; per layer the Q, K, V
    projections 2 d (n_heads + 2 n_kv_heads) d_head, logits Q K^T 2 S n_heads d_head, softmax
    3 n_heads S, softmax x V 2 S n_heads d_head, output projection 2 n_heads d_head d, MLP
    2 (2 or 3) d d_ff; final logits 2 d V. Backward = 2 x forward, so the total is 3 x forward.

    Table A4's ratios are reproduced only with ``include_embedding_and_logits=False``: per the
    authors' correspondence reported in Karpathy's nanoGPT notebook, the table left out the
    embedding and logit terms the appendix text lists (see :data:`KARPATHY_NANOGPT`). The
    default keeps them because the logits matmul is real compute.
    """
    if context_length < 1:
        raise ValueError(f"context_length must be positive, got {context_length}")
    d, s, width = shape.d_model, context_length, shape.attention_width
    qkv = 2 * d * (shape.n_heads + 2 * shape.n_kv_heads) * shape.d_head
    attention = qkv + 2 * s * width + 3 * shape.n_heads * s + 2 * s * width + 2 * width * d
    mlp = 2 * (3 if shape.gated_mlp else 2) * d * shape.d_ff
    forward = shape.n_layer * (attention + mlp)
    if include_embedding_and_logits:
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be positive, got {vocab_size}")
        forward += 2 * vocab_size * d + 2 * d * vocab_size
    return 3 * forward


def chinchilla_reported_params(shape: ModelShape, vocab_size: int) -> int:
    """Parameters as Chinchilla's tables count them (reconstruction, not the authors' code).

    Per layer: Q, K, V, O weights and biases; relative-position parameters d_model x width plus
    two width-sized biases (Transformer-XL style); MLP weights and biases; two LayerNorms with
    gain and bias. Then a final LayerNorm and one V x d_model matrix. This is Karpathy's
    reconstruction (nanoGPT scaling_laws.ipynb) with the relative-position block sized by the
    attention width; it reproduces all 50 Table A9 counts within 0.66 % (within 0.01 % above
    1B) and the N of Table A4. Used only to check Chinchilla's own tables.
    """
    d, width, kv_width = shape.d_model, shape.attention_width, shape.n_kv_heads * shape.d_head
    attention = d * (width + 2 * kv_width) + width * d + (width + 2 * kv_width) + d
    relative_position = d * width + 2 * width
    n_mlp_in = 2 if shape.gated_mlp else 1
    mlp = (n_mlp_in + 1) * d * shape.d_ff + n_mlp_in * shape.d_ff + d
    layer_norms = 2 * 2 * d
    per_layer = attention + relative_position + mlp + layer_norms
    return shape.n_layer * per_layer + 2 * d + vocab_size * d


# Chinchilla Table A9 (arXiv:2203.15556, "List of trained models"): listed parameters [millions],
# d_model, ffw_size, kv_size (= d_head), n_heads, n_layers. Transcription of the notes'
# source (Vermeille/papote model_specs/chinchilla.py), identical in nanoGPT scaling_laws.ipynb.
CHINCHILLA_TABLE_A9: tuple[tuple[int, int, int, int, int, int], ...] = (
    (44, 512, 2048, 64, 8, 8),
    (57, 576, 2304, 64, 9, 9),
    (74, 640, 2560, 64, 10, 10),
    (90, 640, 2560, 64, 10, 13),
    (106, 640, 2560, 64, 10, 16),
    (117, 768, 3072, 64, 12, 12),
    (140, 768, 3072, 64, 12, 15),
    (163, 768, 3072, 64, 12, 18),
    (175, 896, 3584, 64, 14, 14),
    (196, 896, 3584, 64, 14, 16),
    (217, 896, 3584, 64, 14, 18),
    (251, 1024, 4096, 64, 16, 16),
    (278, 1024, 4096, 64, 16, 18),
    (306, 1024, 4096, 64, 16, 20),
    (425, 1280, 5120, 128, 10, 18),
    (489, 1280, 5120, 128, 10, 21),
    (509, 1408, 5632, 128, 11, 18),
    (552, 1280, 5120, 128, 10, 24),
    (587, 1408, 5632, 128, 11, 21),
    (632, 1536, 6144, 128, 12, 19),
    (664, 1408, 5632, 128, 11, 24),
    (724, 1536, 6144, 128, 12, 22),
    (816, 1536, 6144, 128, 12, 25),
    (893, 1792, 7168, 128, 14, 20),
    (1018, 1792, 7168, 128, 14, 23),
    (1143, 1792, 7168, 128, 14, 26),
    (1266, 2048, 8192, 128, 16, 22),
    (1424, 2176, 8704, 128, 17, 22),
    (1429, 2048, 8192, 128, 16, 25),
    (1593, 2048, 8192, 128, 16, 28),
    (1609, 2176, 8704, 128, 17, 25),
    (1731, 2304, 9216, 128, 18, 24),
    (1794, 2176, 8704, 128, 17, 28),
    (2007, 2304, 9216, 128, 18, 28),
    (2283, 2304, 9216, 128, 18, 32),
    (2298, 2560, 10240, 128, 20, 26),
    (2639, 2560, 10240, 128, 20, 30),
    (2980, 2560, 10240, 128, 20, 34),
    (3530, 2688, 10752, 128, 22, 36),
    (3802, 2816, 11264, 128, 22, 36),
    (4084, 2944, 11776, 128, 22, 36),
    (4516, 3072, 12288, 128, 24, 36),
    (6796, 3584, 14336, 128, 28, 40),
    (9293, 4096, 16384, 128, 32, 42),
    (11452, 4352, 17408, 128, 32, 47),
    (12295, 4608, 18432, 128, 36, 44),
    (12569, 4608, 18432, 128, 32, 47),
    (13735, 4864, 19456, 128, 32, 47),
    (14940, 4992, 19968, 128, 32, 49),
    (16183, 5120, 20480, 128, 40, 47),
)


def chinchilla_a9_shape(row: tuple[int, int, int, int, int, int]) -> ModelShape:
    """The :class:`ModelShape` of one Table A9 row (MHA, ungated, d_ff = ffw_size)."""
    _, d_model, ffw, kv_size, heads, layers = row
    return ModelShape(layers, d_model, heads, heads, kv_size, ffw, gated_mlp=False)


# Aspect-ratio rule: A9 is an isoFLOP grid that varies depth on purpose at a given size
# (ratios 40-109), so the rule interpolates its least-squares trend, ln(d/L) linear in ln N,
# rather than the rows themselves. N is each row's non-embedding count in our convention.
_A9_N = np.array([non_embedding_params(chinchilla_a9_shape(r)) for r in CHINCHILLA_TABLE_A9])
_A9_RATIO = np.array([r[1] / r[5] for r in CHINCHILLA_TABLE_A9])
_TREND_SLOPE, _TREND_INTERCEPT = (float(c) for c in np.polyfit(np.log(_A9_N), np.log(_A9_RATIO), 1))
A9_N_RANGE = (float(_A9_N.min()), float(_A9_N.max()))
PRODUCTION_ASPECT_RATIO = 128.0
"""Cap of the rule: GPT-3 175B (96 layers, d_model 12288) and Llama-2-7B (32, 4096)."""

D_HEAD_SWITCH = 3e8
"""Non-embedding N from which d_head = 128 (A9: 64 up to 252M, 128 from 354M non-embedding)."""

N_PARAMS_RANGE = (1e7, 1e13)


def target_aspect_ratio(n_params_non_embedding: float) -> float:
    """d_model / n_layer the rule aims at for a non-embedding parameter count.

    exp(intercept + slope ln N) fitted by least squares to the 50 Table A9 shapes (about 48 at
    25M, 74 at 1B, 102 at 15B), held at its 25M value below the table and continued above its
    largest model (1.5e10) until it reaches 128 (GPT-3 175B, Llama-2-7B; Llama-2-70B has
    102), where it is held: production models above ~20B use 100-130.
    """
    n = max(float(n_params_non_embedding), A9_N_RANGE[0])
    return min(math.exp(_TREND_INTERCEPT + _TREND_SLOPE * math.log(n)), PRODUCTION_ASPECT_RATIO)


@dataclass(frozen=True, slots=True)
class ShapeChoice:
    """A shape chosen for a requested non-embedding parameter count, with its exact count."""

    shape: ModelShape
    requested_non_embedding_params: float
    n_params_non_embedding: int
    relative_deviation: float
    target_aspect_ratio: float
    aspect_band: float
    rule: str

    @property
    def aspect_ratio(self) -> float:
        return self.shape.aspect_ratio


def shape_for_non_embedding_params(
    n_params: float,
    *,
    gated_mlp: bool = False,
    grouped_query: bool = False,
    rule: Literal["chinchilla"] = "chinchilla",
) -> ShapeChoice:
    """A shape whose exact non-embedding count is close to ``n_params``.

    Rule ("chinchilla"): aspect ratio r = :func:`target_aspect_ratio`; d_head = 64 below
    3e8 non-embedding parameters, else 128; d_model a multiple of d_head (so of 128 when
    large) with n_heads = d_model / d_head; d_ff = 4 d_model, or 8/3 d_model rounded up to a
    multiple of 256 when gated; n_kv_heads = n_heads, or with ``grouped_query`` the largest
    divisor of n_heads not above n_heads/8 (exactly n_heads/8 when 8 divides n_heads).
    Search: over all integer n_layer >= 2 and d_model with d_model/n_layer within a factor
    1.1 of r, the one whose exact count is closest to the request (ties: closer ratio); the
    band widens to 1.25, then 1.5 only while the best count misses by more than 0.5 %. The
    search is exact but visits only the cells near the analytic width of each layer count
    (:func:`laws_catalog.shape_search.closest_shape_cell`). The
    widest band stays inside the scatter of A9 itself (its ratios lie within a factor 1.4 of
    the trend) and Kaplan et al. found loss nearly flat over a 40x range of ratios.
    """
    if rule != "chinchilla":
        raise ValueError(f"unknown shape rule {rule!r}; known: 'chinchilla'")
    lo, hi = N_PARAMS_RANGE
    if not (math.isfinite(n_params) and lo <= n_params <= hi):
        raise ValueError(f"n_params must lie in [{lo:.0e}, {hi:.0e}], got {n_params!r}")
    ratio = target_aspect_ratio(n_params)
    d_head = 64 if n_params < D_HEAD_SWITCH else 128
    widest = ASPECT_BANDS[-1]
    layers_guess = (n_params / (12.0 * ratio**2)) ** (1.0 / 3.0)
    layer_lo = max(2, math.floor(layers_guess * widest ** (-2 / 3) / 1.2))
    layer_hi = max(layer_lo, math.ceil(layers_guess * widest ** (2 / 3) * 1.2))
    multiple_lo = max(1, math.floor(ratio * layer_lo / widest / d_head))
    multiple_hi = math.ceil(ratio * layer_hi * widest / d_head)
    (n_layer_best, multiple_best), band = closest_shape_cell(
        n_params,
        ratio=ratio,
        d_head=d_head,
        layers=(layer_lo, layer_hi),
        multiples=(multiple_lo, multiple_hi),
        gated_mlp=gated_mlp,
        grouped_query=grouped_query,
    )
    d_model_best = multiple_best * d_head
    shape = ModelShape(
        n_layer=n_layer_best,
        d_model=d_model_best,
        n_heads=multiple_best,
        n_kv_heads=kv_heads(multiple_best, grouped_query),
        d_head=d_head,
        d_ff=gated_d_ff(d_model_best) if gated_mlp else 4 * d_model_best,
        gated_mlp=gated_mlp,
    )
    return shape_choice(shape, n_params, ratio, band, rule)


def shape_choice(
    shape: ModelShape, n_params: float, ratio: float, band: float, rule: str
) -> ShapeChoice:
    """A searched shape with its exact count and how far it lands from ``n_params``."""
    exact = non_embedding_params(shape)
    return ShapeChoice(
        shape=shape,
        requested_non_embedding_params=float(n_params),
        n_params_non_embedding=exact,
        relative_deviation=exact / n_params - 1.0,
        target_aspect_ratio=ratio,
        aspect_band=band,
        rule=rule,
    )
